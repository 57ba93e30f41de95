import Foundation
import Testing
import TestSupport
@testable import Datasets

/// verify, verify --repair and gc.
@Suite struct MaintenanceTests {
    let scratch = Scratch("wf-maintenance")
    var home: String { scratch("home") }

    /// A store with two datasets, three versions and a tag.
    func populated() throws -> (DatasetStore, [VersionInfo]) {
        let store = try DatasetStore(home: home)
        var made = [VersionInfo]()
        for (dataset, text) in [("a", "one"), ("a", "two"), ("b", "three")] {
            try scratch.write("in/f.txt", text)
            try scratch.write("in/shared.txt", "shared")
            made.append(try store.commit(dataset: dataset, paths: [scratch("in")], message: text))
        }
        try store.tag("a~1", as: "first")
        return (store, made)
    }

    func overwrite(_ path: String, with text: String) throws {
        chmod(path, 0o644)
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }

    @Test func aHealthyStoreIsClean() throws {
        let (store, _) = try populated()
        let report = try store.verify()
        #expect(report.isClean && report.notes.isEmpty)
        #expect(report.datasets == 2 && report.versions == 3 && report.records == 4)
    }

    @Test func aCorruptBlobIsFoundAndSetAside() throws {
        let (store, made) = try populated()
        let blob = try store.tree(of: made[1]).entry(at: "f.txt")!.blob
        try overwrite(store.objects.path(for: blob), with: "tampered")
        let report = try store.verify()
        #expect(!report.isClean)
        #expect(report.problems.contains { $0.contains("does not hash to its name") })
        #expect(report.problems.contains { $0.contains("a:\(made[1].id.short): file f.txt") })
        let repaired = try DatasetStore.repair(home: home)
        #expect(repaired.repairs.contains { $0.contains("corrupt/") })
        #expect(FileManager.default.fileExists(atPath: "\(store.root)/corrupt"))
        // The version stays, flagged, until the same bytes are put again.
        #expect(repaired.problems.count == 1)
        try scratch.write("in/f.txt", "two")
        _ = try store.commit(dataset: "c", paths: [scratch("in")], message: "heal")
        #expect(try store.verify().isClean)
    }

    @Test func aLostIndexIsRebuiltFromTheRecordsAlone() throws {
        let (store, _) = try populated()
        let before = try store.index!.read { try IndexSnapshot($0) }
        for suffix in ["", "-wal", "-shm"] { unlink(store.indexPath + suffix) }
        #expect(throws: DatasetError.self) { try DatasetStore(home: home) }
        #expect(throws: DatasetError.self) { try DatasetStore(home: home, mode: .readOnly) }
        let report = try DatasetStore.repair(home: home)
        #expect(report.isClean)
        let rebuilt = try DatasetStore(home: home)
        let after = try rebuilt.index!.read { try IndexSnapshot($0) }
        #expect(after.versions.sorted { $0.id < $1.id } == before.versions.sorted { $0.id < $1.id })
        #expect(after.datasets.sorted { $0.name < $1.name } == before.datasets.sorted { $0.name < $1.name })
        #expect(try rebuilt.resolve("a:first").id == before.versions.first { $0.sequence == 1 && $0.dataset == "a" }!.id)
    }

    @Test func aGarbledIndexIsMovedAsideAndRebuilt() throws {
        let (store, made) = try populated()
        for suffix in ["-wal", "-shm"] { unlink(store.indexPath + suffix) }
        try overwrite(store.indexPath, with: String(repeating: "not a database ", count: 400))
        #expect(throws: DatasetError.self) { try DatasetStore(home: home).listDatasets() }
        let report = try DatasetStore.repair(home: home)
        #expect(report.isClean)
        #expect(report.repairs.contains { $0.contains("is damaged") })
        #expect(try DatasetStore(home: home).resolve("a").id == made[1].id)
    }

    @Test func anInterruptedCommitRecordIsNotResurrectedOverTheIndexHead() throws {
        let (store, made) = try populated()
        // A record written but never indexed, as a kill between the two would leave.
        let orphan = VersionRecord(dataset: "a", parent: made[1].id, tree: made[1].tree, created: Timestamp.now(),
                                   message: "cut off", provenance: Provenance())
        try store.storeSmall(orphan.canonicalBytes, in: store.records)
        #expect(try store.verify().isClean)
        #expect(try store.verify().notes.contains { $0.contains("not in the index") })
        _ = try DatasetStore.repair(home: home)
        #expect(try store.resolve("a").id == made[1].id)
        let garbage = try store.collectGarbage()
        #expect(garbage.recordsRemoved == 1)
        #expect(try store.verify().notes.isEmpty)
    }

    @Test func gcRemovesOnlyWhatNothingNeeds() throws {
        let (store, made) = try populated()
        let kept = try store.objects.allIDs().count
        try store.tag("a", as: "first")  // moves the tag: the old tag record becomes garbage
        try store.storeSmall(Array("loose object".utf8), in: store.objects)
        try scratch.write("home/datasets/tmp/.tmp-1-1", "half-written record")
        try scratch.write("home/datasets/objects/sha256/ab/.tmp-1-2", "half-written blob")
        #expect(try store.verify().notes.contains { $0.contains("2 temporary files") })
        let report = try store.collectGarbage()
        #expect(report.objectsRemoved == 1 && report.recordsRemoved == 1 && report.temporariesRemoved == 2)
        #expect(try store.objects.allIDs().count == kept)
        #expect(try store.verify().isClean)
        for version in made { _ = try store.export(version, to: scratch("export-\(version.id.short)")) }
        #expect(try store.collectGarbage() == GarbageReport())
    }

    /// A tree `wf job exec` stored for a run that has not committed yet is kept by gc while the
    /// run is running, and swept with its pin once the run has ended.
    @Test func gcKeepsTreesPinnedForARunningRun() throws {
        let (store, _) = try populated()
        try scratch.write("job-output/part.txt", "a job's output, waiting for its run's commit\n")
        try store.recordRunStarted(RunRecord(id: "run-pinned", workflow: "w.yaml", repository: "r", commit: nil, trigger: "test", pid: 1))
        let tree = try store.storeTree([scratch("job-output")], pinnedFor: "run-pinned")
        try scratch.write("other-output/x.txt", "an output no run waits for\n")
        let unpinned = try store.storeTree([scratch("other-output")])
        #expect(try store.collectGarbage().objectsRemoved == 2, "the unpinned tree and its blob go; the pinned one and its blob stay")
        try store.export(tree: tree, to: scratch("exported"))
        #expect(FileManager.default.fileExists(atPath: scratch("exported/part.txt")))
        #expect(unpinned != tree)
        try store.recordRunFinished("run-pinned", status: .failed, summary: "ended")
        #expect(try store.collectGarbage().objectsRemoved == 2, "the run ended: its tree and blob are garbage")
        #expect(!FileManager.default.fileExists(atPath: "\(store.root)/pins/run-pinned"))
        #expect(try store.verify().isClean)
    }

    /// What the old repair left after a full disk: an empty index over existing records.
    @Test func anIndexMissingVersionsIsAProblemAndGCRefusesToSweepThem() throws {
        let (store, made) = try populated()
        for suffix in ["", "-wal", "-shm"] { unlink(store.indexPath + suffix) }
        let emptied = try DatasetStore(home: home, indexOpening: .rebuild)
        let records = try emptied.records.allIDs().count
        let report = try emptied.verify()
        #expect(report.problems.contains { $0.contains("does not list versions") && $0.contains("a: 2") })
        #expect(throws: DatasetError.self) { try emptied.collectGarbage() }
        #expect(try emptied.records.allIDs().count == records)
        _ = try DatasetStore.repair(home: home)
        #expect(try DatasetStore(home: home).resolve("a").id == made[1].id)
        #expect(try DatasetStore(home: home).collectGarbage().recordsRemoved == 0)
    }

    @Test func aRepairChangesNothingWhenAFileCannotBeRead() throws {
        let (store, made) = try populated()
        // A record that cannot be read (a folder in its place reads as EISDIR) is not proven
        // damaged: the repair stops before it sets anything aside.
        let path = store.records.path(for: made[0].id)
        let bytes = try FileIO.read(path)
        chmod(path, 0o644)
        unlink(path)
        mkdir(path, 0o755)
        #expect {
            try DatasetStore.repair(home: home)
        } throws: { error in
            (error as? DatasetError).map { if case .unreadableStore = $0 { return true } else { return false } } ?? false
        }
        #expect(!FileManager.default.fileExists(atPath: "\(store.root)/corrupt"))
        #expect(try store.resolve("a~1").id == made[0].id)
        rmdir(path)
        try FileIO.writeAtomically(bytes, to: path, temporaryDirectory: store.temporaryDirectory)
        #expect(try store.verify().isClean)
    }

    @Test func indexErrorsGiveAdviceByCause() {
        let damaged = DatasetError.indexUnavailable(path: "i", cause: .damaged, detail: "x").description
        #expect(damaged.contains("verify --repair"))
        for cause in [IndexFailure.full, .readOnly, .busy, .io] {
            #expect(!DatasetError.indexUnavailable(path: "i", cause: cause, detail: "x").description.contains("--repair"))
        }
        #expect(DatasetError.io(path: "p", operation: "write", errno: ENOSPC).description.contains("free space"))
    }
}
