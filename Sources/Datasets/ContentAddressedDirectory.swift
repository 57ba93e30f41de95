/// A folder of immutable files named by the sha256 of their bytes, fanned out by the first
/// two hex digits like git: `ROOT/sha256/ab/cdef…`. The store keeps two of them:
/// `objects/` (file contents and tree manifests) and `records/` (version and tag records).
struct ContentAddressedDirectory: Sendable {
    let root: String

    func path(for id: ObjectID) -> String {
        let hex = id.hex
        return "\(root)/sha256/\(hex.prefix(2))/\(hex.dropFirst(2))"
    }

    func folder(for id: ObjectID) -> String {
        "\(root)/sha256/\(id.hex.prefix(2))"
    }

    func contains(_ id: ObjectID) -> Bool { FileIO.exists(path(for: id)) }

    /// Every id stored here, in no particular order.
    func allIDs() throws -> [ObjectID] { try listing().ids }

    /// Every id stored here, and the paths of temporaries that interrupted writes left in
    /// the fan-out folders (names starting with `TemporaryFile.prefix`). Other names are skipped.
    /// A folder that cannot be read is an error, never an empty listing: a repair or `gc`
    /// acting on an empty listing would lose everything.
    func listing() throws -> (ids: [ObjectID], temporaries: [String]) {
        var ids = [ObjectID]()
        var temporaries = [String]()
        for fan in try FileIO.listExistingDirectory("\(root)/sha256") where fan.utf8.count == 2 {
            for rest in try FileIO.listExistingDirectory("\(root)/sha256/\(fan)") {
                if let id = ObjectID(hex: fan + rest) {
                    ids.append(id)
                } else if rest.hasPrefix(TemporaryFile.prefix) {
                    temporaries.append("\(root)/sha256/\(fan)/\(rest)")
                }
            }
        }
        return (ids, temporaries)
    }

    /// Reads the bytes stored under `id` and checks that they still hash to it.
    func readVerified(_ id: ObjectID) throws -> [UInt8] {
        let path = path(for: id)
        guard FileIO.exists(path) else { throw DatasetError.missingObject(id: id.hex, neededBy: root) }
        let bytes = try FileIO.read(path)
        guard ObjectID.of(bytes) == id else { throw DatasetError.corruptObject(id: id.hex, detail: "its bytes hash to \(ObjectID.of(bytes).short)") }
        return bytes
    }

    /// Stores small bytes durably (fsync, rename, fsync of the folder) unless already present.
    @discardableResult
    func storeDurably(_ bytes: [UInt8], temporaryDirectory: String) throws -> ObjectID {
        let id = ObjectID.of(bytes)
        let destination = path(for: id)
        if FileIO.fileSize(destination) == Int64(bytes.count) { return id }
        try FileIO.makeDirectories(folder(for: id))
        try FileIO.writeAtomically(bytes, to: destination, temporaryDirectory: temporaryDirectory, mode: 0o444)
        return id
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Crypto

extension ContentAddressedDirectory {
    /// Streams the bytes stored under `id` into `fd`, hashing them on the way, and throws
    /// `corruptObject` when they do not hash to `id` or `missingObject` when absent.
    func copyVerified(_ id: ObjectID, to fd: Int32, destination: String) throws {
        let source = path(for: id)
        let input = open(source, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else {
            if errno == ENOENT { throw DatasetError.missingObject(id: id.hex, neededBy: destination) }
            throw DatasetError.io(path: source, operation: "open", errno: errno)
        }
        defer { close(input) }
        var hasher = SHA256()
        try FileIO.forEachChunk(of: input, path: source) { chunk in
            hasher.update(bufferPointer: chunk)
            try FileIO.writeAll(fd, chunk, path: destination)
        }
        let actual = ObjectID(digest: hasher.finalize())
        guard actual == id else { throw DatasetError.corruptObject(id: id.hex, detail: "its bytes hash to \(actual.short)") }
    }

    /// The sha256 of the file stored under `id`, streamed. A file that cannot be read is an
    /// error (`DatasetError.io`), not a mismatch: unreadable is not proven damaged.
    func hashOfStoredFile(_ id: ObjectID) throws -> ObjectID {
        let input = open(path(for: id), O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { throw DatasetError.io(path: path(for: id), operation: "open", errno: errno) }
        defer { close(input) }
        var hasher = SHA256()
        try FileIO.forEachChunk(of: input, path: path(for: id)) { hasher.update(bufferPointer: $0) }
        return ObjectID(digest: hasher.finalize())
    }
}
