import CKernels
import Foundation
import Testing
@testable import TextGeneration

/// The decode kernels against a plain triple loop, on both their AVX2 and portable paths,
/// for every row count they take and column counts with ragged tails.
@Suite(.serialized) struct KernelTests {
    func values(_ count: Int, seed: UInt64) -> [Float] {
        var random = SeededRandom(seed: seed)
        return (0..<count).map { _ in Float(random.unit() * 2 - 1) }
    }

    func halves(_ values: [Float]) -> [UInt16] {
        var out = [UInt16](repeating: 0, count: values.count)
        wf_f32_to_f16(values, &out, values.count)
        return out
    }

    func widened(_ halves: [UInt16]) -> [Float] {
        var out = [Float](repeating: 0, count: halves.count)
        wf_f16_to_f32(halves, &out, halves.count)
        return out
    }

    @Test(arguments: [false, true])
    func rowsTimesMatrixMatchesTheDefinition(portable: Bool) {
        wf_kernels_force_portable(portable ? 1 : 0)
        defer { wf_kernels_force_portable(0) }
        for (k, n) in [(7, 37), (64, 48), (33, 200)] {
            let w = values(k * n, seed: UInt64(k * n)), wHalf = halves(w), wRounded = widened(wHalf)
            for m in 1...8 {
                let x = values(m * k, seed: UInt64(m))
                var y = [Float](repeating: .nan, count: m * n), yHalf = y
                // The columns in two calls, as the threads split them.
                for (n0, n1) in [(0, n / 2 / 16 * 16), (n / 2 / 16 * 16, n)] {
                    wf_rows_times_matrix_f32(Int32(m), Int32(k), x, Int32(k), w, Int32(n), &y, Int32(n), Int32(n0), Int32(n1))
                    wf_rows_times_matrix_f16(Int32(m), Int32(k), x, Int32(k), wHalf, Int32(n), &yHalf, Int32(n), Int32(n0), Int32(n1))
                }
                for r in 0..<m {
                    for j in 0..<n {
                        var exact: Float = 0, rounded: Float = 0
                        for i in 0..<k { exact += x[r * k + i] * w[i * n + j]; rounded += x[r * k + i] * wRounded[i * n + j] }
                        #expect(abs(y[r * n + j] - exact) < 1e-4, "m \(m) k \(k) n \(n) [\(r), \(j)]")
                        #expect(abs(yHalf[r * n + j] - rounded) < 1e-4, "f16 m \(m) k \(k) n \(n) [\(r), \(j)]")
                    }
                }
            }
        }
    }

    @Test(arguments: [false, true])
    func rowsTimesTransposedMatchesTheDefinition(portable: Bool) {
        wf_kernels_force_portable(portable ? 1 : 0)
        defer { wf_kernels_force_portable(0) }
        let (k, n) = (45, 29)
        let w = values(n * k, seed: 3), wHalf = halves(w), wRounded = widened(wHalf)
        for m in 1...8 {
            let x = values(m * k, seed: UInt64(10 + m))
            var y = [Float](repeating: .nan, count: m * n), yHalf = y
            wf_rows_times_transposed_f32(Int32(m), Int32(k), x, Int32(k), w, Int32(k), &y, Int32(n), 0, Int32(n))
            wf_rows_times_transposed_f16(Int32(m), Int32(k), x, Int32(k), wHalf, Int32(k), &yHalf, Int32(n), 0, Int32(n))
            for r in 0..<m {
                for j in 0..<n {
                    var exact: Float = 0, rounded: Float = 0
                    for i in 0..<k { exact += x[r * k + i] * w[j * k + i]; rounded += x[r * k + i] * wRounded[j * k + i] }
                    #expect(abs(y[r * n + j] - exact) < 1e-4 && abs(yHalf[r * n + j] - rounded) < 1e-4)
                }
            }
        }
    }

    @Test func halfConversionRoundsToNearestEvenLikeFloat16() {
        let samples: [Float] = [0, -0, 1, -2.5, 65504, 70000, 1e-8, 6e-5, 3.14159, -1e-3, .infinity, 0.1, 2049, 2051]
        for portable in [false, true] {
            wf_kernels_force_portable(portable ? 1 : 0)
            let converted = widened(halves(samples))
            for (value, result) in zip(samples, converted) {
                #expect(result == Float(Float16(value)), "\(value) portable \(portable)")
            }
        }
        wf_kernels_force_portable(0)
    }
}

/// The vectorised GELU and its gradient against the tanh formula in Double, on both paths
/// (in the serialized suite, as the portable switch is global).
extension KernelTests {
    static let geluInputs: [Float] = (0..<4003).map { Float($0) / 200 - 10 }   // −10 … 10, a ragged tail

    @Test(arguments: [false, true])
    func geluMatchesTheFormula(portable: Bool) {
        wf_kernels_force_portable(portable ? 1 : 0)
        defer { wf_kernels_force_portable(0) }
        var out = [Float](repeating: .nan, count: Self.geluInputs.count)
        wf_gelu_tanh(Self.geluInputs, &out, Self.geluInputs.count)
        var dx = [Float](repeating: 1, count: Self.geluInputs.count)
        let dy = Self.geluInputs.map { _ in Float(0.5) }
        wf_gelu_tanh_backward(Self.geluInputs, dy, &dx, Self.geluInputs.count)
        let k = (2 / Double.pi).squareRoot()
        for (i, x) in Self.geluInputs.map(Double.init).enumerated() {
            let u = k * (x + 0.044715 * x * x * x), th = tanh(u)
            let gelu = 0.5 * x * (1 + th)
            let gradient = 0.5 * (1 + th) + 0.5 * x * (1 - th * th) * k * (1 + 3 * 0.044715 * x * x)
            #expect(abs(Double(out[i]) - gelu) <= 2e-6 * max(1, abs(gelu)), "gelu(\(x))")
            #expect(abs(Double(dx[i]) - (1 + 0.5 * gradient)) <= 2e-6, "gelu′(\(x))")
        }
    }
}
