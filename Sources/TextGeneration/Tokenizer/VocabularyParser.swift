/// Reads `vocab.json` (one flat JSON object of token → id) straight from its bytes: a
/// general JSON decoder spends most of a model's load time on GPT-2's 50,257 entries.
/// Returns nil for anything else, so callers can fall back to a general decoder.
enum VocabularyParser {
    static func parse(_ bytes: [UInt8]) -> [String: Int]? {
        var result = [String: Int]()
        result.reserveCapacity(bytes.count / 12)
        var i = 0
        let n = bytes.count
        func skipSpace() { while i < n, bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x0D || bytes[i] == 0x09 { i += 1 } }
        func hex4() -> UInt32? {
            guard i + 4 <= n else { return nil }
            var value: UInt32 = 0
            for _ in 0..<4 {
                let c = bytes[i]
                let digit: UInt8
                switch c {
                case 0x30...0x39: digit = c - 0x30
                case 0x61...0x66: digit = c - 0x61 + 10
                case 0x41...0x46: digit = c - 0x41 + 10
                default: return nil
                }
                value = value << 4 | UInt32(digit)
                i += 1
            }
            return value
        }
        func string() -> String? {
            guard i < n, bytes[i] == 0x22 else { return nil }
            i += 1
            let start = i
            // Fast path: no escapes.
            while i < n, bytes[i] != 0x22, bytes[i] != 0x5C { i += 1 }
            if i < n, bytes[i] == 0x22 {
                defer { i += 1 }
                return String(validating: bytes[start..<i], as: UTF8.self)
            }
            var scalars = String.UnicodeScalarView()
            guard let prefix = String(validating: bytes[start..<i], as: UTF8.self) else { return nil }
            scalars.append(contentsOf: prefix.unicodeScalars)
            while i < n, bytes[i] != 0x22 {
                if bytes[i] != 0x5C {
                    let runStart = i
                    while i < n, bytes[i] != 0x22, bytes[i] != 0x5C { i += 1 }
                    guard let run = String(validating: bytes[runStart..<i], as: UTF8.self) else { return nil }
                    scalars.append(contentsOf: run.unicodeScalars)
                    continue
                }
                i += 1
                guard i < n else { return nil }
                let escape = bytes[i]
                i += 1
                switch escape {
                case 0x22: scalars.append("\"")
                case 0x5C: scalars.append("\\")
                case 0x2F: scalars.append("/")
                case 0x62: scalars.append("\u{08}")
                case 0x66: scalars.append("\u{0C}")
                case 0x6E: scalars.append("\n")
                case 0x72: scalars.append("\r")
                case 0x74: scalars.append("\t")
                case 0x75:
                    guard let high = hex4() else { return nil }
                    if (0xD800..<0xDC00).contains(high) {
                        guard i + 1 < n, bytes[i] == 0x5C, bytes[i + 1] == 0x75 else { return nil }
                        i += 2
                        guard let low = hex4(), (0xDC00..<0xE000).contains(low),
                              let scalar = Unicode.Scalar(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)) else { return nil }
                        scalars.append(scalar)
                    } else {
                        guard let scalar = Unicode.Scalar(high) else { return nil }
                        scalars.append(scalar)
                    }
                default: return nil
                }
            }
            guard i < n else { return nil }
            i += 1
            return String(scalars)
        }
        skipSpace()
        guard i < n, bytes[i] == 0x7B else { return nil }
        i += 1
        skipSpace()
        if i < n, bytes[i] == 0x7D { return result }
        while true {
            skipSpace()
            guard let key = string() else { return nil }
            skipSpace()
            guard i < n, bytes[i] == 0x3A else { return nil }
            i += 1
            skipSpace()
            var value = 0
            let digitsStart = i
            while i < n, bytes[i] >= 0x30, bytes[i] <= 0x39 {
                value = value * 10 + Int(bytes[i] - 0x30)
                i += 1
                guard value < 1 << 40 else { return nil }
            }
            guard i > digitsStart else { return nil }
            result[key] = value
            skipSpace()
            guard i < n else { return nil }
            if bytes[i] == 0x2C { i += 1; continue }
            if bytes[i] == 0x7D { i += 1; break }
            return nil
        }
        skipSpace()
        return i == n ? result : nil
    }
}
