import Foundation

extension BPETokenizer {
    /// Loads `vocab.json` + `merges.txt` from `folder`, else `tokenizer.json`.
    public static func load(folder: String) throws -> BPETokenizer {
        let vocabPath = "\(folder)/vocab.json", mergesPath = "\(folder)/merges.txt", jsonPath = "\(folder)/tokenizer.json"
        let manager = FileManager.default
        if manager.fileExists(atPath: vocabPath) && manager.fileExists(atPath: mergesPath) {
            let vocabulary = try decodeJSON([String: Int].self, path: vocabPath)
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

    static func parseMerges(_ text: String, path: String) throws -> [(String, String)] {
        var merges = [(String, String)]()
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if line.hasPrefix("#version") || line.isEmpty { continue }
            let parts = line.split(separator: " ", omittingEmptySubsequences: false)
            guard parts.count == 2 else {
                throw TokenizerError.invalid(file: path, detail: "line \(number + 1) is not two tokens separated by a space")
            }
            merges.append((String(parts[0]), String(parts[1])))
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
