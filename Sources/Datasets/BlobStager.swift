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

    /// Stages the file at `path`. A file that changes while it is read (its size, mtime or
    /// ctime differ before and after, or the bytes read are not its size) would be stored
    /// torn, as bytes it never held: it is read again, up to `attempts` times, then refused
    /// with `DatasetError.fileChanged`.
    func stage(file path: String, attempts: Int = 3) throws -> StagedBlob {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw DatasetError.io(path: path, operation: "open", errno: errno) }
        defer { close(fd) }
        for attempt in 1...attempts {
            var before = stat(), after = stat()
            guard fstat(fd, &before) == 0 else { throw DatasetError.io(path: path, operation: "stat", errno: errno) }
            if attempt > 1 { guard lseek(fd, 0, SEEK_SET) == 0 else { throw DatasetError.io(path: path, operation: "seek", errno: errno) } }
            // One byte past the size read before: enough to see that the file grew, without
            // chasing a writer that appends faster than we read.
            let limit = Int(before.st_size) + 1
            let staged = Int(before.st_size) <= BlobStager.wholeFileLimit
                ? try stage(bytes: try FileIO.read(fd, path: path, expectedSize: Int(before.st_size), limit: limit))
                : try stream(fd: fd, path: path, limit: Int64(limit))
            guard fstat(fd, &after) == 0 else { throw DatasetError.io(path: path, operation: "stat", errno: errno) }
            if BlobStager.unchanged(before, after) && staged.size == Int64(after.st_size) { return staged }
            discard([staged])
            if attempt == attempts {
                throw DatasetError.fileChanged(path: path, detail: "\(before.st_size) bytes when reading began, \(after.st_size) when it ended")
            }
            usleep(UInt32(20_000 * attempt))
        }
        preconditionFailure("unreachable: the last attempt returns or throws")
    }

    private static func unchanged(_ a: stat, _ b: stat) -> Bool {
        a.st_size == b.st_size && a.st_mtim.tv_sec == b.st_mtim.tv_sec && a.st_mtim.tv_nsec == b.st_mtim.tv_nsec
            && a.st_ctim.tv_sec == b.st_ctim.tv_sec && a.st_ctim.tv_nsec == b.st_ctim.tv_nsec
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
    private func stream(fd: Int32, path: String, limit: Int64) throws -> StagedBlob {
        let temporary = try TemporaryFile(in: temporaryDirectory, mode: 0o444)
        var hasher = SHA256()
        var size: Int64 = 0
        do {
            try FileIO.forEachChunk(of: fd, path: path, limit: limit) { chunk in
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
