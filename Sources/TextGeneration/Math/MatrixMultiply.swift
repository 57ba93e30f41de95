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
        // Each thread takes a contiguous band of W's rows, so it reads one unbroken stretch of
        // memory; the partial products are then summed (m × n floats, next to nothing).
        let threads = min(ComputePool.threads, max(1, k / 64))
        func band(_ k0: Int, _ k1: Int, into out: UnsafeMutablePointer<Float>, ldo: Int) {
            switch w.storage {
            case .f32(let p):
                wf_rows_times_matrix_f32(Int32(m), Int32(k1 - k0), x + k0, Int32(ldx), p + k0 * n, Int32(n), out, Int32(ldo), 0, Int32(n))
            case .f16(let p):
                wf_rows_times_matrix_f16(Int32(m), Int32(k1 - k0), x + k0, Int32(ldx), p + k0 * n, Int32(n), out, Int32(ldo), 0, Int32(n))
            }
        }
        guard threads > 1 else { band(0, k, into: y, ldo: ldy); return }
        let chunk = (k + threads - 1) / threads
        if scratch.count < (threads - 1) * m * n { scratch = [Float](repeating: 0, count: (threads - 1) * m * n) }
        scratch.withUnsafeMutableBufferPointer { partials in
            ComputePool.forEachPart(threads) { index in
                let k0 = index * chunk, k1 = min(k, k0 + chunk)
                if index == 0 {
                    band(k0, k1, into: y, ldo: ldy)
                } else {
                    band(k0, k1, into: partials.baseAddress! + (index - 1) * m * n, ldo: n)
                }
            }
            for index in 1..<threads {
                let partial = partials.baseAddress! + (index - 1) * m * n
                for r in 0..<m { Kernels.add(partial + r * n, into: y + r * ldy, count: n) }
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

    /// Runs `body` on column ranges (multiples of 16, at least 64 columns each) on the compute threads.
    private static func split(columns n: Int, _ body: (Int, Int) -> Void) {
        ComputePool.forEachRange(n, grain: 64, alignment: 16) { body($0.lowerBound, $0.upperBound) }
    }
}
