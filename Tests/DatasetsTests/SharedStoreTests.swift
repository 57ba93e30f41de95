import Datasets
import Foundation
import Testing
import TestSupport

/// Stores living in one remote (`DatasetStore+Shared`), here a folder with the same
/// compare-and-swap as a bucket: concurrent committers from two homes keep one line.
@Suite struct SharedStoreTests {
    let scratch = Scratch("wf-shared")

    func file(_ name: String, _ text: String) throws -> String {
        let path = scratch("files/\(name)")
        try FileManager.default.createDirectory(atPath: scratch("files"), withIntermediateDirectories: true)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func committersOnTwoHomesKeepOneLineAndLoseNothing() throws {
        let bucket = FolderObjectStore(root: scratch("bucket"))
        let a = try DatasetStore(home: scratch("a"), upstream: bucket)
        let b = try DatasetStore(home: scratch("b"), upstream: bucket)
        let rounds = 8
        let paths = try (0..<(2 * rounds)).map { try file("f\($0).txt", "file \($0)\n") }
        DispatchQueue.concurrentPerform(iterations: 2 * rounds) { number in
            let store = number % 2 == 0 ? a : b
            #expect(throws: Never.self) { try store.commit(dataset: "shared", paths: [paths[number]], message: "m\(number)") }
        }
        try a.synchronize()
        try b.synchronize()
        let historyA = try a.versions(of: "shared"), historyB = try b.versions(of: "shared")
        #expect(historyA.count == 2 * rounds)
        #expect(historyA.map(\.id) == historyB.map(\.id))
        #expect(Set(historyA.map(\.message)).count == 2 * rounds)
        for (newer, older) in zip(historyA, historyA.dropFirst()) { #expect(newer.parent == older.id) }
        #expect(try a.verify().isClean && b.verify().isClean)
    }

    @Test func aSharedHomeOpenedWithoutItsBucketIsRefused() throws {
        let home = scratch("c")
        let store = try DatasetStore(home: home)
        try store.addRemote(RemoteConfig(name: "team", url: scratch("bucket2"), store: true))
        #expect(throws: DatasetError.self) { try DatasetStore(home: home) }
        // Reading the cache (and its settings) stays possible.
        #expect(try DatasetStore(home: home, mode: .readOnly).remotes().map(\.name) == ["team"])
    }
}
