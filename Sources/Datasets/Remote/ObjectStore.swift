import Foundation

/// Where a remote's objects live: a bucket of an S3-compatible service (`S3ObjectStore` in the
/// S3 module), or a folder (`FolderObjectStore`). The dataset store pushes to and pulls from
/// one through this protocol only, so it never knows which it talks to (as hummingbird's
/// `PersistDriver` hides its storage).
///
/// Keys are `/`-separated paths under the remote's prefix. Every call may be made from many
/// tasks at once. Errors are one line saying what to do (a missing bucket, bad credentials,
/// the clock); transient ones are retried inside.
public protocol ObjectStore: Sendable {
    /// For messages: `s3://bucket/prefix`, a folder's path.
    var description: String { get }

    /// The object's bytes, or nil when there is none. For small objects (records, trees, heads).
    func get(_ key: String) async throws -> ObjectBody?

    /// Whether an object is at `key` (S3's HeadObject): how a commit to a shared store asks
    /// about the few objects it adds, instead of listing the whole bucket.
    func exists(_ key: String) async throws -> Bool

    /// Streams the object into `file` (created or truncated); false when there is none.
    func download(_ key: String, to file: String, progress: @escaping @Sendable (Int64) -> Void) async throws -> Bool

    /// Writes `bytes` at `key` if `condition` holds; false when it did not (another writer got
    /// there first). `sha256` is the bytes' SHA-256 in hex when the caller knows it.
    func put(_ key: String, bytes: [UInt8], sha256: String?, condition: WriteCondition) async throws -> Bool

    /// Uploads `file` (`size` bytes, SHA-256 `sha256`) to `key`; a large one in parts that a
    /// later call resumes after a kill (the state is kept beside the file's staging, in `resumeFolder`).
    func upload(_ key: String, file: String, size: Int64, sha256: String, resumeFolder: String,
                progress: @escaping @Sendable (Int64) -> Void) async throws

    /// Every key under `prefix`, with its size.
    func list(prefix: String) async throws -> [String: Int64]

    /// Removes `key` (no error when it is absent).
    func delete(_ key: String) async throws

    /// Whether `put(..., condition: .ifAbsent / .ifMatch)` is enforced by the store itself; when
    /// not, two writers of one head can race, and pushes say so.
    var conditionalWrites: Bool { get }
}

/// An object read whole, with the tag a conditional write compares against.
public struct ObjectBody: Sendable, Equatable {
    public var bytes: [UInt8]
    public var etag: String?
    public init(bytes: [UInt8], etag: String?) {
        self.bytes = bytes
        self.etag = etag
    }
}

/// When a write may happen.
public enum WriteCondition: Sendable, Equatable {
    case always
    /// Only if no object is at the key (S3's `If-None-Match: *`).
    case ifAbsent
    /// Only if the object is still the one read with this tag (S3's `If-Match`).
    case ifMatch(String)
}

/// An object store's failure, as one line that says what to do.
public struct ObjectStoreError: Error, CustomStringConvertible, Equatable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
