import COpenBLAS
import TextGeneration

/// Row-major sgemm for training: every product in forward and backward is one call here, so
/// the transposes the backward passes need read as flags rather than as copies. Large
/// products are split over the compute threads by rows or columns of C, each part one
/// single-threaded sgemm (the passes hold OpenBLAS to one thread; see `GPT2Training`).
enum MatrixProduct {
    /// Products below this many multiply-adds run whole on the calling thread.
    static let splitThreshold = 1 << 18

    /// C[m, n] = alpha · op(A) × op(B) + beta · C, op(A) [m, k], op(B) [k, n]; a transposed
    /// operand is read as stored ([k, m] for A, [n, k] for B). Leading dimensions are row strides.
    static func gemm(m: Int, n: Int, k: Int, alpha: Float = 1,
                     a: UnsafePointer<Float>, lda: Int, transposeA: Bool = false,
                     b: UnsafePointer<Float>, ldb: Int, transposeB: Bool = false,
                     beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
        func product(m: Int, n: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>) {
            gemmOnCallingThread(m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, transposeA: transposeA, b: b, ldb: ldb,
                                transposeB: transposeB, beta: beta, c: c, ldc: ldc)
        }
        guard BLAS.threads > 1, m * n * k >= splitThreshold else { return product(m: m, n: n, a: a, b: b, c: c) }
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

    /// `gemm` in one piece, for products already running on one of the compute threads.
    @inline(__always)
    static func gemmOnCallingThread(m: Int, n: Int, k: Int, alpha: Float = 1,
                                    a: UnsafePointer<Float>, lda: Int, transposeA: Bool = false,
                                    b: UnsafePointer<Float>, ldb: Int, transposeB: Bool = false,
                                    beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
        cblas_sgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }
}
