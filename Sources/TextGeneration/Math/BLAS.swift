import COpenBLAS

/// Row-major matrix products through OpenBLAS.
public enum BLAS {
    /// C[m, n] = alpha · op(A) × op(B) + beta · C, where op(A) is [m, k] and op(B) is [k, n];
    /// `transposeB` reads B as stored [n, k]. Leading dimensions are row strides in elements.
    @inline(__always)
    static func gemm(m: Int, n: Int, k: Int, alpha: Float = 1,
                     a: UnsafePointer<Float>, lda: Int, transposeA: Bool = false,
                     b: UnsafePointer<Float>, ldb: Int, transposeB: Bool = false,
                     beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
        cblas_sgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// OpenBLAS's worker threads for every later call in this process.
    public static func setThreads(_ count: Int) {
        openblas_set_num_threads(Int32(max(1, count)))
    }
}
