import CKernels

/// A weight matrix as stored, row-major [rows, columns]: F32 (often straight from the
/// mapped file) or F16 (half the bytes per token; converted to F32 in registers).
public struct WeightMatrix: @unchecked Sendable {
    public enum Storage {
        case f32(UnsafePointer<Float>)
        case f16(UnsafePointer<UInt16>)
    }

    public let storage: Storage
    public let rows: Int
    public let columns: Int

    public var shape: [Int] { [rows, columns] }
    public var isHalf: Bool { if case .f16 = storage { return true } else { return false } }

    /// Row `index` as F32 into `target` (the embedding lookup).
    func copyRow(_ index: Int, into target: UnsafeMutablePointer<Float>) {
        switch storage {
        case .f32(let pointer): target.update(from: pointer + index * columns, count: columns)
        case .f16(let pointer): wf_f16_to_f32(pointer + index * columns, target, columns)
        }
    }

    /// The F32 values, converted into `scratch` when stored as F16 (for OpenBLAS's sgemm).
    func floats(scratch: inout [Float]) -> UnsafePointer<Float> {
        switch storage {
        case .f32(let pointer): return pointer
        case .f16(let pointer):
            if scratch.count < rows * columns { scratch = [Float](repeating: 0, count: rows * columns) }
            return scratch.withUnsafeMutableBufferPointer { buffer in
                wf_f16_to_f32(pointer, buffer.baseAddress!, rows * columns)
                return UnsafePointer(buffer.baseAddress!)
            }
        }
    }
}
