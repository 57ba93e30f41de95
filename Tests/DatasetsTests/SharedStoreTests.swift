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

    @Test func committersOnTwoHomesKeepOneLineAndLoseNothing() async throws {
        let bucket = FolderObjectStore(root: scratch("bucket"))
        let a = try DatasetStore(home: scratch("a"), upstream: bucket)
        let b = try DatasetStore(home: scratch("b"), upstream: bucket)
        let rounds = 8
        let paths = try (0..<(2 * rounds)).map { try file("f\($0).txt", "file \($0)\n") }
        try await onOwnThread {
            DispatchQueue.concurrentPerform(iterations: 2 * rounds) { number in
                let store = number % 2 == 0 ? a : b
                #expect(throws: Never.self) { try store.commit(dataset: "shared", paths: [paths[number]], message: "m\(number)") }
            }
            try a.synchronize()
            try b.synchronize()
        }
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

    /// A folder remote whose first head swap is written but answered as lost (a dropped
    /// connection whose retry then meets its own write): the faults a network gives.
    struct LostFirstSwapAnswer: ObjectStore {
        let inner: FolderObjectStore
        let lost = Counter()
        var description: String { inner.description }
        var conditionalWrites: Bool { true }
        func get(_ key: String) async throws -> ObjectBody? { try await inner.get(key) }
        func exists(_ key: String) async throws -> Bool { try await inner.exists(key) }
        func download(_ key: String, to file: String, progress: @escaping @Sendable (Int64) -> Void) async throws -> Bool {
            try await inner.download(key, to: file, progress: progress)
        }
        func put(_ key: String, bytes: [UInt8], sha256: String?, condition: WriteCondition) async throws -> Bool {
            let written = try await inner.put(key, bytes: bytes, sha256: sha256, condition: condition)
            return key.hasPrefix("heads/") && lost.next() == 1 ? false : written
        }
        func upload(_ key: String, file: String, size: Int64, sha256: String, resumeFolder: String,
                    progress: @escaping @Sendable (Int64) -> Void) async throws {
            try await inner.upload(key, file: file, size: size, sha256: sha256, resumeFolder: resumeFolder, progress: progress)
        }
        func list(prefix: String) async throws -> [String: Int64] { try await inner.list(prefix: prefix) }
        func delete(_ key: String) async throws { try await inner.delete(key) }
    }

    final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var value = 0
        func next() -> Int { lock.withLock { value += 1; return value } }
    }

    @Test func aSwapWhoseAnswerWasLostIsNotCommittedTwice() async throws {
        let bucket = LostFirstSwapAnswer(inner: FolderObjectStore(root: scratch("bucket3")))
        let store = try DatasetStore(home: scratch("d"), upstream: bucket)
        let path = try file("once.txt", "once\n")
        let committed = try await onOwnThread { try store.commit(dataset: "once", paths: [path], message: "once") }
        #expect(bucket.lost.next() == 2)  // one swap: answered as lost, then found in the history, not swapped again
        #expect(try store.versions(of: "once").map(\.id) == [committed.id])
        let other = try DatasetStore(home: scratch("e"), upstream: bucket.inner)
        try await onOwnThread { try other.synchronize() }
        #expect(try other.versions(of: "once").map(\.id) == [committed.id])
    }
}
