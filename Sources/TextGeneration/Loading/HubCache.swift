import Foundation

/// The Hugging Face hub cache layout that `transformers` writes:
/// `CACHE/models--ORG--NAME/{refs/REV, snapshots/COMMIT/FILE}`, with CACHE from
/// `HF_HUB_CACHE`, else `HF_HOME/hub`, else `~/.cache/huggingface/hub`.
public struct HubCache: Sendable {
    public let root: String

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        if let cache = environment["HF_HUB_CACHE"], !cache.isEmpty {
            root = cache
        } else if let home = environment["HF_HOME"], !home.isEmpty {
            root = home + "/hub"
        } else {
            root = (environment["HOME"] ?? NSHomeDirectory()) + "/.cache/huggingface/hub"
        }
    }

    /// A hub model id: `gpt2`, `ORG/NAME`, optionally `@REVISION` (a branch, tag or commit).
    public struct ModelID: Sendable, Equatable, CustomStringConvertible {
        public var repository: String
        public var revision: String

        public init(parsing text: String) throws {
            let parts = text.split(separator: "@", maxSplits: 1, omittingEmptySubsequences: false)
            repository = String(parts[0])
            revision = parts.count == 2 ? String(parts[1]) : "main"
            let pieces = repository.split(separator: "/", omittingEmptySubsequences: false)
            let allowed = { (c: Character) in c.isASCII && (c.isLetter || c.isNumber || "-_.".contains(c)) }
            guard (1...2).contains(pieces.count), pieces.allSatisfy({ !$0.isEmpty && $0.allSatisfy(allowed) && !$0.hasPrefix(".") }),
                  !revision.isEmpty, !revision.contains(".."), revision.allSatisfy({ allowed($0) || $0 == "/" }) else {
                throw ModelError.unsupported(file: text, detail: "not a model folder, and not a hub id like gpt2, ORG/NAME or ORG/NAME@REVISION")
            }
        }

        public var description: String { revision == "main" ? repository : "\(repository)@\(revision)" }
        var cacheFolderName: String { "models--" + repository.replacingOccurrences(of: "/", with: "--") }
    }

    /// The snapshot folder holding `id` at its revision, if the cache has it.
    public func snapshot(for id: ModelID) -> String? {
        let repository = "\(root)/\(id.cacheFolderName)"
        var commit = id.revision
        if !(commit.count == 40 && commit.allSatisfy({ $0.isASCII && $0.isHexDigit })),
           let ref = try? String(contentsOfFile: "\(repository)/refs/\(id.revision)", encoding: .utf8) {
            commit = ref.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let folder = "\(repository)/snapshots/\(commit)"
        return FileManager.default.fileExists(atPath: "\(folder)/config.json") ? folder : nil
    }
}
