import Dispatch
import GRDB

extension DatasetStore {
    /// Commits files and folders on disk as a new version of `dataset` (see `SourceScanner`
    /// for how paths map into the version). Nothing is written when an input is invalid.
    public func commit(dataset: String, paths: [String], message: String, provenance: Provenance = Provenance(),
                       progress: (@Sendable (Int, Int) -> Void)? = nil) throws -> VersionInfo {
        try DatasetName.validate(dataset)
        let sources = try SourceScanner.scan(paths)
        let held = try lock(.shared)
        defer { withExtendedLifetime(held) {} }
        let staged = try stage(sources, progress: progress)
        let stager = self.stager
        do {
            try stager.publish(staged)
        } catch {
            stager.discard(staged)
            throw error
        }
        let entries = zip(sources, staged).map { source, blob in
            TreeEntry(path: source.datasetPath, size: blob.size, executable: source.executable, blob: blob.id)
        }
        return try commit(dataset: dataset, tree: try Tree(entries: entries), message: message, provenance: provenance)
    }

    /// Commits a tree whose blobs are already in the store.
    func commit(dataset: String, tree: Tree, message: String, provenance: Provenance) throws -> VersionInfo {
        let index = try writableIndex()
        let treeID = try storeSmall(tree.canonicalBytes, in: objects)
        return try index.write { db in
            let head = try DatasetIndex.head(of: dataset, in: db)
            let record = VersionRecord(dataset: dataset, parent: head?.id, tree: treeID, created: Timestamp.now(),
                                       message: message, provenance: provenance)
            // The record is durable before the transaction commits: a kill in between leaves an
            // unreferenced record, never an indexed version without one.
            let id = try storeSmall(record.canonicalBytes, in: records)
            let version = VersionInfo(id: id, dataset: dataset, sequence: (head?.sequence ?? 0) + 1, parent: head?.id,
                                      tree: treeID, created: record.created, message: message, files: tree.fileCount,
                                      bytes: tree.totalBytes, provenance: provenance, tags: [])
            try DatasetIndex.insert(version, into: db)
            return version
        }
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
