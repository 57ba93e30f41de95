import Foundation

/// wf's JSON output (`--json`) in snake_case, as transformers, the OpenAI API and the
/// Gradient CLI write theirs: `generated_ids`, `finish_reason`, `settings_digest`. Property
/// names convert word by word, with acronyms kept whole (`generatedIDs` → `generated_ids`,
/// `peakRSSBytes` → `peak_rss_bytes`); dictionary keys (dataset, output and input names) are
/// data and stay as they are. `decoder` reads the same JSON back.
public enum SnakeCaseJSON {
    /// Acronyms written in capitals in Swift names, with their snake_case words.
    static let acronyms: [String: String] = ["IDs": "ids", "ID": "id", "RSS": "rss", "URLs": "urls", "URL": "url", "GB": "gb", "MB": "mb",
                                             "JSON": "json", "PID": "pid", "TTFT": "ttft", "SHA256": "sha256", "CR": "cr"]

    public static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .custom { path in Key(snakeCase(path.last!.stringValue)) }
        return encoder
    }

    public static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .custom { path in Key(camelCase(path.last!.stringValue)) }
        return decoder
    }

    /// `generatedIDs` → `generated_ids`, `decodeTokensPerSecondBatch1` → `decode_tokens_per_second_batch1`.
    public static func snakeCase(_ name: String) -> String {
        var words = [String]()
        var index = name.startIndex
        while index < name.endIndex {
            // A known acronym at a word start stays one word.
            if name[index].isUppercase, let acronym = acronyms.keys.sorted(by: { $0.count > $1.count }).first(where: { name[index...].hasPrefix($0) }) {
                let end = name.index(index, offsetBy: acronym.count)
                if end == name.endIndex || !name[end].isLowercase {
                    words.append(acronyms[acronym]!)
                    index = end
                    continue
                }
            }
            var end = name.index(after: index)
            while end < name.endIndex, !name[end].isUppercase { end = name.index(after: end) }
            words.append(name[index..<end].lowercased())
            index = end
        }
        return words.joined(separator: "_")
    }

    /// The inverse of `snakeCase` for the names wf writes.
    public static func camelCase(_ key: String) -> String {
        let parts = key.split(separator: "_", omittingEmptySubsequences: false).map(String.init)
        // `_0` (an enum's unlabelled associated value) is not snake_case.
        guard parts.count > 1, !key.hasPrefix("_") else { return key }
        let reverse = Dictionary(acronyms.map { ($0.value, $0.key) }, uniquingKeysWith: { $0.count > $1.count ? $0 : $1 })
        return parts[0] + parts.dropFirst().map { reverse[$0] ?? ($0.prefix(1).uppercased() + $0.dropFirst()) }.joined()
    }

    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ string: String) { stringValue = string }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}
