import Foundation
import Testing
import TestSupport
@testable import Datasets

/// A file written to while `put` reads it was once committed torn (bytes it never held).
@Suite struct TornReadTests {
    let scratch = Scratch("wf-torn")

    /// A writer appends to the file the whole time: every read (of 24 MiB, far longer than
    /// the writer's pauses) sees it change, so the commit is refused, naming the file, and
    /// nothing is committed.
    @Test func aFileThatKeepsChangingIsRefused() throws {
        let size = 24 << 20
        let store = try DatasetStore(home: scratch("home"))
        let path = try scratch.write("in/growing.bin", bytes: [UInt8](repeating: 7, count: size))
        let stop = Flag()
        let writer = Thread {
            let fd = open(path, O_WRONLY | O_APPEND)
            defer { close(fd) }
            let chunk = [UInt8](repeating: 1, count: 512)
            while !stop.isSet {
                _ = chunk.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
                usleep(200)
            }
        }
        writer.start()
        defer { stop.set() }
        while FileIO.fileSize(path) == Int64(size) { usleep(1000) }
        #expect {
            try store.commit(dataset: "torn", paths: [path], message: "during a write")
        } throws: { error in
            guard case DatasetError.fileChanged(let named, _)? = error as? DatasetError else { return false }
            return named == path
        }
        #expect(try store.listDatasets().isEmpty)
    }

    @Test func aFileAtRestIsStoredWhole() throws {
        let store = try DatasetStore(home: scratch("home"))
        let path = try scratch.write("in/still.txt", "still\n")
        let version = try store.commit(dataset: "still", paths: [path], message: "at rest")
        #expect(try store.contents(of: "still.txt", in: version) == Array("still\n".utf8))
    }
}

final class Flag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.withLock { value } }
    func set() { lock.withLock { value = true } }
}
