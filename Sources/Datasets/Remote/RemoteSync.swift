import Crypto
import GRDB
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Where things live on a remote, under its prefix: the same layout as on disk (as DVC's
/// remote mirrors its cache), plus one small object per dataset head and tag.
///
///     objects/sha256/ab/cdef…   blobs and tree manifests
///     records/sha256/ab/cdef…   version and tag records
///     heads/DATASET             the newest version's id
///     tags/DATASET/TAG          the id of the tag's newest record
public enum RemoteLayout {
    public static func object(_ id: ObjectID) -> String { "objects/sha256/\(id.hex.prefix(2))/\(id.hex.dropFirst(2))" }
    public static func record(_ id: ObjectID) -> String { "records/sha256/\(id.hex.prefix(2))/\(id.hex.dropFirst(2))" }
    public static func head(_ dataset: String) -> String { "heads/\(dataset)" }
    public static func tag(_ dataset: String, _ tag: String) -> String { "tags/\(dataset)/\(tag)" }
    /// The version or record id a head's or tag's object holds, or nil when it holds none.
    public static func id(in body: ObjectBody) -> ObjectID? {
        ObjectID(hex: String(decoding: body.bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// The id a key of `objects/` or `records/` names.
    static func id(of key: Substring) -> ObjectID? {
        let parts = key.split(separator: "/")
        guard parts.count == 4 else { return nil }
        return ObjectID(hex: String(parts[2] + parts[3]))
    }
}

/// What a push or a pull moved, for its summary line and `--json`.
public struct TransferReport: Sendable, Codable, Equatable {
    public struct Dataset: Sendable, Codable, Equatable {
        public var name: String
        /// The version the remote's (push) or the local (pull) head is at after it.
        public var head: String?
        /// Versions that were new to the other side.
        public var versions: Int
        /// `up to date`, `pushed`, `pulled`, `fetched`.
        public var state: String
    }
    public var datasets: [Dataset] = []
    public var objectsSent = 0
    /// Objects the other side already had: not sent again.
    public var objectsSkipped = 0
    public var bytesSent: Int64 = 0
    public var records = 0
    public var seconds = 0.0
}

/// Progress of a transfer: bytes done of bytes to move, objects done of objects to move.
public struct TransferProgress: Sendable {
    public var bytes: Int64
    public var totalBytes: Int64
    public var objects: Int
    public var totalObjects: Int
}

/// Counts shared by a transfer's tasks.
final class TransferCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var bytes: Int64 = 0, objects = 0
    let totalBytes: Int64, totalObjects: Int
    let report: @Sendable (TransferProgress) -> Void
    init(totalBytes: Int64, totalObjects: Int, report: @escaping @Sendable (TransferProgress) -> Void) {
        self.totalBytes = totalBytes
        self.totalObjects = totalObjects
        self.report = report
    }
    func add(bytes count: Int64) {
        let snapshot = lock.withLock { bytes += count; return TransferProgress(bytes: bytes, totalBytes: totalBytes, objects: objects, totalObjects: totalObjects) }
        report(snapshot)
    }
    func objectDone() { lock.withLock { objects += 1 } }
}

extension DatasetStore {
    /// Objects at least this large move by file (streamed, multipart up, verified as streamed
    /// down); smaller ones in memory.
    static let largeObject: Int64 = 8 << 20
    /// Objects moved at once.
    static let transferConcurrency = 16

    // MARK: push

    /// Sends each target (a dataset's newest version, or `NAME:REF` for an older one) and its
    /// history to `remote`: the objects and records the remote lacks (one listing tells), then
    /// each dataset's head, moved only if it is still what was read (`If-Match`, or
    /// `If-None-Match: *` for a new dataset), then its tags. A reader of the remote never sees
    /// a head whose objects are not all there; two pushers of one dataset never lose a version
    /// (the second is refused and told to pull). Refused, with nothing moved, when the remote's
    /// head is not in the local history (someone pushed versions this store lacks).
    public func push(_ targets: [String], to remote: any ObjectStore,
                     progress: @escaping @Sendable (TransferProgress) -> Void = { _ in }) async throws -> TransferReport {
        let started = Date()
        var report = TransferReport()
        var plans = [(dataset: String, chain: [VersionInfo], remoteHead: ObjectBody?)]()
        for target in try pushTargets(targets) {
            let chain = try history(of: target)
            let remoteHead = try await remote.get(RemoteLayout.head(target.dataset))
            var send = chain
            if let remoteHead {
                guard let id = RemoteLayout.id(in: remoteHead) else {
                    throw DatasetError.remote("\(remote.description): \(RemoteLayout.head(target.dataset)) does not hold a version id")
                }
                guard let position = chain.firstIndex(where: { $0.id == id }) else {
                    throw DatasetError.remote("the remote's \(target.dataset) is at \(id.short), which this store lacks: someone pushed versions you do not have; pull first (wf datasets pull \(target.dataset)), then push")
                }
                send = Array(chain[..<position])
            }
            plans.append((target.dataset, send, remoteHead))
        }
        // What the remote has: one listing of each folder instead of a request per object.
        let haveObjects = Set(try await remote.list(prefix: "objects/").keys.compactMap { RemoteLayout.id(of: $0[...]) })
        let haveRecords = Set(try await remote.list(prefix: "records/").keys.compactMap { RemoteLayout.id(of: $0[...]) })
        var needed = [ObjectID: Int64]()
        var records = [ObjectID]()
        for plan in plans {
            for version in plan.chain {
                let tree = try tree(id: version.tree)
                needed[version.tree] = Int64(tree.canonicalBytes.count)
                for entry in tree.entries { needed[entry.blob] = entry.size }
                records.append(version.id)
            }
        }
        let missing = needed.filter { !haveObjects.contains($0.key) }
        report.objectsSkipped = needed.count - missing.count
        report.objectsSent = missing.count
        report.bytesSent = missing.values.reduce(0, +)
        let counter = TransferCounter(totalBytes: report.bytesSent, totalObjects: missing.count, report: progress)
        let held = try lock(.shared)  // gc must not sweep what is being sent
        defer { withExtendedLifetime(held) {} }
        try await send(missing, to: remote, counter: counter)
        let missingRecords = records.filter { !haveRecords.contains($0) }
        try await forEach(missingRecords) { id in
            _ = try await remote.put(RemoteLayout.record(id), bytes: try self.records.readVerified(id), sha256: id.hex, condition: .always)
        }
        report.records = missingRecords.count
        // Heads last, each moved only from what was read.
        for plan in plans {
            let target = plan.chain.first
            guard let target else {
                report.datasets.append(.init(name: plan.dataset, head: plan.remoteHead.map { String(decoding: $0.bytes, as: UTF8.self) }, versions: 0, state: "up to date"))
                try await pushTags(plan.dataset, to: remote, haveRecords: haveRecords)
                continue
            }
            let condition: WriteCondition = plan.remoteHead.map { .ifMatch($0.etag ?? "") } ?? .ifAbsent
            guard try await remote.put(RemoteLayout.head(plan.dataset), bytes: Array(target.id.hex.utf8), sha256: nil, condition: condition) else {
                throw DatasetError.remote("another push moved the remote's \(plan.dataset) while this one ran; its objects are there, its head is not moved: pull (wf datasets pull \(plan.dataset)) and push again")
            }
            try await pushTags(plan.dataset, to: remote, haveRecords: haveRecords)
            report.datasets.append(.init(name: plan.dataset, head: target.id.hex, versions: plan.chain.count, state: "pushed"))
        }
        report.seconds = Date().timeIntervalSince(started)
        return report
    }

    /// Sends each object of `missing` (id → size): small ones from memory, large ones from
    /// their file, in parts that a later call resumes.
    func send(_ missing: [ObjectID: Int64], to remote: any ObjectStore, counter: TransferCounter) async throws {
        let uploads = "\(temporaryDirectory)/uploads"
        try await forEach(Array(missing).sorted { $0.key < $1.key }) { id, size in
            if size >= Self.largeObject {
                try await remote.upload(RemoteLayout.object(id), file: self.objects.path(for: id), size: size, sha256: id.hex,
                                        resumeFolder: uploads) { counter.add(bytes: $0) }
            } else {
                let bytes = try self.objects.readVerified(id)
                _ = try await remote.put(RemoteLayout.object(id), bytes: bytes, sha256: id.hex, condition: .always)
                counter.add(bytes: size)
            }
            counter.objectDone()
        }
    }

    /// Each tag of `dataset` whose version the remote has: its record, then its key.
    func pushTags(_ dataset: String, to remote: any ObjectStore, haveRecords: Set<ObjectID>) async throws {
        guard let index else { return }
        let tags = try index.read { db in
            try Row.fetchAll(db, sql: "SELECT tag, record FROM tags WHERE dataset = ?", arguments: [dataset]).map { ($0["tag"] as String, $0["record"] as String) }
        }
        for (tag, recordHex) in tags {
            guard let record = ObjectID(hex: recordHex) else { continue }
            let key = RemoteLayout.tag(dataset, tag)
            if try await remote.get(key)?.bytes == Array(record.hex.utf8) { continue }
            if !haveRecords.contains(record) {
                _ = try await remote.put(RemoteLayout.record(record), bytes: try records.readVerified(record), sha256: record.hex, condition: .always)
            }
            _ = try await remote.put(key, bytes: Array(record.hex.utf8), sha256: nil, condition: .always)
        }
    }

    /// Each target as (dataset, version): a name is its newest version.
    private func pushTargets(_ targets: [String]) throws -> [VersionInfo] {
        let names = targets.isEmpty ? try listDatasets().map(\.name) : targets
        var versions = [VersionInfo]()
        for target in names {
            let version = try resolve(target)
            guard !versions.contains(where: { $0.dataset == version.dataset }) else {
                throw DatasetError.remote("\(version.dataset) is named twice; push one version of each dataset at a time")
            }
            versions.append(version)
        }
        return versions
    }

    /// `version` and its ancestors, newest first.
    func history(of version: VersionInfo) throws -> [VersionInfo] {
        var chain = [version]
        while let parent = chain.last?.parent {
            chain.append(try resolve("\(version.dataset):\(parent.hex)"))
        }
        return chain
    }

    // MARK: fetch and pull

    /// What a fetch found of one dataset on the remote.
    struct Fetched {
        var dataset: String
        var remoteHead: ObjectID
        /// Versions new to the local history, oldest first, with their records' ids.
        var versions: [VersionRecord]
        /// The newest version the local history already has (where the new ones start), or nil.
        var base: ObjectID?
        var tags: [(id: ObjectID, record: TagRecord)]
        /// The bytes of the records the local store lacks, kept only by a pull: a record stored
        /// without its version in the index is what `verify` reports and `gc` refuses to sweep.
        var records: [ObjectID: [UInt8]]
    }

    /// Downloads what the local store lacks of `datasets` (all the remote's when empty): the
    /// records from each head back to a version the local history has, the trees, the blobs,
    /// the tags; each checked against its sha256 on arrival. Trees and blobs are stored as a
    /// local write would (atomically, durably); records only with their versions, by `pull`.
    /// The local history is not changed.
    public func fetch(_ datasets: [String], from remote: any ObjectStore,
                      progress: @escaping @Sendable (TransferProgress) -> Void = { _ in }) async throws -> TransferReport {
        let started = Date()
        var report = TransferReport()
        for fetched in try await fetchAll(datasets, from: remote, progress: progress, report: &report) {
            report.datasets.append(.init(name: fetched.dataset, head: fetched.remoteHead.hex, versions: fetched.versions.count,
                                         state: fetched.versions.isEmpty ? "up to date" : "fetched"))
        }
        report.seconds = Date().timeIntervalSince(started)
        return report
    }

    /// `fetch`, then each dataset's local history moved forward to the remote's head, in one
    /// transaction per dataset. Refused for a dataset whose local history has versions the
    /// remote's lacks (diverged), with nothing changed for it.
    public func pull(_ datasets: [String], from remote: any ObjectStore,
                     progress: @escaping @Sendable (TransferProgress) -> Void = { _ in }) async throws -> TransferReport {
        let started = Date()
        var report = TransferReport()
        let fetched = try await fetchAll(datasets, from: remote, progress: progress, report: &report)
        let index = try writableIndex()
        for item in fetched {
            let head = try index.read { db in try DatasetIndex.head(of: item.dataset, in: db) }
            if !item.versions.isEmpty && head?.id != item.base {
                throw DatasetError.remote("\(item.dataset) diverged: this store's history has versions after \(item.base?.short ?? "its start") that the remote's lacks, and the remote has \(item.versions.count) more; push yours to another dataset name, or remove them, then pull")
            }
            var sequence = head?.sequence ?? 0
            var infos = [VersionInfo]()
            for record in item.versions {
                let tree = try tree(id: record.tree)
                sequence += 1
                infos.append(VersionInfo(id: record.id, dataset: item.dataset, sequence: sequence, parent: record.parent, tree: record.tree,
                                         created: record.created, message: record.message, files: tree.fileCount, bytes: tree.totalBytes,
                                         provenance: record.provenance, tags: []))
            }
            // The records are durable before the index lists them, as a commit's are: the new
            // versions', and the tags' that point at a version this store will have.
            let arriving = Set(item.versions.map(\.id))
            for record in item.versions { if let bytes = item.records[record.id] { try storeSmall(bytes, in: records) } }
            for (id, tag) in item.tags {
                guard let bytes = item.records[id] else { continue }
                let known = try index.read { db in try DatasetIndex.hasVersion(tag.version, in: db) }
                if known || arriving.contains(tag.version) { try storeSmall(bytes, in: records) }
            }
            try index.write { db in
                // Checked again inside the transaction: a local commit may have raced the download
                // (refused), or another pull of the same versions (what it indexed is skipped).
                var arrivingInfos = infos[...]
                let current = try DatasetIndex.head(of: item.dataset, in: db)?.id
                if current != head?.id {
                    guard let current, let reached = infos.firstIndex(where: { $0.id == current }) else {
                        throw DatasetError.remote("\(item.dataset) changed locally while pulling; pull again")
                    }
                    arrivingInfos = infos[(reached + 1)...]
                }
                for info in arrivingInfos { try DatasetIndex.insert(info, into: db) }
                for (id, tag) in item.tags {
                    let known = try Row.fetchOne(db, sql: "SELECT created_ms FROM tags WHERE dataset = ? AND tag = ?", arguments: [tag.dataset, tag.tag])
                    let knownCreated: Int64? = known?["created_ms"]
                    let hasVersion = try DatasetIndex.hasVersion(tag.version, in: db)
                    if hasVersion && (knownCreated ?? .min) < tag.created.milliseconds { try DatasetIndex.setTag(tag, recordID: id, in: db) }
                }
            }
            report.datasets.append(.init(name: item.dataset, head: item.versions.last?.id.hex ?? head?.id.hex, versions: item.versions.count,
                                         state: item.versions.isEmpty ? "up to date" : "pulled"))
        }
        report.seconds = Date().timeIntervalSince(started)
        return report
    }

    private func fetchAll(_ names: [String], from remote: any ObjectStore, progress: @escaping @Sendable (TransferProgress) -> Void,
                          report: inout TransferReport) async throws -> [Fetched] {
        var datasets = names
        if datasets.isEmpty {
            datasets = try await remote.list(prefix: "heads/").keys.map { String($0.dropFirst("heads/".count)) }.sorted()
            guard !datasets.isEmpty else { throw DatasetError.remote("\(remote.description) holds no datasets") }
        }
        for name in datasets { try DatasetName.validate(name) }
        let held = try lock(.shared)
        defer { withExtendedLifetime(held) {} }
        let known: Set<String> = try index.map { index in
            try index.read { db in Set(try String.fetchAll(db, sql: "SELECT id FROM versions")) }
        } ?? []
        var fetched = [Fetched]()
        var wanted = [ObjectID: Int64]()
        var present = Set<ObjectID>()
        for dataset in datasets {
            guard let head = try await remote.get(RemoteLayout.head(dataset)),
                  let headID = RemoteLayout.id(in: head) else {
                throw DatasetError.remote("\(remote.description) has no dataset \(dataset)")
            }
            var versions = [VersionRecord]()
            var recordBytes = [ObjectID: [UInt8]]()
            var cursor: ObjectID? = headID
            while let id = cursor, !known.contains(id.hex) {
                guard case .version(let record) = try await record(id, from: remote, keeping: &recordBytes, report: &report), record.dataset == dataset else {
                    throw DatasetError.remote("\(remote.description): record \(id.short) is not a version of \(dataset)")
                }
                versions.append(record)
                cursor = record.parent
            }
            versions.reverse()
            for version in versions {
                if !objects.contains(version.tree) {
                    guard let bytes = try await remote.get(RemoteLayout.object(version.tree))?.bytes, ObjectID.of(bytes) == version.tree,
                          Tree.decode(bytes) != nil else {
                        throw DatasetError.remote("\(remote.description): the tree \(version.tree.short) of \(dataset) is missing or damaged there")
                    }
                    try storeSmall(bytes, in: objects)
                }
                for entry in try tree(id: version.tree).entries {
                    if objects.contains(entry.blob) { present.insert(entry.blob) } else { wanted[entry.blob] = entry.size }
                }
            }
            var tags = [(id: ObjectID, record: TagRecord)]()
            for key in try await remote.list(prefix: "tags/\(dataset)/").keys.sorted() {
                guard let body = try await remote.get(key),
                      let id = RemoteLayout.id(in: body),
                      case .tag(let tag) = try await record(id, from: remote, keeping: &recordBytes, report: &report), tag.dataset == dataset else { continue }
                tags.append((id, tag))
            }
            fetched.append(Fetched(dataset: dataset, remoteHead: headID, versions: versions, base: cursor, tags: tags, records: recordBytes))
        }
        report.objectsSent = wanted.count
        report.objectsSkipped = present.count
        report.bytesSent = wanted.values.reduce(0, +)
        let counter = TransferCounter(totalBytes: report.bytesSent, totalObjects: wanted.count, report: progress)
        try await forEach(Array(wanted).sorted { $0.key < $1.key }) { id, size in
            try await self.download(id, size: size, from: remote, counter: counter)
            counter.objectDone()
        }
        return fetched
    }

    /// A record from the local store, else from the remote (checked; its bytes go to `keeping`).
    private func record(_ id: ObjectID, from remote: any ObjectStore, keeping: inout [ObjectID: [UInt8]],
                        report: inout TransferReport) async throws -> StoredRecord {
        let bytes: [UInt8]
        if records.contains(id) {
            bytes = try records.readVerified(id)
        } else {
            guard let body = try await remote.get(RemoteLayout.record(id)) else {
                throw DatasetError.remote("\(remote.description) lacks the record \(id.short) its history needs")
            }
            guard ObjectID.of(body.bytes) == id else {
                throw DatasetError.remote("\(remote.description): the record \(id.short) arrived damaged (its bytes hash to \(ObjectID.of(body.bytes).short)); nothing was changed")
            }
            bytes = body.bytes
            keeping[id] = bytes
            report.records += 1
        }
        guard let decoded = StoredRecord.decode(bytes) else { throw DatasetError.remote("\(remote.description): \(id.short) is not a record wf wrote") }
        return decoded
    }

    /// One blob: small ones in memory, large ones streamed to a temporary file; either is
    /// checked against its id before it becomes an object (a truncated or damaged download
    /// is refused and leaves nothing).
    private func download(_ id: ObjectID, size: Int64, from remote: any ObjectStore, counter: TransferCounter) async throws {
        let key = RemoteLayout.object(id)
        if size < Self.largeObject {
            guard let body = try await remote.get(key) else { throw DatasetError.remote("\(remote.description) lacks the object \(id.short)") }
            guard ObjectID.of(body.bytes) == id else {
                throw DatasetError.remote("\(remote.description): object \(id.short) arrived damaged or cut short (\(body.bytes.count) of \(size) bytes); nothing was kept, pull again")
            }
            try storeSmall(body.bytes, in: objects)
            counter.add(bytes: size)
            return
        }
        let temporary = "\(temporaryDirectory)/download-\(getpid())-\(id.hex)"
        defer { FileIO.remove(temporary) }
        guard try await remote.download(key, to: temporary, progress: { counter.add(bytes: $0) }) else {
            throw DatasetError.remote("\(remote.description) lacks the object \(id.short)")
        }
        let fd = open(temporary, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw DatasetError.io(path: temporary, operation: "open", errno: errno) }
        var hasher = SHA256()
        do {
            try FileIO.forEachChunk(of: fd, path: temporary) { hasher.update(bufferPointer: $0) }
            close(fd)
        } catch {
            close(fd)
            throw error
        }
        let actual = ObjectID(digest: hasher.finalize())
        guard actual == id else {
            throw DatasetError.remote("\(remote.description): object \(id.short) arrived damaged or cut short (it hashes to \(actual.short)); nothing was kept, pull again")
        }
        chmod(temporary, 0o444)
        try FileIO.fsyncPath(temporary)
        try FileIO.makeDirectories(objects.folder(for: id))
        try FileIO.rename(temporary, objects.path(for: id))
        try FileIO.fsyncPath(objects.folder(for: id), directory: true)
    }

    /// Runs `body` on each item, `transferConcurrency` at a time; the first error stops the rest.
    func forEach<Item: Sendable>(_ items: [Item], _ body: @escaping @Sendable (Item) async throws -> Void) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            var iterator = items.makeIterator(), running = 0
            while running < Self.transferConcurrency, let item = iterator.next() {
                group.addTask { try await body(item) }
                running += 1
            }
            while try await group.next() != nil {
                if let item = iterator.next() { group.addTask { try await body(item) } }
            }
        }
    }
}
