import Foundation

extension BPETokenizer {
    /// Loads `vocab.json` + `merges.txt` from `folder`, else `tokenizer.json`.
    public static func load(folder: String) throws -> BPETokenizer {
        let vocabPath = "\(folder)/vocab.json", mergesPath = "\(folder)/merges.txt", jsonPath = "\(folder)/tokenizer.json"
        let manager = FileManager.default
        if manager.fileExists(atPath: vocabPath) && manager.fileExists(atPath: mergesPath) {
            let vocabulary = try readVocabulary(path: vocabPath)
            let merges = try parseMerges(try String(contentsOfFile: mergesPath, encoding: .utf8), path: mergesPath)
            // A sibling tokenizer.json may declare added tokens; vocab.json's own <|endoftext|> counts too.
            var special = [String: Int]()
            if let added = try? decodeJSON(TokenizerJSON.self, path: jsonPath).added_tokens {
                for token in added where token.special ?? true { special[token.content] = token.id }
            }
            if special.isEmpty, let id = vocabulary["<|endoftext|>"] { special["<|endoftext|>"] = id }
            return try BPETokenizer(vocabulary: vocabulary, mergeList: merges, special: special, source: vocabPath)
        }
        if manager.fileExists(atPath: jsonPath) {
            let file = try decodeJSON(TokenizerJSON.self, path: jsonPath)
            guard file.model.type == nil || file.model.type == "BPE" else {
                throw TokenizerError.invalid(file: jsonPath, detail: "model type \(file.model.type!) is not BPE")
            }
            var special = [String: Int]()
            for token in file.added_tokens ?? [] { special[token.content] = token.id }
            return try BPETokenizer(vocabulary: file.model.vocab, mergeList: file.model.merges.map(\.pair), special: special,
                                    source: jsonPath)
        }
        throw TokenizerError.missingFiles(folder: folder)
    }

    /// vocab.json through the fast parser, or a general JSON decoder when it is not a flat object.
    static func readVocabulary(path: String) throws -> [String: Int] {
        guard let data = FileManager.default.contents(atPath: path) else { throw TokenizerError.invalid(file: path, detail: "it cannot be read") }
        if let vocabulary = VocabularyParser.parse(Array(data)) { return vocabulary }
        return try decodeJSON([String: Int].self, path: path)
    }

    /// merges.txt: an optional `#version` line, then one `LEFT RIGHT` pair per line, in rank order.
    static func parseMerges(_ text: String, path: String) throws -> [(String, String)] {
        var merges = [(String, String)]()
        merges.reserveCapacity(50_000)
        var number = 0
        for line in text.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            number += 1
            if line.isEmpty || (number == 1 && line.starts(with: "#version".utf8)) { continue }
            guard let space = line.firstIndex(of: UInt8(ascii: " ")),
                  !line[line.index(after: space)...].contains(UInt8(ascii: " ")),
                  let left = String(line[..<space]), let right = String(line[line.index(after: space)...]) else {
                throw TokenizerError.invalid(file: path, detail: "line \(number) is not two tokens separated by a space")
            }
            merges.append((left, right))
        }
        return merges
    }

    private static func decodeJSON<T: Decodable>(_ type: T.Type, path: String) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: try Data(contentsOf: URL(fileURLWithPath: path)))
        } catch let error as DecodingError {
            throw TokenizerError.invalid(file: path, detail: "\(error)")
        }
    }
}

/// The parts of a `tokenizers` tokenizer.json that a GPT-2 tokenizer needs.
struct TokenizerJSON: Decodable {
    struct AddedToken: Decodable {
        var id: Int
        var content: String
        var special: Bool?
    }

    struct Model: Decodable {
        var type: String?
        var vocab: [String: Int]
        var merges: [MergeEntry]
    }

    /// Older files write merges as "a b", newer ones as ["a", "b"].
    struct MergeEntry: Decodable {
        var pair: (String, String)

        init(from decoder: Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let text = try? container.decode(String.self) {
                let parts = text.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: false)
                guard parts.count == 2 else {
                    throw DecodingError.dataCorruptedError(in: container, debugDescription: "merge \(text) is not two tokens")
                }
                pair = (String(parts[0]), String(parts[1]))
            } else {
                let parts = try container.decode([String].self)
                guard parts.count == 2 else {
                    throw DecodingError.dataCorruptedError(in: container, debugDescription: "a merge has \(parts.count) parts")
                }
                pair = (parts[0], parts[1])
            }
        }
    }

    var added_tokens: [AddedToken]?
    var model: Model
}
