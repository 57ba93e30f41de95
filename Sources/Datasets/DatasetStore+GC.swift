#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import GRDB

extension DatasetStore {
    /// Removes every object and record that no indexed version or tag needs, and the
    /// temporaries of interrupted writes. Holds the exclusive lock, so no writer is between
    /// staging and committing while it sweeps: a blob a writer has staged or reused is safe.
    public func collectGarbage() throws -> GarbageReport {
        guard let index else { return GarbageReport() }
        let held = try lock(.exclusive)
        defer { withExtendedLifetime(held) {} }
        let snapshot = try index.read { db in try IndexSnapshot(db) }
        let objectListing = try objects.listing(), recordListing = try records.listing()
        var liveObjects = Set<ObjectID>()
        for treeID in Set(snapshot.versions.map(\.tree)).union(try pinnedTrees()) {
            liveObjects.insert(treeID)
            guard FileIO.exists(objects.path(for: treeID)) else { continue }
            // A tree that cannot be read hides which blobs it needs: sweep nothing.
            guard let tree = try? tree(id: treeID) else {
                throw DatasetError.corruptObject(id: treeID.hex, detail: "gc cannot tell which files it needs")
            }
            for entry in tree.entries { liveObjects.insert(entry.blob) }
        }
        let liveRecords = Set(snapshot.versions.map(\.id)).union(snapshot.tags.map(\.record))
        // An index that lost versions (one started empty over existing records, say) would
        // have gc delete them: read every record gc would delete, and refuse if one is a
        // version the index should list.
        var unindexed = [VersionRecord]()
        for id in recordListing.ids where !liveRecords.contains(id) {
            let bytes = try FileIO.read(records.path(for: id))
            if ObjectID.of(bytes) == id, case .version(let record) = StoredRecord.decode(bytes) { unindexed.append(record) }
        }
        let missing = snapshot.versionsMissing(from: unindexed)
        if !missing.isEmpty { throw DatasetError.indexMissesVersions(summary: IndexSnapshot.describe(missing)) }
        var report = GarbageReport()
        for id in objectListing.ids where !liveObjects.contains(id) {
            report.bytesFreed += FileIO.fileSize(objects.path(for: id)) ?? 0
            FileIO.remove(objects.path(for: id))
            report.objectsRemoved += 1
        }
        for id in recordListing.ids where !liveRecords.contains(id) {
            report.bytesFreed += FileIO.fileSize(records.path(for: id)) ?? 0
            FileIO.remove(records.path(for: id))
            report.recordsRemoved += 1
        }
        for path in leftoverTemporaries(objectListing.temporaries + recordListing.temporaries) {
            report.bytesFreed += FileIO.fileSize(path) ?? 0
            FileIO.removeTree(path)
            report.temporariesRemoved += 1
        }
        return report
    }
}

extension DatasetStore {
    /// Temporaries of interrupted writes: everything in `tmp/`, plus `fanOutTemporaries`
    /// (from `ContentAddressedDirectory.listing`).
    func leftoverTemporaries(_ fanOutTemporaries: [String]) -> [String] {
        FileIO.listDirectory(temporaryDirectory).map { "\(temporaryDirectory)/\($0)" } + fanOutTemporaries
    }
}

/// Pins: trees stored for a run that has not committed yet (`storeTree(_:pinnedFor:)`), kept
/// by `gc` while the run's record says it is running, as empty files `pins/RUN/TREE-ID`.
extension DatasetStore {
    var pinsRoot: String { root + "/pins" }

    func pin(_ tree: ObjectID, for run: String) throws {
        guard !run.isEmpty, !run.contains("/"), run != ".", run != ".." else { throw DatasetError.unknownRun(run) }
        try FileIO.makeDirectories("\(pinsRoot)/\(run)")
        let path = "\(pinsRoot)/\(run)/\(tree.hex)"
        let fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw DatasetError.io(path: path, operation: "create", errno: errno) }
        close(fd)
    }

    /// The trees pinned for runs still running; the pins of runs that ended (or that the index
    /// does not know) are removed. Called by gc under the exclusive lock.
    func pinnedTrees() throws -> Set<ObjectID> {
        let runs = FileIO.listDirectory(pinsRoot)
        guard !runs.isEmpty, let index else { return [] }
        let running = try index.read { db in
            Set(try String.fetchAll(db, sql: "SELECT id FROM runs WHERE status = 'running'"))
        }
        var trees = Set<ObjectID>()
        for run in runs {
            guard running.contains(run) else {
                FileIO.removeTree("\(pinsRoot)/\(run)")
                continue
            }
            for name in FileIO.listDirectory("\(pinsRoot)/\(run)") { if let id = ObjectID(hex: name) { trees.insert(id) } }
        }
        return trees
    }
}
