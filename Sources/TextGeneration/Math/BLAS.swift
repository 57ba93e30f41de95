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
        if m == 1 && !transposeA {
            // One row (decoding one token): a matrix-vector product streams B once.
            // y[n] = x[k] × B[k, n] is Bᵀ·x over row-major B; with B stored [n, k] it is B·x.
            cblas_sgemv(CblasRowMajor, transposeB ? CblasNoTrans : CblasTrans, Int32(transposeB ? n : k), Int32(transposeB ? k : n),
                        alpha, b, Int32(ldb), a, 1, beta, c, 1)
            return
        }
        cblas_sgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// Compute threads for OpenBLAS and for wf's own kernels, for every later call in this
    /// process. Output is reproducible for a given build and thread count.
    public static func setThreads(_ count: Int) {
        threads = max(1, count)
        openblas_set_num_threads(Int32(threads))
    }

    /// The compute threads set by `setThreads`.
    public private(set) nonisolated(unsafe) static var threads = 1

    /// Runs `body` with OpenBLAS using `count` threads of its own, then restores the setting.
    /// Training holds it to one and splits each product over `ComputePool` instead.
    public static func withLibraryThreads<Result>(_ count: Int, _ body: () throws -> Result) rethrows -> Result {
        let saved = openblas_get_num_threads()
        openblas_set_num_threads(Int32(count))
        defer { openblas_set_num_threads(saved) }
        return try body()
    }

    /// The OpenBLAS core in use, as `Haswell` or `SkylakeX`.
    public static var coreName: String { openblas_get_corename().map { String(cString: $0) } ?? "unknown" }
}
