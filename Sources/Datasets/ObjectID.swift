import Crypto

/// A sha256 digest in lowercase hex: the id of every blob, tree and record.
public struct ObjectID: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// 64 lowercase hex digits.
    public let hex: String

    public init?(hex: String) {
        guard hex.utf8.count == 64, hex.utf8.allSatisfy(ObjectID.isLowerHex) else { return nil }
        self.hex = hex
    }

    init(digest: SHA256.Digest) {
        self.hex = ObjectID.hex(of: digest)
    }

    /// The sha256 of `bytes`.
    public static func of<Bytes: DataProtocol>(_ bytes: Bytes) -> ObjectID {
        ObjectID(digest: SHA256.hash(data: bytes))
    }

    /// All zeros: stands for an id the index holds in a damaged form.
    static let zero = ObjectID(hex: String(repeating: "0", count: 64))!

    /// The 12 hex digits shown to users.
    public var short: String { String(hex.prefix(12)) }
    public var description: String { hex }
    public static func < (a: ObjectID, b: ObjectID) -> Bool { a.hex < b.hex }

    static func isLowerHex(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x61 && byte <= 0x66)
    }

    static func hex<D: Sequence>(of digest: D) -> String where D.Element == UInt8 {
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(64)
        for byte in digest {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

import Foundation

extension ObjectID: Codable {
    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let id = ObjectID(hex: text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a sha256 hex digest: \(text)")
        }
        self = id
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(hex)
    }
}
