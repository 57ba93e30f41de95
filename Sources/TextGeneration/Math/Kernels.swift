import CKernels
import Foundation

/// The element-wise pieces of the forward pass. Each works on `rows` rows of `width` floats.
enum Kernels {
    /// out[r, :] = (x[r, :] − mean) / sqrt(var + eps) · weight + bias, biased variance as in PyTorch.
    static func layerNorm(_ x: UnsafePointer<Float>, rows: Int, width: Int, weight: Tensor, bias: Tensor,
                          epsilon: Float, into out: UnsafeMutablePointer<Float>) {
        for r in 0..<rows {
            let row = x + r * width, target = out + r * width
            var mean: Float = 0
            for i in 0..<width { mean += row[i] }
            mean /= Float(width)
            var variance: Float = 0
            for i in 0..<width { let d = row[i] - mean; variance += d * d }
            variance /= Float(width)
            let scale = 1 / (variance + epsilon).squareRoot()
            for i in 0..<width { target[i] = (row[i] - mean) * scale * weight[i] + bias[i] }
        }
    }

    /// x[r, :] += bias for every row.
    static func addBias(_ x: UnsafeMutablePointer<Float>, rows: Int, width: Int, bias: Tensor) {
        for r in 0..<rows {
            let row = x + r * width
            for i in 0..<width { row[i] += bias[i] }
        }
    }

    /// x += y, element-wise over `count` floats (the residual connections).
    static func add(_ y: UnsafePointer<Float>, into x: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { x[i] += y[i] }
    }

    static func activate(_ x: UnsafeMutablePointer<Float>, count: Int, _ activation: GPT2Config.Activation) {
        switch activation {
        case .geluTanh:
            // 0.5 x (1 + tanh(u)), u = √(2/π) (x + 0.044715 x³), written as x − x / (e^{2u} + 1)
            // with a vectorised exponential (this loop was a quarter of a prompt with expf).
            wf_gelu_tanh(x, x, count)
        case .geluExact:
            for i in 0..<count { let v = x[i]; x[i] = 0.5 * v * (1 + erff(v / Float(2).squareRoot())) }
        case .relu:
            for i in 0..<count { x[i] = max(0, x[i]) }
        }
    }

    /// Softmax of the first `valid` entries of a row in place; the rest become 0 (the causal mask).
    static func softmax(_ row: UnsafeMutablePointer<Float>, valid: Int, width: Int) {
        var maximum = -Float.infinity
        for i in 0..<valid { maximum = max(maximum, row[i]) }
        var sum: Float = 0
        for i in 0..<valid { let e = expf(row[i] - maximum); row[i] = e; sum += e }
        let inverse = 1 / sum
        for i in 0..<valid { row[i] *= inverse }
        for i in valid..<width { row[i] = 0 }
    }

    /// One query against `span` cached positions: out[D] = softmax(q·kᵢ · scale) · vᵢ.
    /// Keys and values are rows of `stride` floats; `scores` holds at least `span` floats.
    static func attendOne(_ q: UnsafePointer<Float>, keys: UnsafePointer<Float>, values: UnsafePointer<Float>, span: Int,
                          headSize d: Int, stride: Int, scale: Float, scores: UnsafeMutablePointer<Float>,
                          into out: UnsafeMutablePointer<Float>) {
        wf_attend_one(q, keys, values, Int32(span), Int32(d), Int32(stride), scale, scores, out)
    }
}
