import Foundation
import GRDB

/// A store that lives in a bucket (`wf datasets remote add NAME s3://… --store`), shared by
/// every machine whose home names it. The bucket holds the truth in the remote layout
/// (`RemoteLayout`); each home's `datasets/` folder is a cache of it: the objects this machine
/// has read or written, the records, and the SQLite index, which `synchronize()` (and so
/// `verify --repair`) brings up to the bucket.
///
/// A commit stages and stores its blobs and trees locally as always, sends the ones the
/// bucket lacks, then moves the bucket's head of each dataset by compare-and-swap (S3's
/// `If-Match`, or `If-None-Match: *` for a new dataset) from the head it read to a record whose
/// parent is that head. When another machine moved the head first, the commit reads the
/// newer versions, makes its record again on top of them, and tries again: histories stay
/// single lines and no version is lost. Only a version that won its swap enters the local
/// index, so no reader on any machine ever sees a version the bucket lacks.
///
/// What is not atomic: a run's outputs in several datasets land one dataset at a time (S3 has
/// no transaction over several keys); each one whole.
extension DatasetStore {
    /// Swaps tried before a commit gives up on a head that keeps moving.
    static let sharedCommitAttempts = 32

    /// Brings the local cache up to the bucket: every dataset's versions, trees, blobs and
    /// tags that it lacks (a pull of all). Nothing when the store is not shared.
    @discardableResult
    public func synchronize(progress: @escaping @Sendable (TransferProgress) -> Void = { _ in }) throws -> TransferReport? {
        guard let upstream else { return nil }
        let held = try sharedLock()
        defer { withExtendedLifetime(held) {} }
        return try Blocking.wait {
            // An empty bucket is a store with no datasets yet, not an error as a pull of it is.
            let datasets = try await upstream.list(prefix: "heads/").keys.map { String($0.dropFirst("heads/".count)) }.sorted()
            guard !datasets.isEmpty else { return TransferReport() }
            return try await self.pull(datasets, from: upstream, progress: progress)
        }
    }

    /// The shared half of `commit(_:completingRun:)`: the blobs and trees are stored locally;
    /// each version is published to `upstream` in turn, then the run's outputs and success are
    /// recorded locally in one transaction.
    func commitShared(_ pending: [PendingVersion], trees: [(tree: Tree, id: ObjectID)], completingRun runID: String?,
                      upstream: any ObjectStore) throws -> [VersionInfo] {
        let index = try writableIndex()
        var needed = [ObjectID: Int64]()
        for (tree, id) in trees {
            needed[id] = Int64(tree.canonicalBytes.count)
            for entry in tree.entries { needed[entry.blob] = entry.size }
        }
        let objects = needed
        try Blocking.wait { try await self.sendMissing(objects, to: upstream) }
        var versions = [VersionInfo]()
        for (version, tree) in zip(pending, trees) {
            versions.append(try publish(version, tree: tree, to: upstream, index: index))
        }
        if let runID {
            try index.write { db in
                for (version, info) in zip(pending, versions) {
                    if let (job, output) = version.runOutput {
                        try Self.setJobOutput(run: runID, job: job, output: output, value: info.reference, in: db)
                    }
                }
                try Self.markRunFinished(runID, status: .succeeded, summary: nil, at: .now(), in: db)
            }
        }
        return versions
    }

    /// One version: read the bucket's head, bring the local history up to it, make the record
    /// on top of it, send the record, swap the head; again from the top when the swap loses.
    private func publish(_ version: PendingVersion, tree: (tree: Tree, id: ObjectID), to upstream: any ObjectStore,
                         index: DatasetIndex) throws -> VersionInfo {
        let headKey = RemoteLayout.head(version.dataset)
        var tried = [ObjectID]()
        let held = try sharedLock()
        defer { withExtendedLifetime(held) {} }
        for attempt in 1...Self.sharedCommitAttempts {
            let head = try Blocking.wait { try await upstream.get(headKey) }
            let headID = try head.map { body in
                guard let id = RemoteLayout.id(in: body) else {
                    throw DatasetError.remote("\(upstream.description): \(headKey) does not hold a version id")
                }
                return id
            }
            if let headID, !(try knows(headID, index: index)) {
                _ = try Blocking.wait { try await self.pull([version.dataset], from: upstream) }
            }
            // A swap whose answer was lost (the connection dropped after the write) looks
            // lost; the record it sent is then in the history the pull just read.
            if let won = try tried.lazy.compactMap({ try self.indexed($0, index: index) }).first { return won }
            let local = try index.read { db in try DatasetIndex.head(of: version.dataset, in: db) }
            guard local?.id == headID else {
                if headID == nil {
                    throw DatasetError.remote("\(version.dataset) has versions here that \(upstream.description) lacks; push them (wf datasets push \(version.dataset)) before committing to the shared store")
                }
                continue  // the head moved again while the pull ran
            }
            let record = VersionRecord(dataset: version.dataset, parent: headID, tree: tree.id, created: Timestamp.now(),
                                       message: version.message, provenance: version.provenance)
            let bytes = record.canonicalBytes, id = ObjectID.of(bytes)
            tried.append(id)
            let condition: WriteCondition = head.map { .ifMatch($0.etag ?? "") } ?? .ifAbsent
            let swapped = try Blocking.wait {
                _ = try await upstream.put(RemoteLayout.record(id), bytes: bytes, sha256: id.hex, condition: .always)
                return try await upstream.put(headKey, bytes: Array(id.hex.utf8), sha256: nil, condition: condition)
            }
            guard swapped else {
                // Another machine committed first: wait a little (jittered, growing) and rebase.
                Thread.sleep(forTimeInterval: Double.random(in: 0...(0.02 * Double(min(attempt, 10)))))
                continue
            }
            // The bucket has the version: the cache records it durably, then indexes it.
            try storeSmall(bytes, in: records)
            let info = VersionInfo(id: id, dataset: version.dataset, sequence: (local?.sequence ?? 0) + 1, parent: headID, tree: tree.id,
                                   created: record.created, message: version.message, files: tree.tree.fileCount,
                                   bytes: tree.tree.totalBytes, provenance: version.provenance, tags: [])
            try index.write { db in
                // Another process of this home may have pulled it already.
                if try !DatasetIndex.hasVersion(id, in: db) {
                    try DatasetIndex.insert(info, into: db)
                }
            }
            return info
        }
        throw DatasetError.remote("\(upstream.description): the head of \(version.dataset) moved \(Self.sharedCommitAttempts) times while committing; too many writers at once, try again")
    }

    /// Processes of one home catch up with the bucket and publish one at a time (machines
    /// race only through the bucket's swaps): two pulls of one history into one index would
    /// each see the other's versions as a local change.
    private func sharedLock() throws -> StoreLock { try StoreLock(path: root + "/shared.lock", mode: .exclusive) }

    private func knows(_ id: ObjectID, index: DatasetIndex) throws -> Bool {
        try index.read { db in try DatasetIndex.hasVersion(id, in: db) }
    }

    private func indexed(_ id: ObjectID, index: DatasetIndex) throws -> VersionInfo? {
        guard try knows(id, index: index), let record = try? records.readVerified(id), case .version(let version) = StoredRecord.decode(record) else { return nil }
        return try resolve("\(version.dataset):\(id.hex)")
    }

    /// Sends the objects of `needed` (id → size) that `remote` lacks: a HEAD per object for a
    /// few, one listing for many (a listing costs a request per 1,000 keys in the bucket).
    func sendMissing(_ needed: [ObjectID: Int64], to remote: any ObjectStore,
                     progress: @escaping @Sendable (TransferProgress) -> Void = { _ in }) async throws {
        let missing: [ObjectID: Int64]
        if needed.count > 64 {
            let have = Set(try await remote.list(prefix: "objects/").keys.compactMap { RemoteLayout.id(of: $0[...]) })
            missing = needed.filter { !have.contains($0.key) }
        } else {
            let absent = ResultSlots<Bool>(count: needed.count)
            let ids = Array(needed.keys)
            try await forEach(Array(ids.enumerated())) { offset, id in
                absent.set(offset, !(try await remote.exists(RemoteLayout.object(id))))
            }
            missing = Dictionary(uniqueKeysWithValues: ids.enumerated().filter { absent.values[$0.offset] == true }.map { ($0.element, needed[$0.element]!) })
        }
        let counter = TransferCounter(totalBytes: missing.values.reduce(0, +), totalObjects: missing.count, report: progress)
        try await send(missing, to: remote, counter: counter)
    }
}
