import Dispatch
import GRDB

/// One version to commit as part of `DatasetStore.commit(_:completingRun:)`: the files and
/// folders of `paths` (mapped as `SourceScanner` maps them) as the next version of `dataset`.
public struct PendingVersion: Sendable {
    public var dataset: String
    public var paths: [String]
    public var message: String
    public var provenance: Provenance
    /// The run job and output this version is, recorded in the run's job row in the same
    /// transaction (`wf runs show` lists it).
    public var runOutput: (job: String, output: String)?
    /// A tree already in the store (`storeTree`, a job's output that `wf job exec` stored on
    /// another node): the version is that tree and `paths` is ignored.
    public var tree: ObjectID?

    public init(dataset: String, paths: [String], message: String, provenance: Provenance = Provenance(),
                runOutput: (job: String, output: String)? = nil) {
        self.dataset = dataset
        self.paths = paths
        self.message = message
        self.provenance = provenance
        self.runOutput = runOutput
    }

    /// A version whose files are a tree the store holds.
    public init(dataset: String, tree: ObjectID, message: String, provenance: Provenance = Provenance(),
                runOutput: (job: String, output: String)? = nil) {
        self.init(dataset: dataset, paths: [], message: message, provenance: provenance, runOutput: runOutput)
        self.tree = tree
    }
}

extension DatasetStore {
    /// Commits files and folders on disk as a new version of `dataset` (see `SourceScanner`
    /// for how paths map into the version). Nothing is written when an input is invalid.
    public func commit(dataset: String, paths: [String], message: String, provenance: Provenance = Provenance(),
                       progress: (@Sendable (Int, Int) -> Void)? = nil) throws -> VersionInfo {
        try commit([PendingVersion(dataset: dataset, paths: paths, message: message, provenance: provenance)], progress: progress)[0]
    }

    /// Commits several versions, all or none: every input is scanned before anything is
    /// written, every blob staged and published and every tree stored, then one `BEGIN
    /// IMMEDIATE` transaction writes each record and moves each head (versions of one
    /// dataset follow each other in the order given) and, with `completingRun`, marks that
    /// run succeeded. A failure or a kill at any point before the transaction commits leaves
    /// no version visible (only unreferenced objects and records, which `gc` removes); after
    /// it, every version and the run's success are durable together. This is what makes a
    /// run's outputs exactly once: a retried run finds its outputs committed if and only if
    /// its run record says it succeeded.
    public func commit(_ pending: [PendingVersion], completingRun runID: String? = nil,
                       progress: (@Sendable (Int, Int) -> Void)? = nil) throws -> [VersionInfo] {
        for version in pending { try DatasetName.validate(version.dataset) }
        let sources = try pending.map { $0.tree == nil ? try SourceScanner.scan($0.paths) : [] }
        let index = try writableIndex()
        let held = try lock(.shared)
        defer { withExtendedLifetime(held) {} }
        let stored = try storeTrees(sources, progress: progress)
        let trees = try zip(pending, stored).map { version, stored in
            // A stored tree is read back whole: a version never names a tree the store lacks or that is damaged.
            try version.tree.map { (tree: try tree(id: $0), id: $0) } ?? stored
        }
        if let upstream { return try commitShared(pending, trees: trees, completingRun: runID, upstream: upstream) }
        return try index.write { db in
            var versions = [VersionInfo]()
            for (version, tree) in zip(pending, trees) {
                let head = try DatasetIndex.head(of: version.dataset, in: db)
                let record = VersionRecord(dataset: version.dataset, parent: head?.id, tree: tree.id, created: Timestamp.now(),
                                           message: version.message, provenance: version.provenance)
                // The record is durable before the transaction commits: a kill in between leaves an
                // unreferenced record, never an indexed version without one.
                let id = try storeSmall(record.canonicalBytes, in: records)
                let info = VersionInfo(id: id, dataset: version.dataset, sequence: (head?.sequence ?? 0) + 1, parent: head?.id,
                                       tree: tree.id, created: record.created, message: version.message, files: tree.tree.fileCount,
                                       bytes: tree.tree.totalBytes, provenance: version.provenance, tags: [])
                try DatasetIndex.insert(info, into: db)
                if let runID, let (job, output) = version.runOutput {
                    try Self.setJobOutput(run: runID, job: job, output: output, value: info.reference, in: db)
                }
                versions.append(info)
            }
            if let runID { try Self.markRunFinished(runID, status: .succeeded, summary: nil, at: .now(), in: db) }
            return versions
        }
    }

    /// Stores the files and folders of `paths` (mapped as `SourceScanner` maps them) as a tree,
    /// without making a version: its blobs and manifest are content-addressed objects, so
    /// storing the same files twice gives the same id and writes nothing new. `wf job exec`
    /// stores a job's outputs this way; a commit then names the tree (`PendingVersion(tree:)`).
    /// A tree no version names is garbage to `gc`, unless it is pinned for a run that is still
    /// running (`pinnedFor`): a job's output waits there for the run's commit.
    /// - Returns: the tree's id (sha256 of its canonical manifest).
    public func storeTree(_ paths: [String], pinnedFor run: String? = nil) throws -> ObjectID {
        let sources = try SourceScanner.scan(paths)
        _ = try writableIndex()
        let held = try lock(.shared)
        defer { withExtendedLifetime(held) {} }
        let id = try storeTrees([sources], progress: nil)[0].id
        // Pinned under the same lock: gc, which takes it exclusively, sees the tree and its pin together.
        if let run { try pin(id, for: run) }
        return id
    }

    /// Stages and publishes every file of every source list, then stores one tree per list.
    private func storeTrees(_ sources: [[SourceFile]], progress: (@Sendable (Int, Int) -> Void)?) throws -> [(tree: Tree, id: ObjectID)] {
        let staged = try stage(sources.flatMap { $0 }, progress: progress)
        let stager = self.stager
        do {
            try stager.publish(staged)
        } catch {
            stager.discard(staged)
            throw error
        }
        var trees = [(tree: Tree, id: ObjectID)]()
        var offset = 0
        for files in sources {
            let blobs = staged[offset..<(offset + files.count)]
            offset += files.count
            let entries = zip(files, blobs).map { source, blob in
                TreeEntry(path: source.datasetPath, size: blob.size, executable: source.executable, blob: blob.id)
            }
            let tree = try Tree(entries: entries)
            trees.append((tree, try storeSmall(tree.canonicalBytes, in: objects)))
        }
        return trees
    }

    /// Hashes and stages every file, on all cores.
    private func stage(_ sources: [SourceFile], progress: (@Sendable (Int, Int) -> Void)?) throws -> [StagedBlob] {
        let stager = self.stager
        let results = ResultSlots<StagedBlob>(count: sources.count)
        let workers = max(1, min(sources.count, System.activeProcessorCount))
        let done = Counter()
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            var index = worker
            while index < sources.count, !results.failed {
                do {
                    results.set(index, try stager.stage(file: sources[index].sourcePath))
                } catch {
                    results.fail(error)
                }
                let finished = done.increment()
                if let progress, finished % 256 == 0 || finished == sources.count { progress(finished, sources.count) }
                index += workers
            }
        }
        if let error = results.error {
            stager.discard(results.values.compactMap { $0 })
            throw error
        }
        return results.values.map { $0! }
    }
}
