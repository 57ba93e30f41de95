import Datasets
import Foundation
import Testing
import TestSupport

/// SIGKILL `wf datasets put` of a few thousand files at random moments: the store must
/// never hold a half version or a corrupt blob, and every version reported as committed
/// must read back intact.
@Suite struct CrashSafetyTests {
    let scratch = Scratch("wf-crash")
    static let files = 2_000
    static let kills = 50

    func writeSource(iteration: Int) throws {
        for file in 0..<CrashSafetyTests.files {
            // A fresh folder each time: rewriting files that the last commit is still flushing would wait on it.
            try scratch.write("src-\(iteration)/part-\(file % 20)/file-\(file).txt", contents(iteration: iteration, file: file))
        }
    }

    func contents(iteration: Int, file: Int) -> String {
        "iteration \(iteration) file \(file)\n" + String(repeating: "padding \(file) ", count: 40)
    }

    @Test func killedCommitsNeverLeaveHalfVersions() throws {
        let home = scratch("home")
        var seed = UInt64(ProcessInfo.processInfo.environment["WF_CRASH_SEED"] ?? "") ?? UInt64(Date().timeIntervalSince1970)
        func random() -> Double {
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            return Double(seed >> 11) / Double(1 << 53)
        }
        let startSeed = seed
        // Calibrate: how long one uninterrupted commit takes on this machine.
        try writeSource(iteration: -1)
        let start = Date()
        #expect(try WFBinary.run(["datasets", "put", "crash", scratch("src--1"), "--home", home, "-m", "calibration"]).status == 0)
        let duration = Date().timeIntervalSince(start)

        var committed = [(id: String, iteration: Int)]()
        var killed = 0
        var iteration = 0
        var window = duration
        // Keep going until 50 commits were cut off at random moments (most runs need about 70).
        while killed < CrashSafetyTests.kills && iteration < 3 * CrashSafetyTests.kills {
            try writeSource(iteration: iteration)
            let stdout = scratch("stdout-\(iteration)")
            let process = try WFBinary.start(
                ["datasets", "put", "crash", scratch("src-\(iteration)"), "--home", home, "-m", "iteration \(iteration)"], stdoutFile: stdout)
            usleep(UInt32(random() * window * 1_000_000))
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                killed += 1
                window *= 1.05
            } else {
                // Commits run faster once the page cache is warm and slower under load: keep
                // the window near the real duration so that most moments land inside a commit.
                window *= 0.85
            }
            process.waitUntilExit()
            let printed = (try? String(contentsOfFile: stdout, encoding: .utf8)) ?? ""
            if let match = printed.firstMatch(of: /committed crash:([0-9a-f]{12})/) {
                committed.append((String(match.1), iteration))
            }
            iteration += 1
        }
        print("crash test: \(killed) of \(iteration) commits killed; kill window ended at \(window) s, calibration \(duration) s (seed \(startSeed))")
        #expect(killed >= CrashSafetyTests.kills, "seed \(startSeed): only \(killed) commits were cut off")

        let verify = try WFBinary.run(["datasets", "verify", "--home", home])
        #expect(verify.status == 0, "seed \(startSeed): \(verify.stdout)")
        let history = try SnakeCaseJSON.decoder.decode([VersionInfo].self, from: Data(
            try WFBinary.run(["datasets", "ls", "crash", "--json", "--home", home]).stdout.utf8))
        for (id, iteration) in committed {
            #expect(history.contains { $0.id.short == id }, "seed \(startSeed): reported version \(id) is missing")
            let target = scratch("check-\(id)")
            let export = try WFBinary.run(["datasets", "export", "crash:\(id)", target, "--home", home])
            #expect(export.status == 0, "seed \(startSeed): \(export.stderr)")
            for file in stride(from: 0, to: CrashSafetyTests.files, by: 97) {
                let text = try String(contentsOfFile: "\(target)/part-\(file % 20)/file-\(file).txt", encoding: .utf8)
                #expect(text == contents(iteration: iteration, file: file), "seed \(startSeed): version \(id) file \(file)")
            }
            #expect(scratch.files(under: "check-\(id)").count == CrashSafetyTests.files)
        }
        // Every version in the history, reported or not, is whole.
        for version in history { #expect(version.files == CrashSafetyTests.files) }
        #expect(try WFBinary.run(["datasets", "gc", "--home", home]).status == 0)
        let after = try WFBinary.run(["datasets", "verify", "--home", home])
        #expect(after.status == 0 && !after.stdout.contains("note:"), "\(after.stdout)")
    }
}
