/// The content-addressed dataset store under `HOME/datasets/`:
///
///     objects/sha256/ab/cdef…   file contents and tree manifests, named by sha256, read-only
///     records/sha256/ab/cdef…   version and tag records (canonical JSON), named by sha256
///     index.sqlite              the SQLite index (WAL): datasets, histories, tags
///     tmp/                      temporaries of writes in flight
///     lock                      flock: shared for writers, exclusive for gc and repair
///     corrupt/                  objects that `verify --repair` found damaged and set aside
///
/// The object and record folders are the truth; the index is derived from them.
public final class DatasetStore: Sendable {
    public let root: String
    let objects: ContentAddressedDirectory
    let records: ContentAddressedDirectory
    let temporaryDirectory: String
    let lockPath: String
    let indexPath: String
    let durable: Bool
    let mode: AccessMode
    /// nil for a read-only open of a store that was never written.
    let index: DatasetIndex?
    /// Where the store really lives when it is shared (`remote add --store`): commits move the
    /// bucket's head first, and this folder is a cache of it (see `DatasetStore+Shared`).
    public let upstream: (any ObjectStore)?

    public enum AccessMode: Sendable { case readOnly, readWrite }

    /// Opens the store under `home` (the store lives in `home/datasets`).
    /// Read-only opens of a store that does not exist yet see an empty store and create nothing.
    /// `durable: false` skips flushes; only benchmarks building throw-away stores use it.
    /// `upstream`: the object store the home's store lives in (`sharedStoreRemote(home:)`),
    /// which only the caller can connect to; without it a shared home is refused, since a
    /// commit to the cache alone would fork the shared history.
    public convenience init(home: String, mode: AccessMode = .readWrite, durable: Bool = true, upstream: (any ObjectStore)? = nil) throws {
        if upstream == nil, mode == .readWrite, let shared = try Self.sharedStoreRemote(home: home) {
            throw DatasetError.remote("the store of \(home) lives in remote \(shared.name) (\(shared.url)); this command cannot write to it")
        }
        try self.init(home: home, mode: mode, durable: durable, indexOpening: .existing, upstream: upstream)
    }

    /// `HOME/datasets`, without a trailing slash doubled.
    static func datasetsRoot(home: String) -> String {
        (home.count > 1 && home.hasSuffix("/") ? String(home.dropLast()) : home) + "/datasets"
    }

    /// How a repair opens the store: `.skip` lays out the folders but leaves the index alone,
    /// so the repair can take the lock before it touches a possibly damaged index; `.rebuild`
    /// accepts an empty index beside existing records, which the repair then fills.
    enum IndexOpening { case skip, existing, rebuild }

    init(home: String, mode: AccessMode = .readWrite, durable: Bool = true, indexOpening: IndexOpening,
         upstream: (any ObjectStore)? = nil) throws {
        root = Self.datasetsRoot(home: home)
        self.upstream = upstream
        objects = ContentAddressedDirectory(root: root + "/objects")
        records = ContentAddressedDirectory(root: root + "/records")
        temporaryDirectory = root + "/tmp"
        lockPath = root + "/lock"
        indexPath = root + "/index.sqlite"
        self.durable = durable
        self.mode = mode
        // A missing index over existing records must be rebuilt, not started afresh: a new,
        // empty index would hide every version (and `gc` would then sweep them).
        if indexOpening == .existing && !FileIO.exists(indexPath) {
            if try !records.allIDs().isEmpty {
                throw DatasetError.indexUnavailable(path: indexPath, cause: .missing, detail: "no index file")
            }
            if mode == .readOnly {
                index = nil
                return
            }
        }
        // Reading creates nothing: a store on a read-only file system, or one this user may
        // not write, can still be read.
        if mode == .readOnly && indexOpening == .existing {
            index = try DatasetIndex(path: indexPath, durable: durable, readOnly: true)
            return
        }
        for folder in [root, objects.root, records.root, temporaryDirectory] { try FileIO.makeDirectories(folder) }
        index = indexOpening == .skip ? nil : try DatasetIndex(path: indexPath, durable: durable)
    }

    var stager: BlobStager { BlobStager(objects: objects, temporaryDirectory: temporaryDirectory, durable: durable) }

    func lock(_ mode: StoreLock.Mode) throws -> StoreLock { try StoreLock(path: lockPath, mode: mode) }

    /// Writes a small object or record durably (or, for throw-away stores, just atomically).
    @discardableResult
    func storeSmall(_ bytes: [UInt8], in directory: ContentAddressedDirectory) throws -> ObjectID {
        if durable { return try directory.storeDurably(bytes, temporaryDirectory: temporaryDirectory) }
        let stager = BlobStager(objects: directory, temporaryDirectory: temporaryDirectory, durable: false)
        let staged = try stager.stage(bytes: bytes)
        try stager.publish([staged])
        return staged.id
    }
}
