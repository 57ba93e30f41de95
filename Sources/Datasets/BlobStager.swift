import Crypto
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A blob hashed and, when the store lacks it, written to a temporary file that
/// `BlobStager.publish` renames into place.
struct StagedBlob: Sendable {
    let id: ObjectID
    let size: Int64
    /// nil when the store already holds the blob.
    let temporaryPath: String?
}

/// Turns files into blobs in two phases so that a commit of many files pays for one
/// filesystem flush, not one per file: `stage` hashes and writes temporaries, `publish`
/// flushes once and renames them all. A kill between the phases leaves only temporaries,
/// which `gc` removes; a blob under its final name is always complete.
struct BlobStager: Sendable {
    let objects: ContentAddressedDirectory
    let temporaryDirectory: String
    /// False only for throw-away stores built by benchmarks: skips the filesystem flushes.
    var durable = true
    /// Files up to this size are read whole; bigger ones stream through a fixed buffer.
    static let wholeFileLimit = 8 << 20

    func stage(file path: String) throws -> StagedBlob {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw DatasetError.io(path: path, operation: "open", errno: errno) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw DatasetError.io(path: path, operation: "stat", errno: errno) }
        if Int(info.st_size) <= BlobStager.wholeFileLimit {
            return try stage(bytes: try FileIO.read(fd, path: path, expectedSize: Int(info.st_size)))
        }
        return try stream(fd: fd, path: path)
    }

    func stage(bytes: [UInt8]) throws -> StagedBlob {
        let id = ObjectID.of(bytes)
        if FileIO.fileSize(objects.path(for: id)) == Int64(bytes.count) {
            return StagedBlob(id: id, size: Int64(bytes.count), temporaryPath: nil)
        }
        // The temporary goes in the blob's own fan-out folder: the final rename stays in one
        // folder, and parallel workers do not contend for one directory's lock.
        let folder = objects.folder(for: id)
        let temporary: TemporaryFile
        do {
            temporary = try TemporaryFile(in: folder, mode: 0o444)
        } catch DatasetError.io(_, _, ENOENT) {
            try FileIO.makeDirectories(folder)
            temporary = try TemporaryFile(in: folder, mode: 0o444)
        }
        do {
            try bytes.withUnsafeBytes { try FileIO.writeAll(temporary.fd, $0, path: temporary.path) }
        } catch {
            temporary.discard()
            throw error
        }
        return StagedBlob(id: id, size: Int64(bytes.count), temporaryPath: temporary.keep())
    }

    /// Hashes and copies a large file in one pass.
    private func stream(fd: Int32, path: String) throws -> StagedBlob {
        let temporary = try TemporaryFile(in: temporaryDirectory, mode: 0o444)
        var hasher = SHA256()
        var size: Int64 = 0
        do {
            try FileIO.forEachChunk(of: fd, path: path) { chunk in
                hasher.update(bufferPointer: chunk)
                try FileIO.writeAll(temporary.fd, chunk, path: temporary.path)
                size += Int64(chunk.count)
            }
        } catch {
            temporary.discard()
            throw error
        }
        let id = ObjectID(digest: hasher.finalize())
        if FileIO.fileSize(objects.path(for: id)) == size {
            temporary.discard()
            return StagedBlob(id: id, size: size, temporaryPath: nil)
        }
        return StagedBlob(id: id, size: size, temporaryPath: temporary.keep())
    }

    /// Makes staged blobs durable under their final names: flush, rename, flush.
    func publish(_ staged: [StagedBlob]) throws {
        let pending = staged.filter { $0.temporaryPath != nil }
        guard !pending.isEmpty else { return }
        if durable { try FileIO.syncFileSystem(containing: temporaryDirectory) }
        var madeFolders = Set<String>()
        for blob in pending {
            let folder = objects.folder(for: blob.id)
            if madeFolders.insert(folder).inserted { try FileIO.makeDirectories(folder) }
            // Two inputs with the same bytes stage two temporaries; the second rename is harmless.
            try FileIO.rename(blob.temporaryPath!, objects.path(for: blob.id))
        }
        if durable { try FileIO.syncFileSystem(containing: objects.root) }
    }

    /// Removes the temporaries of an abandoned commit.
    func discard(_ staged: [StagedBlob]) {
        for blob in staged { if let path = blob.temporaryPath { FileIO.remove(path) } }
    }
}
