import Foundation
import Testing
import TestSupport
@testable import Datasets

@Suite struct StoreTests {
    let scratch = Scratch("wf-store")
    var home: String { scratch("home") }

    func objectCount(_ store: DatasetStore) -> Int { (try? store.objects.allIDs().count) ?? -1 }

    @Test func identicalBytesAreStoredOnceAcrossDatasetsAndVersions() throws {
        let store = try DatasetStore(home: home)
        try scratch.write("in/a.txt", "same bytes")
        try scratch.write("in/b/c.txt", "same bytes")
        try scratch.write("in/d.txt", "other")
        let first = try store.commit(dataset: "one", paths: [scratch("in")], message: "first")
        #expect(first.files == 3 && first.bytes == 25 && first.sequence == 1 && first.parent == nil)
        // 2 distinct blobs + 1 tree.
        #expect(objectCount(store) == 3)
        let again = try store.commit(dataset: "two", paths: [scratch("in")], message: "copy")
        #expect(again.tree == first.tree)
        #expect(objectCount(store) == 3)
        let second = try store.commit(dataset: "one", paths: [scratch("in")], message: "unchanged")
        #expect(second.tree == first.tree && second.parent == first.id && second.sequence == 2 && second.id != first.id)
        #expect(TreeDiff(from: try store.tree(of: first), to: try store.tree(of: second)).isEmpty)
    }

    @Test func filesAndFoldersMapIntoTheVersionAsDocumented() throws {
        let store = try DatasetStore(home: home)
        try scratch.write("folder/x/y.txt", "y")
        try scratch.write("run.sh", "#!/bin/sh\n", executable: true)
        let version = try store.commit(dataset: "d", paths: [scratch("folder"), scratch("run.sh")], message: "")
        let tree = try store.tree(of: version)
        #expect(tree.entries.map(\.path) == ["run.sh", "x/y.txt"])
        #expect(tree.entry(at: "run.sh")?.executable == true)
        #expect(try store.contents(of: "x/y.txt", in: version) == Array("y".utf8))
        #expect(throws: DatasetError.fileNotInVersion(reference: version.reference, path: "nope")) {
            try store.contents(of: "nope", in: version)
        }
    }

    @Test func badInputWritesNothing() throws {
        let store = try DatasetStore(home: home)
        try scratch.write("a/f.txt", "1")
        try scratch.write("b/f.txt", "2")
        #expect(throws: DatasetError.missingPath(scratch("missing"))) {
            try store.commit(dataset: "d", paths: [scratch("a"), scratch("missing")], message: "")
        }
        #expect(throws: DatasetError.self) { try store.commit(dataset: "d", paths: [scratch("a"), scratch("b")], message: "") }
        #expect(throws: DatasetError.self) { try store.commit(dataset: "../escape", paths: [scratch("a")], message: "") }
        #expect(objectCount(store) == 0)
        #expect(try store.listDatasets().isEmpty)
        #expect(FileIO.listDirectory(store.temporaryDirectory).isEmpty)
    }

    @Test func referencesResolveByTagPrefixAndAncestor() throws {
        let store = try DatasetStore(home: home, durable: false)
        var made = [VersionInfo]()
        for i in 0..<5 {
            try scratch.write("v/f.txt", "content \(i)")
            made.append(try store.commit(dataset: "d", paths: [scratch("v")], message: "v\(i)"))
        }
        #expect(try store.resolve("d").id == made[4].id)
        #expect(try store.resolve("d:latest").id == made[4].id)
        #expect(try store.resolve("d~1").id == made[3].id)
        #expect(try store.resolve("d~4").id == made[0].id)
        #expect(try store.resolve("d:\(made[2].id.hex)").id == made[2].id)
        #expect(try store.resolve("d:\(made[2].id.hex.prefix(8))~1").id == made[1].id)
        #expect(throws: DatasetError.ancestorOutOfRange(reference: "d~5", steps: 5, available: 4)) { try store.resolve("d~5") }
        #expect(throws: DatasetError.unknownDataset("nope")) { try store.resolve("nope") }
        try store.tag("d~2", as: "good")
        #expect(try store.resolve("d:good").id == made[2].id)
        #expect(try store.resolve("d:good~1").id == made[1].id)
        #expect(try store.versions(of: "d").first { $0.id == made[2].id }?.tags == ["good"])
        try store.tag("d", as: "good")  // moving a tag
        #expect(try store.resolve("d:good").id == made[4].id)
        #expect(try store.resolve("d").tags == ["latest", "good"])
        #expect(throws: DatasetError.self) { try store.tag("d", as: "latest") }
    }

    @Test func anAmbiguousPrefixNamesTheCandidates() throws {
        let store = try DatasetStore(home: home, durable: false)
        var seen = [String: ObjectID]()
        var clash: (ObjectID, ObjectID)?
        var i = 0
        while clash == nil {
            try scratch.write("v/f.txt", "\(i)")
            let version = try store.commit(dataset: "d", paths: [scratch("v")], message: "")
            let prefix = String(version.id.hex.prefix(4))
            if let other = seen[prefix] { clash = (other, version.id) }
            seen[prefix] = version.id
            i += 1
        }
        let prefix = String(clash!.0.hex.prefix(4))
        #expect {
            try store.resolve("d:\(prefix)")
        } throws: { error in
            guard case DatasetError.ambiguousVersion(_, _, let candidates) = error else { return false }
            return Set(candidates) == [clash!.0.hex, clash!.1.hex] && String(describing: error).contains("give more hex digits")
        }
        #expect(try store.resolve("d:\(clash!.0.hex.prefix(12))").id == clash!.0)
        #expect(throws: DatasetError.self) { try store.resolve("d:abc") }  // 3 digits read as a tag
    }

    @Test func exportWritesEverythingOrNothing() throws {
        let store = try DatasetStore(home: home)
        try scratch.write("v/a.txt", "a")
        try scratch.write("v/deep/b.sh", "b", executable: true)
        let version = try store.commit(dataset: "d", paths: [scratch("v")], message: "")
        try store.export(version, to: scratch("out"))
        #expect(scratch.files(under: "out") == ["a.txt", "deep/b.sh"])
        #expect(try scratch.read("out/deep/b.sh") == "b")
        #expect(FileManager.default.isExecutableFile(atPath: scratch("out/deep/b.sh")))
        #expect(throws: DatasetError.exportTargetNotEmpty(scratch("out"))) { try store.export(version, to: scratch("out")) }
        // A corrupt blob fails the export and leaves no folder behind.
        let blob = try store.tree(of: version).entry(at: "a.txt")!.blob
        chmod(store.objects.path(for: blob), 0o644)
        try Data("x".utf8).write(to: URL(fileURLWithPath: store.objects.path(for: blob)))
        #expect(throws: DatasetError.self) { try store.export(version, to: scratch("out2")) }
        #expect(!FileManager.default.fileExists(atPath: scratch("out2")))
        #expect(FileIO.listDirectory(scratch(".")).filter { $0.hasPrefix(".wf-export-") }.isEmpty)
    }

    @Test func twoWritersOnOneDatasetKeepASingleLine() throws {
        let store = try DatasetStore(home: home)
        let other = try DatasetStore(home: home)
        for writer in 0..<2 { for i in 0..<10 { try scratch.write("w\(writer)-\(i)/f.txt", "writer \(writer) commit \(i)") } }
        let stores = [store, other]
        let scratchPath = scratch.path
        DispatchQueue.concurrentPerform(iterations: 2) { writer in
            for i in 0..<10 { _ = try! stores[writer].commit(dataset: "shared", paths: ["\(scratchPath)/w\(writer)-\(i)"], message: "") }
        }
        let history = try store.versions(of: "shared")
        #expect(history.count == 20)
        for (position, version) in history.enumerated() {
            #expect(version.sequence == 20 - position)
            #expect(version.parent == (position + 1 < history.count ? history[position + 1].id : nil))
        }
        #expect(try store.verify().isClean)
    }
}
