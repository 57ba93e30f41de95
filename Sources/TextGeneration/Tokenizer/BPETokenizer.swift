import Foundation

/// GPT-2's byte-level BPE: pre-tokenize, map each piece's UTF-8 bytes to byte tokens, then
/// repeatedly merge the adjacent pair with the lowest merge rank. Identical to the
/// `transformers` GPT-2 tokenizers, including special tokens written literally in the text.
public final class BPETokenizer: @unchecked Sendable {
    /// token id → its bytes
    let bytesForID: [[UInt8]]
    /// single-byte token ids, indexed by byte
    let byteTokenIDs: [Int32]
    /// (left id, right id) → (rank, merged id)
    let merges: [MergePair: Merge]
    /// Special tokens matched literally before pre-tokenization, longest first.
    let specialTokens: [(text: [Unicode.Scalar], id: Int)]
    public let endOfTextID: Int?
    public var vocabularySize: Int { bytesForID.count }

    private let cacheLock = NSLock()
    /// Keyed by bytes, not String: Swift's String equality is canonical equivalence, and
    /// "가" and "가" (NFC and NFD) must not share their tokens.
    private var cache = [[UInt8]: [Int]]()

    struct MergePair: Hashable { var left: Int32; var right: Int32 }
    struct Merge { var rank: Int32; var merged: Int32 }

    /// `vocabulary` maps token strings (in the byte-to-unicode spelling) to ids; `mergeList`
    /// is merges.txt's pairs in rank order; `special` lists added tokens such as `<|endoftext|>`.
    /// Token ids at or above this are refused: no real vocabulary comes near (GPT-2's has 50,257).
    static let idLimit = 10_000_000

    public init(vocabulary: [String: Int], mergeList: [(String, String)], special: [String: Int], source: String) throws {
        // Ids index arrays: each is checked before use (a file may hold any number).
        guard let maxID = vocabulary.values.max() else { throw TokenizerError.invalid(file: source, detail: "the vocabulary is empty") }
        for (token, id) in Array(vocabulary) + Array(special) where !(0..<Self.idLimit).contains(id) {
            throw TokenizerError.invalid(file: source, detail: "token \(token.prefix(40).debugDescription) has id \(id), outside 0..<\(Self.idLimit)")
        }
        var bytesForID = [[UInt8]](repeating: [], count: max(maxID, special.values.max() ?? 0) + 1)
        for (token, id) in vocabulary {
            bytesForID[id] = ByteUnicodeMap.bytes(of: token) ?? Array(token.utf8)
        }
        for (token, id) in special { bytesForID[id] = Array(token.utf8) }
        var byteTokenIDs = [Int32](repeating: -1, count: 256)
        for byte in 0..<256 {
            guard let id = vocabulary[String(Character(ByteUnicodeMap.scalarForByte[byte]))] else {
                throw TokenizerError.invalid(file: source, detail: "the vocabulary lacks the token for byte \(byte)")
            }
            byteTokenIDs[byte] = Int32(id)
        }
        var merges = [MergePair: Merge]()
        for (rank, pair) in mergeList.enumerated() {
            guard let left = vocabulary[pair.0], let right = vocabulary[pair.1],
                  let merged = vocabulary[pair.0 + pair.1] else { continue }
            let key = MergePair(left: Int32(left), right: Int32(right))
            if merges[key] == nil { merges[key] = Merge(rank: Int32(rank), merged: Int32(merged)) }
        }
        self.bytesForID = bytesForID
        self.byteTokenIDs = byteTokenIDs
        self.merges = merges
        self.specialTokens = special.map { (Array($0.key.unicodeScalars), $0.value) }.sorted { $0.text.count > $1.text.count }
        self.endOfTextID = special["<|endoftext|>"] ?? vocabulary["<|endoftext|>"]
    }

    /// The token ids of `text`.
    public func encode(_ text: String) -> [Int] {
        let scalars = Array(text.unicodeScalars)
        var ids = [Int]()
        var segmentStart = 0
        var position = 0
        while position < scalars.count {
            if let special = specialToken(at: position, in: scalars) {
                encodeOrdinary(scalars[segmentStart..<position], into: &ids)
                ids.append(special.id)
                position += special.text.count
                segmentStart = position
            } else {
                position += 1
            }
        }
        encodeOrdinary(scalars[segmentStart..<scalars.count], into: &ids)
        return ids
    }

    /// The bytes of `ids`; invalid ids give no bytes.
    public func bytes(of ids: [Int]) -> [UInt8] {
        var bytes = [UInt8]()
        for id in ids where id >= 0 && id < bytesForID.count { bytes.append(contentsOf: bytesForID[id]) }
        return bytes
    }

    /// The text of `ids`, with invalid UTF-8 replaced by U+FFFD as `transformers` does.
    public func decode(_ ids: [Int]) -> String {
        String(decoding: bytes(of: ids), as: UTF8.self)
    }

    public func isValid(_ id: Int) -> Bool { id >= 0 && id < bytesForID.count }

    private func specialToken(at position: Int, in scalars: [Unicode.Scalar]) -> (text: [Unicode.Scalar], id: Int)? {
        guard !specialTokens.isEmpty else { return nil }
        for special in specialTokens where position + special.text.count <= scalars.count {
            if scalars[position..<position + special.text.count].elementsEqual(special.text) { return special }
        }
        return nil
    }

    private func encodeOrdinary(_ scalars: ArraySlice<Unicode.Scalar>, into ids: inout [Int]) {
        guard !scalars.isEmpty else { return }
        let segment = Array(scalars)
        for piece in PreTokenizer.split(segment) {
            var text = String.UnicodeScalarView()
            text.append(contentsOf: segment[piece])
            let key = Array(String(text).utf8)
            cacheLock.lock()
            let cached = cache[key]
            cacheLock.unlock()
            if let cached { ids.append(contentsOf: cached); continue }
            let encoded = mergePiece(key)
            cacheLock.lock()
            if cache.count > 100_000 { cache.removeAll(keepingCapacity: true) }
            cache[key] = encoded
            cacheLock.unlock()
            ids.append(contentsOf: encoded)
        }
    }

    /// BPE over one piece's bytes: merge the lowest-ranked adjacent pair until none applies.
    private func mergePiece(_ bytes: [UInt8]) -> [Int] {
        var symbols = bytes.map { byteTokenIDs[Int($0)] }
        while symbols.count > 1 {
            var best: (index: Int, merge: Merge)?
            for index in 0..<(symbols.count - 1) {
                if let merge = merges[MergePair(left: symbols[index], right: symbols[index + 1])],
                   best == nil || merge.rank < best!.merge.rank {
                    best = (index, merge)
                }
            }
            guard let best else { break }
            // Merge every occurrence of the best pair, left to right, as the reference does.
            let pair = MergePair(left: symbols[best.index], right: symbols[best.index + 1])
            var merged = [Int32]()
            merged.reserveCapacity(symbols.count)
            var index = 0
            while index < symbols.count {
                if index + 1 < symbols.count && symbols[index] == pair.left && symbols[index + 1] == pair.right {
                    merged.append(best.merge.merged)
                    index += 2
                } else {
                    merged.append(symbols[index])
                    index += 1
                }
            }
            symbols = merged
        }
        return symbols.map { Int($0) }
    }
}
