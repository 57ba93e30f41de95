import CKernels
import TextGeneration

/// GELU, tanh form (`gelu_new`): 0.5 x (1 + tanh u), u = √(2/π) (x + 0.044715 x³), through the
/// vectorised kernels of CKernels.
enum GELU {
    /// out [N] = gelu(inp), computed as x − x / (e^{2u} + 1): the same kernel as inference, so
    /// training and inference logits agree bit for bit.
    static func forward(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, count: Int) {
        ComputePool.forEachRange(count, grain: 1 << 14, alignment: 8) { part in
            wf_gelu_tanh(inp + part.lowerBound, out + part.lowerBound, part.count)
        }
    }

    /// dinp [N] += dout · gelu′(inp), gelu′ = 0.5 (1 + tanh u) + 0.5 x (1 − tanh² u) · u′, with
    /// tanh u = 1 − 2 / (e^{2u} + 1) through the same exponential as forward.
    static func backward(dinp: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, dout: UnsafePointer<Float>, count: Int) {
        ComputePool.forEachRange(count, grain: 1 << 14, alignment: 8) { part in
            wf_gelu_tanh_backward(inp + part.lowerBound, dout + part.lowerBound, dinp + part.lowerBound, part.count)
        }
    }
}
