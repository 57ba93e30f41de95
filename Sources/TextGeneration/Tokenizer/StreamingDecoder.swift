/// Turns tokens into text as they arrive without ever splitting a UTF-8 character: bytes of
/// an incomplete character wait for the next token; bytes that can never complete become
/// U+FFFD, as a whole decode would make them.
public struct StreamingDecoder {
    private let tokenizer: BPETokenizer
    private var pending = [UInt8]()

    public init(tokenizer: BPETokenizer) { self.tokenizer = tokenizer }

    /// The text that `id` completes (possibly empty).
    public mutating func append(_ id: Int) -> String {
        pending.append(contentsOf: tokenizer.bytes(of: [id]))
        let ready = StreamingDecoder.completePrefixLength(pending)
        guard ready > 0 else { return "" }
        let text = String(decoding: pending[..<ready], as: UTF8.self)
        pending.removeFirst(ready)
        return text
    }

    /// Whatever is left at the end of the stream.
    public mutating func finish() -> String {
        defer { pending.removeAll() }
        return String(decoding: pending, as: UTF8.self)
    }

    /// Length of the longest prefix that does not end inside a character that could still
    /// be completed by more bytes.
    static func completePrefixLength(_ bytes: [UInt8]) -> Int {
        // Look back at most 3 bytes for the lead byte of a sequence.
        var start = bytes.count
        var back = 0
        while start > 0 && back < 4 {
            start -= 1
            back += 1
            let byte = bytes[start]
            if byte & 0xC0 != 0x80 {
                let needed = byte >= 0xF0 && byte <= 0xF4 ? 4 : byte >= 0xE0 ? 3 : byte >= 0xC2 && byte < 0xE0 ? 2 : 1
                // The sequence from `start` is incomplete only if it is shorter than needed
                // and every byte so far is a continuation byte.
                if needed > 1 && bytes.count - start < needed { return start }
                return bytes.count
            }
        }
        return bytes.count
    }
}
