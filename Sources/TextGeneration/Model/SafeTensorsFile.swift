import Foundation

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
        func corrupt(_ detail: String) -> ModelError { .corruptSafetensors(file: path, detail: detail) }
        guard file.size >= 8 else { throw corrupt("it is \(file.size) bytes, shorter than the 8-byte header length") }
        let headerLength = Int(UInt64(littleEndian: file.base.loadUnaligned(as: UInt64.self)))
        guard headerLength > 1, headerLength <= file.size - 8, headerLength < 100_000_000 else {
            throw corrupt("its header claims \(headerLength) bytes but the file has \(file.size)")
        }
        let headerBytes = Data(bytes: file.base + 8, count: headerLength)
        guard let header = try? JSONSerialization.jsonObject(with: headerBytes) as? [String: Any] else {
            throw corrupt("its header is not a JSON object (truncated or not safetensors)")
        }
        let dataStart = 8 + headerLength
        var entries = [String: Entry]()
        for (name, value) in header where name != "__metadata__" {
            guard let fields = value as? [String: Any], let dtype = fields["dtype"] as? String,
                  let shape = fields["shape"] as? [Int], let offsets = fields["data_offsets"] as? [Int], offsets.count == 2 else {
                throw corrupt("tensor \(name) lacks dtype, shape or data_offsets")
            }
            let (begin, end) = (offsets[0], offsets[1])
            guard begin >= 0, end >= begin, dataStart + end <= file.size else {
                throw corrupt("tensor \(name) spans bytes \(begin)..<\(end) past the end of the file (truncated?)")
            }
            if let known = DType(rawValue: dtype) {
                let elements = shape.reduce(1, *)
                let width = known == .f32 ? 4 : 2
                guard elements * width == end - begin else {
                    throw corrupt("tensor \(name) has \(end - begin) bytes but shape \(shape) of \(dtype) needs \(elements * width)")
                }
            }
            entries[name] = Entry(dtype: dtype, shape: shape, offset: dataStart + begin, byteCount: end - begin)
        }
        self.entries = entries
    }
}
