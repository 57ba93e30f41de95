import COpenBLAS

/// Row-major sgemm for training: every product in forward and backward is one call here, so
/// the transposes the backward passes need read as flags rather than as copies.
enum MatrixProduct {
    /// C[m, n] = alpha · op(A) × op(B) + beta · C, op(A) [m, k], op(B) [k, n]; a transposed
    /// operand is read as stored ([k, m] for A, [n, k] for B). Leading dimensions are row strides.
    @inline(__always)
    static func gemm(m: Int, n: Int, k: Int, alpha: Float = 1,
                     a: UnsafePointer<Float>, lda: Int, transposeA: Bool = false,
                     b: UnsafePointer<Float>, ldb: Int, transposeB: Bool = false,
                     beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
        cblas_sgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }
}
