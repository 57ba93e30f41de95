/// GPT-2's reversible map between bytes and printable Unicode scalars: vocab.json and
/// merges.txt spell every token as a string of these scalars, one per byte. Printable
/// Latin-1 bytes map to themselves; the other 68 bytes map to U+0100 and up, in order.
enum ByteUnicodeMap {
    /// byte → scalar
    static let scalarForByte: [Unicode.Scalar] = {
        var printable = Array(33...126) + Array(161...172) + Array(174...255)
        var scalars = [Int](repeating: 0, count: 256)
        for byte in printable { scalars[byte] = byte }
        var next = 256
        for byte in 0..<256 where !printable.contains(byte) {
            scalars[byte] = next
            printable.append(byte)
            next += 1
        }
        return scalars.map { Unicode.Scalar(UInt32($0))! }
    }()

    /// scalar value → byte, for scalars below 512 (all the map uses); -1 elsewhere.
    static let byteForScalar: [Int16] = {
        var table = [Int16](repeating: -1, count: 512)
        for (byte, scalar) in scalarForByte.enumerated() { table[Int(scalar.value)] = Int16(byte) }
        return table
    }()

    /// The bytes a token string spells, or nil if it uses a scalar outside the map.
    static func bytes(of token: String) -> [UInt8]? {
        var bytes = [UInt8]()
        bytes.reserveCapacity(token.unicodeScalars.count)
        for scalar in token.unicodeScalars {
            guard scalar.value < 512, byteForScalar[Int(scalar.value)] >= 0 else { return nil }
            bytes.append(UInt8(byteForScalar[Int(scalar.value)]))
        }
        return bytes
    }
}
