import TextGeneration

/// Matrix products with Hugging Face's Conv1D layout (weight [in, out], so y = x × W + b),
/// and the tied head, which reads `wte` [V, C] transposed.
enum Linear {
    /// out [N, OC] = inp [N, IC] × weight [IC, OC] + bias [OC]
    static func forward(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                        bias: UnsafePointer<Float>?, rows n: Int, inputs ic: Int, outputs oc: Int) {
        BLAS.gemm(m: n, n: oc, k: ic, a: inp, lda: ic, b: weight, ldb: oc, c: out, ldc: oc)
        guard let bias else { return }
        ComputePool.forEachRange(n, grain: 16) { rows in
            for r in rows {
                let row = out + r * oc
                for j in 0..<oc { row[j] += bias[j] }
            }
        }
    }

    /// dinp [N, IC] += dout × weightᵀ; dweight [IC, OC] += inpᵀ × dout; dbias [OC] += Σ rows of dout.
    static func backward(dinp: UnsafeMutablePointer<Float>, dweight: UnsafeMutablePointer<Float>, dbias: UnsafeMutablePointer<Float>?,
                         dout: UnsafePointer<Float>, inp: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                         rows n: Int, inputs ic: Int, outputs oc: Int) {
        BLAS.gemm(m: n, n: ic, k: oc, a: dout, lda: oc, b: weight, ldb: oc, transposeB: true, beta: 1, c: dinp, ldc: ic)
        BLAS.gemm(m: ic, n: oc, k: n, a: inp, lda: ic, transposeA: true, b: dout, ldb: oc, beta: 1, c: dweight, ldc: oc)
        guard let dbias else { return }
        // Threads split the columns, so each dbias element has one writer.
        ComputePool.forEachRange(oc, grain: 64, alignment: 16) { columns in
            for r in 0..<n {
                let row = dout + r * oc
                for j in columns { dbias[j] += row[j] }
            }
        }
    }

    /// The tied head: out [N, V] = inp [N, C] × weightᵀ, weight being wte [V, C].
    static func forwardTransposed(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                                  rows n: Int, inputs c: Int, outputs v: Int) {
        BLAS.gemm(m: n, n: v, k: c, a: inp, lda: c, b: weight, ldb: c, transposeB: true, c: out, ldc: v)
    }

    /// dinp [N, C] += dout [N, V] × weight [V, C]; dweight [V, C] += doutᵀ × inp.
    static func backwardTransposed(dinp: UnsafeMutablePointer<Float>, dweight: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>,
                                   inp: UnsafePointer<Float>, weight: UnsafePointer<Float>, rows n: Int, inputs c: Int, outputs v: Int) {
        BLAS.gemm(m: n, n: c, k: v, a: dout, lda: v, b: weight, ldb: c, beta: 1, c: dinp, ldc: c)
        BLAS.gemm(m: v, n: c, k: n, a: dout, lda: v, transposeA: true, b: inp, ldb: c, beta: 1, c: dweight, ldc: c)
    }
}
