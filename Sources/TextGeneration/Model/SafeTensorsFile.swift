import Foundation
import SafeTensors

/// One `.safetensors` file: an 8-byte little-endian header length, a JSON header naming
/// each tensor's dtype, shape and byte range, then the tensor bytes. Mapped, not read.
final class SafeTensorsFile: @unchecked Sendable {
    enum DType: String { case f32 = "F32", f16 = "F16", bf16 = "BF16" }

    struct Entry {
        var dtype: String
        var shape: [Int]
        /// Offset of the first byte from the start of the file.
        var offset: Int
        var byteCount: Int
    }

    let file: MappedFile
    let entries: [String: Entry]
    var path: String { file.path }

    init(path: String) throws {
        file = try MappedFile(path: path)
        // Every number in the header is checked before use (`SafeTensorsHeader`): a crafted
        // file is an error naming what is wrong, never a crash.
        let header: SafeTensorsHeader
        do { header = try SafeTensorsHeader(bytes: UnsafeRawBufferPointer(start: file.base, count: file.size), fileSize: file.size) } catch {
            throw ModelError.corruptSafetensors(file: path, detail: error.description)
        }
        entries = header.tensors.mapValues { tensor in
            Entry(dtype: tensor.dtype.rawValue, shape: tensor.shape, offset: header.dataStart + tensor.begin, byteCount: tensor.byteCount)
        }
    }
}
