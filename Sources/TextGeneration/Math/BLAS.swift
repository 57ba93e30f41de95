import COpenBLAS

/// Row-major matrix products through OpenBLAS.
public enum BLAS {
    /// Products below this many multiply-adds run whole on the calling thread.
    static let splitThreshold = 1 << 18

    /// C[m, n] = alpha · op(A) × op(B) + beta · C, where op(A) is [m, k] and op(B) is [k, n];
    /// a transposed operand is read as stored ([k, m] for A, [n, k] for B). Leading
    /// dimensions are row strides in elements. Large products are split over
    /// `ComputePool.threads` by rows or columns of C, each part one single-threaded sgemm.
    public static func gemm(m: Int, n: Int, k: Int, alpha: Float = 1,
                            a: UnsafePointer<Float>, lda: Int, transposeA: Bool = false,
                            b: UnsafePointer<Float>, ldb: Int, transposeB: Bool = false,
                            beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
        _ = libraryOnOneThread
        func product(m: Int, n: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>) {
            cblas_sgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                        Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
        }
        if m == 1 && !transposeA {
            // One row: a matrix-vector product streams B once.
            // y[n] = x[k] × B[k, n] is Bᵀ·x over row-major B; with B stored [n, k] it is B·x.
            cblas_sgemv(CblasRowMajor, transposeB ? CblasNoTrans : CblasTrans, Int32(transposeB ? n : k), Int32(transposeB ? k : n),
                        alpha, b, Int32(ldb), a, 1, beta, c, 1)
            return
        }
        guard ComputePool.threads > 1, m * n * k >= splitThreshold else { return product(m: m, n: n, a: a, b: b, c: c) }
        if m >= n {
            // Rows i of C read rows i of op(A): A's rows, or its columns when stored transposed.
            ComputePool.forEachRange(m, grain: 16, alignment: 16) { rows in
                product(m: rows.count, n: n, a: transposeA ? a + rows.lowerBound : a + rows.lowerBound * lda, b: b,
                        c: c + rows.lowerBound * ldc)
            }
        } else {
            // Columns j of C read columns j of op(B): B's columns, or its rows when stored transposed.
            ComputePool.forEachRange(n, grain: 16, alignment: 16) { columns in
                product(m: m, n: columns.count, a: a, b: transposeB ? b + columns.lowerBound * ldb : b + columns.lowerBound,
                        c: c + columns.lowerBound)
            }
        }
    }

    /// OpenBLAS's own thread count is process-wide state (0.3.21 has no per-call setting), so
    /// it is fixed at one before the first product and wf splits the work itself: its workers
    /// would otherwise spin against ComputePool's for the same cores.
    private static let libraryOnOneThread: Void = openblas_set_num_threads(1)

    /// The OpenBLAS core in use, as `Haswell` or `SkylakeX`.
    public static var coreName: String { openblas_get_corename().map { String(cString: $0) } ?? "unknown" }
}
