import Foundation

/// The header of a `.safetensors` file, read and checked as the format's reference
/// implementation checks it (huggingface/safetensors, `tensor.rs`: `read_metadata` and
/// `Metadata::validate`), before any number in it is used:
///
///     [8 bytes: N, little-endian u64] [N bytes: JSON header] [data region]
///
/// - N is at most 100,000,000 (the reference's `MAX_HEADER_SIZE`) and fits in the file; the
///   header starts with `{` and is a JSON object of tensors (`dtype`, `shape`, `data_offsets`)
///   and an optional `__metadata__` object of strings.
/// - `data_offsets` are `[begin, end)` byte offsets into the data region; sorted by offset,
///   the tensors tile it exactly: the first begins at 0, each begins where the one before
///   ended, and the last ends at the end of the file (no gap, no overlap, nothing after).
/// - Each dtype is one the format defines, and the product of the shape times the dtype's
///   width is the tensor's byte count, computed with overflow checks.
///
/// Input is untrusted: every failure is a `SafeTensorsError`, never a trap.
public struct SafeTensorsHeader: Sendable, Equatable {
    /// The dtypes of the format, with their widths in bits.
    public enum DType: String, Sendable, CaseIterable {
        case bool = "BOOL", u8 = "U8", i8 = "I8", f8e5m2 = "F8_E5M2", f8e4m3 = "F8_E4M3", f8e8m0 = "F8_E8M0"
        case i16 = "I16", u16 = "U16", f16 = "F16", bf16 = "BF16"
        case i32 = "I32", u32 = "U32", f32 = "F32"
        case f64 = "F64", i64 = "I64", u64 = "U64"
        case f4 = "F4", f6e2m3 = "F6_E2M3", f6e3m2 = "F6_E3M2"

        public var bits: Int {
            switch self {
            case .f4: return 4
            case .f6e2m3, .f6e3m2: return 6
            case .bool, .u8, .i8, .f8e5m2, .f8e4m3, .f8e8m0: return 8
            case .i16, .u16, .f16, .bf16: return 16
            case .i32, .u32, .f32: return 32
            case .f64, .i64, .u64: return 64
            }
        }
    }

    public struct Tensor: Sendable, Equatable {
        public var dtype: DType
        public var shape: [Int]
        /// Offsets into the data region (`begin..<end`).
        public var begin: Int
        public var end: Int
        public var byteCount: Int { end - begin }

        public init(dtype: DType, shape: [Int], begin: Int, end: Int) {
            self.dtype = dtype
            self.shape = shape
            self.begin = begin
            self.end = end
        }
    }

    /// The largest header the reference accepts.
    public static let maximumHeaderLength = 100_000_000

    /// Bytes of the JSON header.
    public let headerLength: Int
    /// Where the data region starts in the file: `8 + headerLength`.
    public var dataStart: Int { 8 + headerLength }
    public let tensors: [String: Tensor]
    public let metadata: [String: String]

    /// The header length from a file's first 8 bytes, checked against the file's size.
    ///
    /// - Throws: `SafeTensorsError` when the file is too short, the length is over the limit
    ///   (2^63 and above included) or the header would run past the end of the file.
    public static func headerLength(prefix: UnsafeRawBufferPointer, fileSize: Int) throws(SafeTensorsError) -> Int {
        guard fileSize >= 8, prefix.count >= 8 else { throw .tooShort(size: fileSize) }
        let raw = UInt64(littleEndian: prefix.loadUnaligned(as: UInt64.self))
        guard raw <= UInt64(maximumHeaderLength) else { throw .headerTooLarge(claimed: raw) }
        let length = Int(raw)
        guard length >= 2, length <= fileSize - 8 else { throw .headerPastEnd(claimed: length, fileSize: fileSize) }
        return length
    }

    /// Reads and checks a header. `bytes` holds at least the file's first `8 + N` bytes (the
    /// whole file is fine); `fileSize` is the file's size.
    public init(bytes: UnsafeRawBufferPointer, fileSize: Int) throws(SafeTensorsError) {
        let length = try Self.headerLength(prefix: bytes, fileSize: fileSize)
        guard bytes.count >= 8 + length else { throw .headerPastEnd(claimed: length, fileSize: bytes.count) }
        let json = Data(bytes[8..<(8 + length)])
        guard json.first == UInt8(ascii: "{") else { throw .notJSONObject }
        let decoded: [String: HeaderEntry]
        do { decoded = try JSONDecoder().decode([String: HeaderEntry].self, from: json) } catch {
            throw .badJSON(Self.describe(error))
        }
        var tensors = [String: Tensor]()
        var metadata = [String: String]()
        for (name, entry) in decoded {
            switch entry {
            case .metadata(let values):
                guard name == "__metadata__" else { throw .badTensor(name: name, detail: "it is not a tensor (dtype, shape, data_offsets)") }
                metadata = values
            case .tensor(let dtype, let shape, let offsets):
                guard name != "__metadata__" else { throw .badJSON("__metadata__ must be an object of strings") }
                guard let known = DType(rawValue: dtype) else {
                    throw .badTensor(name: name, detail: "unknown dtype \(dtype.prefix(32)); the format's are \(DType.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                guard offsets.count == 2 else { throw .badTensor(name: name, detail: "data_offsets has \(offsets.count) numbers, not 2") }
                guard shape.allSatisfy({ $0 >= 0 }) else { throw .badTensor(name: name, detail: "a negative dimension in shape \(shape)") }
                tensors[name] = Tensor(dtype: known, shape: shape, begin: offsets[0], end: offsets[1])
            }
        }
        try Self.validate(tensors, dataLength: fileSize - 8 - length)
        self.headerLength = length
        self.tensors = tensors
        self.metadata = metadata
    }

    /// The reference's `validate`: tensors tile the data region, sizes match shapes.
    static func validate(_ tensors: [String: Tensor], dataLength: Int) throws(SafeTensorsError) {
        var next = 0
        for (name, tensor) in tensors.sorted(by: { ($0.value.begin, $0.value.end, $0.key) < ($1.value.begin, $1.value.end, $1.key) }) {
            guard tensor.begin == next, tensor.end >= tensor.begin else {
                throw .badOffsets(name: name, begin: tensor.begin, end: tensor.end, expected: next)
            }
            next = tensor.end
            var elements = 1
            for dimension in tensor.shape {
                let (product, overflow) = elements.multipliedReportingOverflow(by: dimension)
                guard !overflow else { throw .badTensor(name: name, detail: "shape \(tensor.shape) has more elements than a file can hold") }
                elements = product
            }
            let (bits, overflow) = elements.multipliedReportingOverflow(by: tensor.dtype.bits)
            guard !overflow, bits % 8 == 0 else { throw .badTensor(name: name, detail: "shape \(tensor.shape) of \(tensor.dtype.rawValue) is not a whole number of bytes") }
            guard bits / 8 == tensor.byteCount else {
                throw .badTensor(name: name, detail: "it has \(tensor.byteCount) bytes but shape \(tensor.shape) of \(tensor.dtype.rawValue) needs \(bits / 8)")
            }
        }
        guard next == dataLength else { throw .dataLengthMismatch(tensorsEnd: next, dataLength: dataLength) }
    }

    static func describe(_ error: Error) -> String {
        switch error {
        case DecodingError.dataCorrupted(let context): return context.debugDescription
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            return "\(context.codingPath.map(\.stringValue).joined(separator: ".")): \(context.debugDescription)"
        case DecodingError.keyNotFound(let key, let context):
            return "\((context.codingPath.map(\.stringValue) + [key.stringValue]).joined(separator: ".")) is missing"
        default: return "\(error)"
        }
    }

    /// One member of the header: a tensor, or `__metadata__`.
    enum HeaderEntry: Decodable {
        case tensor(dtype: String, shape: [Int], offsets: [Int])
        case metadata([String: String])

        enum Keys: String, CodingKey { case dtype, shape, data_offsets }

        init(from decoder: Decoder) throws {
            if let values = try? decoder.singleValueContainer().decode([String: String].self) {
                self = .metadata(values)
                return
            }
            let container = try decoder.container(keyedBy: Keys.self)
            self = .tensor(dtype: try container.decode(String.self, forKey: .dtype), shape: try container.decode([Int].self, forKey: .shape),
                           offsets: try container.decode([Int].self, forKey: .data_offsets))
        }
    }
}

/// Why a `.safetensors` file cannot be read: what is wrong, in the format's terms.
public enum SafeTensorsError: Error, Equatable, Sendable, CustomStringConvertible {
    case tooShort(size: Int)
    case headerTooLarge(claimed: UInt64)
    case headerPastEnd(claimed: Int, fileSize: Int)
    case notJSONObject
    case badJSON(String)
    case badTensor(name: String, detail: String)
    case badOffsets(name: String, begin: Int, end: Int, expected: Int)
    case dataLengthMismatch(tensorsEnd: Int, dataLength: Int)

    public var description: String {
        switch self {
        case .tooShort(let size): return "it is \(size) bytes, shorter than the 8-byte header length"
        case .headerTooLarge(let claimed): return "its header claims \(claimed) bytes, over the format's limit of \(SafeTensorsHeader.maximumHeaderLength)"
        case .headerPastEnd(let claimed, let fileSize): return "its header claims \(claimed) bytes but the file has \(fileSize) (truncated or not safetensors)"
        case .notJSONObject: return "its header is not a JSON object (truncated or not safetensors)"
        case .badJSON(let detail): return "its header is not valid safetensors JSON: \(detail.prefix(200))"
        case .badTensor(let name, let detail): return "tensor \(name.prefix(200)): \(detail)"
        case .badOffsets(let name, let begin, let end, let expected):
            return "tensor \(name.prefix(200)) spans bytes \(begin)..<\(end) of the data, where the tensors before it end at \(expected): tensors must tile the data without gaps or overlap"
        case .dataLengthMismatch(let tensorsEnd, let dataLength):
            return "its tensors end at byte \(tensorsEnd) of the data but the data is \(dataLength) bytes (truncated, or bytes after the last tensor)"
        }
    }
}
