import Foundation

/// The files a model folder needs, named once for the cache check and the downloader:
/// config.json, the weights (one file or an index and its shards) and a tokenizer.
enum ModelFiles {
    static let config = "config.json"
    static let weights = "model.safetensors"
    static let weightsIndex = "model.safetensors.index.json"
    static let vocabulary = "vocab.json"
    static let merges = "merges.txt"
    static let tokenizer = "tokenizer.json"
    static let generationConfig = "generation_config.json"

    /// Whether `folder` holds everything loading reads, so no download is needed.
    static func isComplete(_ folder: String) -> Bool {
        let manager = FileManager.default
        func has(_ file: String) -> Bool { manager.fileExists(atPath: "\(folder)/\(file)") }
        guard has(config), (has(vocabulary) && has(merges)) || has(tokenizer) else { return false }
        if has(weights) { return true }
        guard has(weightsIndex), let shards = try? shards(index: "\(folder)/\(weightsIndex)", name: weightsIndex) else { return false }
        return shards.allSatisfy(has)
    }

    /// The shard files a safetensors index names, each once, in order. The names come from
    /// the network and become paths in the cache, so anything but a plain relative path fails.
    static func shards(index path: String, name: String) throws -> [String] {
        guard let data = FileManager.default.contents(atPath: path),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let map = object["weight_map"] as? [String: Any] else {
            throw DownloadError.badIndex(file: name, detail: "expected a JSON object with a weight_map")
        }
        var shards = [String]()
        for value in map.values {
            guard let shard = value as? String, isSafeRelativePath(shard) else {
                throw DownloadError.badIndex(file: name, detail: "weight_map names \(String(describing: value).debugDescription), not a relative file path")
            }
            shards.append(shard)
        }
        guard !shards.isEmpty else { throw DownloadError.badIndex(file: name, detail: "the weight_map is empty") }
        return Array(Set(shards)).sorted()
    }

    /// `a.bin` or `sub/a.bin`: no empty, `.` or `..` parts, no backslashes, not absolute.
    static func isSafeRelativePath(_ path: String) -> Bool {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        return !path.isEmpty && !path.contains("\\") && !path.contains("\0")
            && parts.allSatisfy { !$0.isEmpty && $0 != "." && $0 != ".." }
    }
}
