import Crypto
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A folder as an `ObjectStore` (a remote on a shared disk, `wf datasets remote add NAME
/// /mnt/share/datasets`): each key a file under `root`, written to a temporary and renamed,
/// so readers never see half an object. Conditional writes hold an exclusive `flock` on
/// `root/.lock` around the compare and the rename; the tag is the SHA-256 of the bytes.
public struct FolderObjectStore: ObjectStore {
    public let root: String

    public init(root: String) {
        self.root = root.hasSuffix("/") && root.count > 1 ? String(root.dropLast()) : root
    }

    public var description: String { root }
    public var conditionalWrites: Bool { true }

    func path(_ key: String) throws -> String {
        guard !key.isEmpty, !key.hasPrefix("/"), !key.split(separator: "/").contains(where: { $0 == ".." || $0 == "." }) else {
            throw ObjectStoreError("\(key) is not a key of \(root)")
        }
        return "\(root)/\(key)"
    }

    public func get(_ key: String) async throws -> ObjectBody? {
        let path = try path(key)
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let bytes = try FileIO.read(path)
        return ObjectBody(bytes: bytes, etag: ObjectID.of(bytes).hex)
    }

    public func exists(_ key: String) async throws -> Bool {
        FileManager.default.fileExists(atPath: try path(key))
    }

    public func download(_ key: String, to file: String, progress: @escaping @Sendable (Int64) -> Void) async throws -> Bool {
        let path = try path(key)
        guard FileManager.default.fileExists(atPath: path) else { return false }
        try? FileManager.default.removeItem(atPath: file)
        try FileManager.default.copyItem(atPath: path, toPath: file)
        progress(FileIO.fileSize(file) ?? 0)
        return true
    }

    public func put(_ key: String, bytes: [UInt8], sha256: String?, condition: WriteCondition) async throws -> Bool {
        let path = try path(key)
        try FileIO.makeDirectories(FileIO.parentPath(of: path))
        let write = { try FileIO.writeAtomically(bytes, to: path, temporaryDirectory: FileIO.parentPath(of: path)) }
        guard condition != .always else {
            try write()
            return true
        }
        return try withLock {
            let current = FileManager.default.fileExists(atPath: path) ? ObjectID.of(try FileIO.read(path)).hex : nil
            switch condition {
            case .ifAbsent where current != nil: return false
            case .ifMatch(let etag) where current != etag: return false
            default:
                try write()
                return true
            }
        }
    }

    public func upload(_ key: String, file: String, size: Int64, sha256: String, resumeFolder: String,
                       progress: @escaping @Sendable (Int64) -> Void) async throws {
        let path = try path(key)
        try FileIO.makeDirectories(FileIO.parentPath(of: path))
        let temporary = "\(FileIO.parentPath(of: path))/.tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        defer { FileIO.remove(temporary) }
        try FileManager.default.copyItem(atPath: file, toPath: temporary)
        try FileIO.fsyncPath(temporary)
        try FileIO.rename(temporary, path)
        progress(size)
    }

    public func list(prefix: String) async throws -> [String: Int64] {
        var keys = [String: Int64]()
        let start = prefix.isEmpty ? root : "\(root)/\(prefix.hasSuffix("/") ? String(prefix.dropLast()) : prefix)"
        guard let walker = FileManager.default.enumerator(atPath: start) else { return keys }
        let base = start == root ? "" : String(start.dropFirst(root.count + 1)) + "/"
        while let relative = walker.nextObject() as? String {
            let name = (relative as NSString).lastPathComponent
            guard !name.hasPrefix("."), let attributes = walker.fileAttributes, attributes[.type] as? FileAttributeType == .typeRegular else { continue }
            keys[base + relative] = (attributes[.size] as? Int64) ?? Int64((attributes[.size] as? Int) ?? 0)
        }
        return keys
    }

    public func delete(_ key: String) async throws {
        FileIO.remove(try path(key))
    }

    private func withLock<T>(_ body: () throws -> T) throws -> T {
        try FileIO.makeDirectories(root)
        let fd = open("\(root)/.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw ObjectStoreError("cannot open \(root)/.lock: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        guard flock(fd, LOCK_EX) == 0 else { throw ObjectStoreError("cannot lock \(root)/.lock") }
        return try body()
    }
}
