import CKernels
import Dispatch

/// Activations times weights: y[m, n] = x[m, k] × W. Up to `smallRows` rows (decoding)
/// go through the streaming kernels of CKernels, split by columns over the compute threads;
/// more rows (prompts) go through OpenBLAS sgemm.
enum MatrixMultiply {
    static let smallRows = 8

    /// y[m, n] (row stride ldy) = x[m, k] (row stride ldx) × W[k, n].
    static func multiply(_ x: UnsafePointer<Float>, rows m: Int, ldx: Int, by w: WeightMatrix,
                         into y: UnsafeMutablePointer<Float>, ldy: Int, scratch: inout [Float]) {
        let k = w.rows, n = w.columns
        guard m <= smallRows else {
            BLAS.gemm(m: m, n: n, k: k, a: x, lda: ldx, b: w.floats(scratch: &scratch), ldb: n, c: y, ldc: ldy)
            return
        }
        split(columns: n) { n0, n1 in
            switch w.storage {
            case .f32(let p): wf_rows_times_matrix_f32(Int32(m), Int32(k), x, Int32(ldx), p, Int32(n), y, Int32(ldy), Int32(n0), Int32(n1))
            case .f16(let p): wf_rows_times_matrix_f16(Int32(m), Int32(k), x, Int32(ldx), p, Int32(n), y, Int32(ldy), Int32(n0), Int32(n1))
            }
        }
    }

    /// y[m, n] = x[m, k] × Wᵀ where W is stored [n, k] (the LM head, tied to the embedding).
    static func multiplyTransposed(_ x: UnsafePointer<Float>, rows m: Int, ldx: Int, by w: WeightMatrix,
                                   into y: UnsafeMutablePointer<Float>, ldy: Int, scratch: inout [Float]) {
        let n = w.rows, k = w.columns
        guard m <= smallRows else {
            BLAS.gemm(m: m, n: n, k: k, a: x, lda: ldx, b: w.floats(scratch: &scratch), ldb: k, transposeB: true, c: y, ldc: ldy)
            return
        }
        split(columns: n) { n0, n1 in
            switch w.storage {
            case .f32(let p): wf_rows_times_transposed_f32(Int32(m), Int32(k), x, Int32(ldx), p, Int32(k), y, Int32(ldy), Int32(n0), Int32(n1))
            case .f16(let p): wf_rows_times_transposed_f16(Int32(m), Int32(k), x, Int32(ldx), p, Int32(k), y, Int32(ldy), Int32(n0), Int32(n1))
            }
        }
    }

    /// Runs `body` on column ranges (multiples of 16) on `BLAS.threads` threads.
    private static func split(columns n: Int, _ body: (Int, Int) -> Void) {
        let threads = min(BLAS.threads, max(1, n / 64))
        if threads == 1 { body(0, n); return }
        let chunk = (n / threads + 15) / 16 * 16
        withoutActuallyEscaping(body) { body in
            let call = UnsafeSendable(body)
            DispatchQueue.concurrentPerform(iterations: threads) { index in
                let start = index * chunk, end = index == threads - 1 ? n : min(n, start + chunk)
                if start < end { call.value(start, end) }
            }
        }
    }
}

/// Hands a non-Sendable value to concurrentPerform's workers, which finish before it returns.
struct UnsafeSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
