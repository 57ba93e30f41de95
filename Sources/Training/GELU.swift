import Foundation

/// GELU, tanh form (`gelu_new`): 0.5 x (1 + tanh u), u = √(2/π) (x + 0.044715 x³).
enum GELU {
    static let k = Float((2 / Double.pi).squareRoot())

    /// out [N] = gelu(inp), computed as x − x / (e^{2u} + 1): the same value and the same
    /// formula as the inference kernel, so training and inference logits agree bit for bit here.
    static func forward(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, count: Int) {
        for i in 0..<count {
            let x = inp[i]
            let u = k * (x + 0.044715 * x * x * x)
            out[i] = x - x / (expf(2 * u) + 1)
        }
    }

    /// dinp [N] += dout · gelu′(inp), gelu′ = 0.5 (1 + tanh u) + 0.5 x (1 − tanh² u) · u′.
    static func backward(dinp: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, dout: UnsafePointer<Float>, count: Int) {
        for i in 0..<count {
            let x = inp[i]
            let u = k * (x + 0.044715 * x * x * x)
            let th = 1 - 2 / (expf(2 * u) + 1)  // tanh u, through expf as in forward: a third of tanhf's cost
            let du = k * (1 + 3 * 0.044715 * x * x)
            dinp[i] += dout[i] * (0.5 * (1 + th) + 0.5 * x * (1 - th * th) * du)
        }
    }
}
