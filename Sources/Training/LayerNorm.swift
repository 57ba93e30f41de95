import TextGeneration

/// Layer normalisation over the last dimension, biased variance as in PyTorch. Rows are
/// independent, so both passes split them over the compute threads.
enum LayerNorm {
    /// out [N, C] = (inp − mean) · rstd · weight + bias; keeps mean [N] and rstd [N] = 1/√(var + eps)
    /// for the backward pass.
    static func forward(out: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>, rstd: UnsafeMutablePointer<Float>,
                        inp: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                        rows: Int, width c: Int, epsilon: Float) {
        ComputePool.forEachRange(rows, grain: 16) { part in
            for r in part {
                let x = inp + r * c, y = out + r * c
                var m: Float = 0
                for i in 0..<c { m += x[i] }
                m /= Float(c)
                var variance: Float = 0
                for i in 0..<c { let d = x[i] - m; variance += d * d }
                variance /= Float(c)
                let s = 1 / (variance + epsilon).squareRoot()
                for i in 0..<c { y[i] = (x[i] - m) * s * weight[i] + bias[i] }
                mean[r] = m
                rstd[r] = s
            }
        }
    }

    /// dinp [N, C], dweight [C], dbias [C] += the gradients for dout [N, C]. With n̂ the
    /// normalised input and g = weight · dout: dinp = (g − mean(g) − n̂ · mean(g · n̂)) · rstd.
    /// Each thread sums its rows' dweight and dbias apart; the partial sums are added in order.
    static func backward(dinp: UnsafeMutablePointer<Float>, dweight: UnsafeMutablePointer<Float>, dbias: UnsafeMutablePointer<Float>,
                         dout: UnsafePointer<Float>, inp: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                         mean: UnsafePointer<Float>, rstd: UnsafePointer<Float>, rows: Int, width c: Int) {
        let parts = ComputePool.ranges(rows, grain: 16)
        let partials = UnsafeMutablePointer<Float>.allocate(capacity: parts.count * 2 * c)   // [parts, dweight C | dbias C]
        defer { partials.deallocate() }
        partials.initialize(repeating: 0, count: parts.count * 2 * c)
        ComputePool.forEachPart(parts.count) { index in
            let pw = partials + index * 2 * c, pb = pw + c
            for r in parts[index] {
                let x = inp + r * c, dy = dout + r * c, dx = dinp + r * c
                let m = mean[r], s = rstd[r]
                var gMean: Float = 0, gNormMean: Float = 0
                for i in 0..<c {
                    let normed = (x[i] - m) * s, g = weight[i] * dy[i]
                    gMean += g
                    gNormMean += g * normed
                }
                gMean /= Float(c)
                gNormMean /= Float(c)
                for i in 0..<c {
                    let normed = (x[i] - m) * s, g = weight[i] * dy[i]
                    pb[i] += dy[i]
                    pw[i] += normed * dy[i]
                    dx[i] += (g - gMean - normed * gNormMean) * s
                }
            }
        }
        for index in 0..<parts.count {
            let pw = partials + index * 2 * c, pb = pw + c
            for i in 0..<c { dweight[i] += pw[i]; dbias[i] += pb[i] }
        }
    }
}
