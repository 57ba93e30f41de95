/// Central finite differences of a scalar loss, compared with an analytic gradient.
enum FiniteDifferences {
    /// The largest |analytic − numeric| over `indices` of `buffer`, divided by the largest
    /// |numeric|: about 1e-3 for correct float32 kernels with h = 1e-2, and of order 1 for a
    /// wrong gradient (a missing term or a transposed product).
    static func relativeError(_ buffer: FloatBuffer, analytic: [Float], indices: [Int]? = nil, h: Float = 1e-2,
                              loss: () -> Double) -> Double {
        var worst = 0.0, largest = 1e-12
        for i in indices ?? Array(0..<buffer.count) {
            let saved = buffer[i]
            buffer[i] = saved + h
            let plus = loss()
            buffer[i] = saved - h
            let minus = loss()
            buffer[i] = saved
            let numeric = (plus - minus) / (2 * Double(h))
            worst = max(worst, abs(Double(analytic[i]) - numeric))
            largest = max(largest, abs(numeric))
        }
        return worst / largest
    }

    /// Σ out ⊙ weights in Double: a scalar whose gradient with respect to `out` is `weights`.
    static func dot(_ out: FloatBuffer, _ weights: FloatBuffer) -> Double {
        var sum = 0.0
        for i in 0..<out.count { sum += Double(out[i]) * Double(weights[i]) }
        return sum
    }
}
