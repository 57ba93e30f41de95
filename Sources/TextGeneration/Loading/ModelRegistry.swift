import Crypto
import Foundation

/// Models loaded once per process. A daemon runs many text-generation jobs on the same few
/// models: each is mapped, checked and hashed once, not once per run (hashing GPT-2's 500 MB
/// of weights took a second or two, and read them into memory whole). An entry is keyed by
/// its folder and the identity of its weights file (device, inode, size, modification time),
/// so a model replaced on disk is loaded anew. Weights are mmapped and read-only: every
/// caller shares them.
public final class ModelRegistry: @unchecked Sendable {
    public static let shared = ModelRegistry()

    public struct Entry: Sendable {
        public let model: LoadedModel
        /// sha256 (hex) of `model.safetensors`, or of `model.safetensors.index.json` for a
        /// sharded model: the exact model, for provenance.
        public let digest: String
    }

    private struct Key: Hashable {
        var folder: String
        var device: UInt64
        var inode: UInt64
        var size: Int64
        var modified: Int64
    }

    private let lock = NSLock()
    private var entries = [(key: Key, entry: Entry)]()
    /// Models kept at once; the least recently used goes first.
    public let capacity: Int

    public init(capacity: Int = 4) { self.capacity = max(1, capacity) }

    /// The model in `folder`, loaded and hashed on first use.
    /// - Throws: what `LoadedModel.load` throws, or `ModelError.io` for a folder without weights.
    public func load(folder: String) throws -> Entry {
        let weights = try Self.weightsFile(in: folder)
        var info = stat()
        guard stat(weights, &info) == 0 else { throw ModelError.io(path: weights, detail: String(cString: strerror(errno))) }
        let key = Key(folder: folder, device: UInt64(info.st_dev), inode: UInt64(info.st_ino), size: Int64(info.st_size),
                      modified: Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec))
        return try lock.withLock {
            if let index = entries.firstIndex(where: { $0.key == key }) {
                let found = entries.remove(at: index)
                entries.append(found)
                return found.entry
            }
            let entry = Entry(model: try LoadedModel.load(folder), digest: try Self.sha256(of: weights))
            entries.removeAll { $0.key.folder == folder }
            entries.append((key, entry))
            if entries.count > capacity { entries.removeFirst(entries.count - capacity) }
            return entry
        }
    }

    static func weightsFile(in folder: String) throws -> String {
        for name in ["model.safetensors", "model.safetensors.index.json"] where FileManager.default.fileExists(atPath: "\(folder)/\(name)") {
            return "\(folder)/\(name)"
        }
        throw ModelError.io(path: folder, detail: "the folder has no model.safetensors or model.safetensors.index.json")
    }

    /// sha256 of a file, streamed in 4 MiB reads.
    static func sha256(of path: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw ModelError.io(path: path, detail: "cannot open it") }
        defer { try? handle.close() }
        var hasher = SHA256()
        while let chunk = try handle.read(upToCount: 4 << 20), !chunk.isEmpty { hasher.update(data: chunk) }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }
}
