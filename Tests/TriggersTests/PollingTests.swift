import Foundation
import Testing
import TestSupport
@testable import Triggers

/// A remote that fails is recorded and retried, never fatal; one that comes back is fetched.
@Suite struct PollingTests {
    let scratch = Scratch("wf-poll")

    @Test func anUnreachableRemoteIsRecordedNotThrown() throws {
        let home = scratch("home"), remote = scratch("remote.git")
        _ = try Shell.run("git", ["init", "-q", "--bare", "-b", "main", remote])
        let work = scratch("work")
        _ = try Shell.run("git", ["init", "-q", "-b", "main", work])
        try scratch.write("work/README.md", "hello\n")
        for arguments in [["add", "-A"], ["commit", "-q", "-m", "one"], ["push", "-q", remote, "main"]] {
            _ = try Shell.run("git", ["-C", work, "-c", "user.name=t", "-c", "user.email=t@localhost"] + arguments)
        }
        let logs = LogLines()
        let daemon = try Daemon(home: home, defaultModel: nil) { logs.append($0) }
        let link = Link(name: "remote", url: remote, pollSeconds: 1)
        try daemon.triggers.add(link, heads: try Mirror(link: link, home: home).update())

        try FileManager.default.moveItem(atPath: remote, toPath: remote + ".away")
        #expect(daemon.poll(link).isEmpty)
        #expect(daemon.poll(link).isEmpty)
        let failing = try daemon.triggers.link("remote")
        #expect(failing.failures == 2 && failing.lastError?.contains(remote) == true)
        #expect(logs.lines.contains { $0.contains("fetching \(remote) failed") && $0.contains("retrying later") })

        try FileManager.default.moveItem(atPath: remote + ".away", toPath: remote)
        #expect(daemon.poll(link).isEmpty)  // back, and nothing new: no workflow files, no runs
        let recovered = try daemon.triggers.link("remote")
        #expect(recovered.failures == 0 && recovered.lastError == nil && recovered.heads["refs/heads/main"] != nil)
    }
}

final class LogLines: @unchecked Sendable {
    private let lock = NSLock()
    private var stored = [String]()
    func append(_ line: String) { lock.withLock { stored.append(line) } }
    var lines: [String] { lock.withLock { stored } }
}
