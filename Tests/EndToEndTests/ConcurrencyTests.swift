import Datasets
import Foundation
import Testing
import TestSupport

/// Several `wf` processes on one store at once.
@Suite struct ConcurrencyTests {
    let scratch = Scratch("wf-concurrency")

    func history(_ home: String, _ name: String) throws -> [VersionInfo] {
        try SnakeCaseJSON.decoder.decode([VersionInfo].self, from: Data(
            try WFBinary.run(["datasets", "ls", name, "--json", "--home", home]).stdout.utf8))
    }

    @Test func twoProcessesCommittingToOneDatasetBothSucceed() throws {
        let home = scratch("home")
        let perWriter = 12
        for writer in 0..<2 { for i in 0..<perWriter { try scratch.write("w\(writer)/\(i)/f.txt", "writer \(writer) version \(i)") } }
        let reported = ResultBox()
        let scratchPath = scratch.path
        DispatchQueue.concurrentPerform(iterations: 2) { writer in
            for i in 0..<perWriter {
                let output = try! WFBinary.run(["datasets", "put", "shared", "\(scratchPath)/w\(writer)/\(i)", "--home", home, "--json"])
                if output.status == 0, let version = try? SnakeCaseJSON.decoder.decode(VersionInfo.self, from: Data(output.stdout.utf8)) {
                    reported.append(version.id)
                } else {
                    reported.fail("\(output.stderr)")
                }
            }
        }
        #expect(reported.failures.isEmpty, "\(reported.failures)")
        let line = try history(home, "shared")
        #expect(line.count == 2 * perWriter)
        #expect(Set(line.map(\.id)) == Set(reported.ids))
        for (position, version) in line.enumerated() {
            #expect(version.sequence == line.count - position)
            #expect(version.parent == (position + 1 < line.count ? line[position + 1].id : nil))
        }
        #expect(try WFBinary.run(["datasets", "verify", "--home", home]).status == 0)
    }

    @Test func gcBesideAWriterDeletesNothingItNeeds() throws {
        let home = scratch("home")
        let commits = 15
        for i in 0..<commits {
            for file in 0..<200 { try scratch.write("v\(i)/file-\(file).txt", "version \(i) file \(file)") }
        }
        // Garbage for gc to find beside the live writer's own temporaries.
        try scratch.write("home/datasets/tmp/.tmp-1-leftover", "leftover")
        let done = ResultBox()
        let scratchPath = scratch.path
        DispatchQueue.concurrentPerform(iterations: 2) { worker in
            if worker == 0 {
                for i in 0..<commits {
                    let output = try! WFBinary.run(["datasets", "put", "w", "\(scratchPath)/v\(i)", "--home", home, "--json"])
                    if output.status == 0, let version = try? SnakeCaseJSON.decoder.decode(VersionInfo.self, from: Data(output.stdout.utf8)) {
                        done.append(version.id)
                    } else {
                        done.fail(output.stderr)
                    }
                }
                done.finish()
            } else {
                while !done.finished {
                    let gc = try! WFBinary.run(["datasets", "gc", "--home", home])
                    if gc.status != 0 { done.fail(gc.stderr) }
                }
            }
        }
        #expect(done.failures.isEmpty, "\(done.failures)")
        #expect(try WFBinary.run(["datasets", "verify", "--home", home]).status == 0)
        for (i, id) in done.ids.enumerated() {
            let target = scratch("out-\(i)")
            #expect(try WFBinary.run(["datasets", "export", "w:\(id.hex)", target, "--home", home]).status == 0)
            #expect(try String(contentsOfFile: "\(target)/file-7.txt", encoding: .utf8) == "version \(i) file 7")
        }
    }
}

/// Results gathered from concurrent workers.
final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private var _ids = [ObjectID]()
    private var _failures = [String]()
    private var _finished = false

    func append(_ id: ObjectID) { lock.withLock { _ids.append(id) } }
    func fail(_ message: String) { lock.withLock { _failures.append(message) } }
    func finish() { lock.withLock { _finished = true } }
    var ids: [ObjectID] { lock.withLock { _ids } }
    var failures: [String] { lock.withLock { _failures } }
    var finished: Bool { lock.withLock { _finished } }
}
