import CKernels
import Foundation
import TextGeneration

/// Causal multi-head self-attention over whole sequences (no KV cache): B sequences of T
/// positions, C = H heads × D. Per head, each a pair of sgemm calls in both directions.
enum Attention {
    /// qkv [B, T, 3C] (q | k | v, head h at columns h·D of each) → out [B, T, C] (heads side by side),
    /// probs [B, H, T, T] = causal softmax(q kᵀ · scale), kept for the backward pass (0 above the diagonal).
    static func forward(out: UnsafeMutablePointer<Float>, probs: UnsafeMutablePointer<Float>, qkv: UnsafePointer<Float>,
                        batch: Int, length t: Int, width c: Int, heads: Int, scale: Float) {
        let d = c / heads
        eachHead(batch: batch, heads: heads) { b, h in
            do {
                let q = qkv + b * t * 3 * c + h * d            // [T, D], row stride 3C
                let k = q + c, v = q + 2 * c
                let p = probs + (b * heads + h) * t * t        // [T, T]
                let o = out + b * t * c + h * d                // [T, D], row stride C
                BLAS.gemm(m: t, n: t, k: d, alpha: scale, a: q, lda: 3 * c, b: k, ldb: 3 * c, transposeB: true, c: p, ldc: t)
                for i in 0..<t {
                    let row = p + i * t
                    var maximum = -Float.infinity
                    for j in 0...i { maximum = max(maximum, row[j]) }
                    let sum = wf_exp_shifted_sum(row, maximum, row, i + 1)
                    let inverse = 1 / sum
                    for j in 0...i { row[j] *= inverse }
                    for j in (i + 1)..<t { row[j] = 0 }
                }
                BLAS.gemm(m: t, n: d, k: t, a: p, lda: t, b: v, ldb: 3 * c, c: o, ldc: c)
            }
        }
    }

    /// dqkv [B, T, 3C] += the gradients for dout [B, T, C]. `scratch` holds B·H·T·T floats.
    /// dP = dO vᵀ; dv = Pᵀ dO; dS = P ⊙ (dP − rowsum(P ⊙ dP)); dq = dS k · scale; dk = dSᵀ q · scale.
    static func backward(dqkv: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>, probs: UnsafePointer<Float>,
                         qkv: UnsafePointer<Float>, scratch: UnsafeMutablePointer<Float>,
                         batch: Int, length t: Int, width c: Int, heads: Int, scale: Float) {
        let d = c / heads
        eachHead(batch: batch, heads: heads) { b, h in
            let ds = scratch + (b * heads + h) * t * t     // [T, T], each head its own, so heads run side by side
            do {
                let q = qkv + b * t * 3 * c + h * d, k = q + c, v = q + 2 * c
                let dq = dqkv + b * t * 3 * c + h * d, dk = dq + c, dv = dq + 2 * c
                let p = probs + (b * heads + h) * t * t
                let dout = dout + b * t * c + h * d
                BLAS.gemm(m: t, n: t, k: d, a: dout, lda: c, b: v, ldb: 3 * c, transposeB: true, c: ds, ldc: t)
                BLAS.gemm(m: t, n: d, k: t, a: p, lda: t, transposeA: true, b: dout, ldb: c, beta: 1, c: dv, ldc: 3 * c)
                for i in 0..<t {
                    let pr = p + i * t, dr = ds + i * t
                    var dot: Float = 0
                    for j in 0...i { dot += pr[j] * dr[j] }
                    for j in 0...i { dr[j] = pr[j] * (dr[j] - dot) }
                    for j in (i + 1)..<t { dr[j] = 0 }
                }
                BLAS.gemm(m: t, n: d, k: t, alpha: scale, a: ds, lda: t, b: k, ldb: 3 * c, beta: 1, c: dq, ldc: 3 * c)
                BLAS.gemm(m: t, n: d, k: t, alpha: scale, a: ds, lda: t, transposeA: true, b: q, ldb: 3 * c, beta: 1, c: dk, ldc: 3 * c)
            }
        }
    }

    /// Runs `body(b, h)` for every sequence and head, spread over the compute threads: these
    /// T×T and T×D products are too small to split, so the heads run side by side instead.
    private static func eachHead(batch: Int, heads: Int, _ body: (Int, Int) -> Void) {
        ComputePool.forEachPart(batch * heads) { index in body(index / heads, index % heads) }
    }
}
