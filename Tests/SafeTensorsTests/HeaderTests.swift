import Foundation
import SafeTensors
import Testing

/// The header checks of the safetensors reference (huggingface/safetensors `tensor.rs`:
/// `read_metadata`, `Metadata::validate`), each on a file made here.
struct HeaderTests {
    /// A file: the header JSON (as written) and `dataLength` bytes of data.
    func file(_ json: String, dataLength: Int, claimedLength: UInt64? = nil) -> [UInt8] {
        let header = Array(json.utf8)
        var bytes = [UInt8]()
        withUnsafeBytes(of: (claimedLength ?? UInt64(header.count)).littleEndian) { bytes += $0 }
        return bytes + header + [UInt8](repeating: 0, count: dataLength)
    }

    func parse(_ bytes: [UInt8]) throws -> SafeTensorsHeader {
        try bytes.withUnsafeBytes { try SafeTensorsHeader(bytes: $0, fileSize: bytes.count) }
    }

    func error(_ bytes: [UInt8]) -> SafeTensorsError? {
        do { _ = try parse(bytes); return nil } catch { return error as? SafeTensorsError }
    }

    @Test func aWellFormedFileReadsWithItsTensorsAndMetadata() throws {
        let bytes = file(#"{"__metadata__":{"format":"pt"},"b":{"dtype":"F16","shape":[3],"data_offsets":[24,30]},"a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]}}  "#,
                         dataLength: 30)
        let header = try parse(bytes)
        #expect(header.tensors["a"] == .init(dtype: .f32, shape: [2, 3], begin: 0, end: 24))
        #expect(header.tensors["b"]?.byteCount == 6 && header.metadata == ["format": "pt"])
        #expect(header.dataStart + 30 == bytes.count)
    }

    @Test func headerLengthsAreBoundedAndInTheFile() {
        #expect(error(file("{}", dataLength: 0, claimedLength: 1 << 63)) == .headerTooLarge(claimed: 1 << 63))
        #expect(error(file("{}", dataLength: 0, claimedLength: .max)) == .headerTooLarge(claimed: .max))
        #expect(error(file("{}", dataLength: 0, claimedLength: 100_000_001)) == .headerTooLarge(claimed: 100_000_001))
        #expect(error(file("{}", dataLength: 0, claimedLength: 50)) == .headerPastEnd(claimed: 50, fileSize: 10))
        #expect(error([1, 2, 3]) == .tooShort(size: 3))
        #expect(error(file("[]", dataLength: 0)) == .notJSONObject)
    }

    /// `validate`: tensors tile the data region, from 0 to its end, in offset order.
    @Test func tensorsMustTileTheDataWithoutGapsOrOverlaps() {
        let gap = file(#"{"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},"b":{"dtype":"U8","shape":[4],"data_offsets":[6,10]}}"#, dataLength: 10)
        #expect(error(gap) == .badOffsets(name: "b", begin: 6, end: 10, expected: 4))
        let overlap = file(#"{"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},"b":{"dtype":"U8","shape":[4],"data_offsets":[2,6]}}"#, dataLength: 6)
        #expect(error(overlap) == .badOffsets(name: "b", begin: 2, end: 6, expected: 4))
        let trailing = file(#"{"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]}}"#, dataLength: 5)
        #expect(error(trailing) == .dataLengthMismatch(tensorsEnd: 4, dataLength: 5))
        let past = file(#"{"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]}}"#, dataLength: 2)
        #expect(error(past) == .dataLengthMismatch(tensorsEnd: 4, dataLength: 2))
        let backwards = file(#"{"a":{"dtype":"U8","shape":[0],"data_offsets":[0,-4]}}"#, dataLength: 0)
        #expect(error(backwards) == .badOffsets(name: "a", begin: 0, end: -4, expected: 0))
        let huge = file(#"{"a":{"dtype":"U8","shape":[4],"data_offsets":[9223372036854775807,4]}}"#, dataLength: 4)
        #expect(error(huge) != nil)
    }

    @Test func shapesDtypesAndByteCountsAgree() {
        let mismatch = file(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}"#, dataLength: 4)
        #expect(error(mismatch) == .badTensor(name: "a", detail: "it has 4 bytes but shape [2] of F32 needs 8"))
        let overflow = file(#"{"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,4]}}"#, dataLength: 4)
        #expect(error(overflow).map { "\($0)" }?.contains("more elements than a file can hold") == true)
        let negative = file(#"{"a":{"dtype":"F32","shape":[-1,-4],"data_offsets":[0,16]}}"#, dataLength: 16)
        #expect(error(negative).map { "\($0)" }?.contains("negative dimension") == true)
        let unknown = file(#"{"a":{"dtype":"Q4_K","shape":[1],"data_offsets":[0,1]}}"#, dataLength: 1)
        #expect(error(unknown).map { "\($0)" }?.contains("unknown dtype Q4_K") == true)
        let fractional = file(#"{"a":{"dtype":"F4","shape":[3],"data_offsets":[0,2]}}"#, dataLength: 2)
        #expect(error(fractional).map { "\($0)" }?.contains("not a whole number of bytes") == true)
        let float = file(#"{"a":{"dtype":"U8","shape":[1.5],"data_offsets":[0,1]}}"#, dataLength: 1)
        #expect(error(float) != nil)
        let missing = file(#"{"a":{"dtype":"U8","shape":[1]}}"#, dataLength: 1)
        #expect(error(missing) != nil)
    }

    /// Random bytes and random mutations of a good file are errors or files, never crashes.
    @Test func mutationsNeverCrash() {
        let good = file(#"{"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]}}"#, dataLength: 24)
        var random = SystemRandomNumberGenerator()
        for _ in 0..<5_000 {
            var bytes = good
            for _ in 0..<Int.random(in: 1...4, using: &random) {
                let index = Int.random(in: 0..<bytes.count, using: &random)
                switch Int.random(in: 0..<3, using: &random) {
                case 0: bytes[index] = UInt8.random(in: 0...255, using: &random)
                case 1: bytes.remove(at: index)
                default: bytes.insert(UInt8.random(in: 0...255, using: &random), at: index)
                }
            }
            _ = error(bytes)
        }
    }
}
