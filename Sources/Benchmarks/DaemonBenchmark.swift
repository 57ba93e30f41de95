import Datasets
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Triggers

/// `wf bench daemon`: how long a push takes to become work. A real `wf daemon` process, a bare
/// repository in a temporary folder as the remote, and a one-job workflow (a sandboxed script
/// that writes one file into a dataset output). Two figures, each the median of `rounds`
/// pushes:
/// - webhook: from sending a signed GitHub push delivery to the run starting (the queue
///   item's start time), fetch included;
/// - polling: from `git push` returning to the new dataset version being committed, with a
///   1 s poll interval (so it includes waiting for the next poll, 0.5 s on average, and the run).
public struct DaemonBenchmark {
    public struct Figures: Sendable, Codable {
        public var rounds: Int
        public var webhookToRunStartMedianSeconds: Double
        public var webhookToRunStartMaximumSeconds: Double
        public var pushToVersionMedianSeconds: Double
        public var pushToVersionMaximumSeconds: Double
    }

    public let wf: String
    public let rounds: Int

    public init(wf: String, rounds: Int) {
        self.wf = wf
        self.rounds = max(1, rounds)
    }

    static let workflow = """
        on:
          github:
            branches:
              only: main
        jobs:
          stamp:
            outputs:
              out: {type: dataset, with: {ref: bench-daemon}}
            env: {COMMIT: context.event.github.ref}
            uses: script@v1
            with:
              script: echo "$COMMIT" > /outputs/out/commit.txt
        """

    struct Failed: Error, CustomStringConvertible {
        var description: String
    }

    public func run(log: (String) -> Void) throws -> Figures {
        let folder = NSTemporaryDirectory() + "wf-bench-daemon-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let remote = "\(folder)/remote.git", work = "\(folder)/work"
        try FileManager.default.createDirectory(atPath: "\(work)/.gradient/workflows", withIntermediateDirectories: true)
        try Self.workflow.write(toFile: "\(work)/.gradient/workflows/stamp.yaml", atomically: true, encoding: .utf8)
        try ChildProcess.run(["git", "init", "-q", "--bare", "-b", "main", remote])
        let git = ["git", "-C", work, "-c", "user.name=bench", "-c", "user.email=bench@localhost"]
        try ChildProcess.run(git + ["init", "-q", "-b", "main"])
        try ChildProcess.run(git + ["remote", "add", "origin", remote])
        var round = 0
        func push() throws -> String {
            round += 1
            try "\(round)\n".write(toFile: "\(work)/round.txt", atomically: true, encoding: .utf8)
            try ChildProcess.run(git + ["add", "-A"])
            try ChildProcess.run(git + ["commit", "-q", "-m", "round \(round)"])
            try ChildProcess.run(git + ["push", "-q", "origin", "main"])
            return try String(contentsOfFile: "\(remote)/refs/heads/main", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        _ = try push()

        log("webhooks: \(rounds) pushes")
        let secret = "bench-secret-\(UInt64.random(in: 0...UInt64.max))"
        let webhookHome = "\(folder)/webhook-home"
        try ChildProcess.run([wf, "link", remote, "--poll", "0", "--webhook-secret-env", "WF_BENCH_SECRET", "--home", webhookHome])
        var webhook = [Double]()
        try Self.withDaemon(wf: wf, home: webhookHome, listen: true, environment: ["WF_BENCH_SECRET": secret]) { url in
            let triggers = try TriggerStore(home: webhookHome)
            for _ in 0..<rounds {
                let commit = try push()
                let body = Array(#"{"ref":"refs/heads/main","after":"\#(commit)","repository":{"clone_url":"\#(remote)"}}"#.utf8)
                let sent = Timestamp.now()
                let status = try post("\(url)/hooks/github", body: body, headers: [
                    "X-GitHub-Event": "push", "X-Hub-Signature-256": WebhookSignature.sign(body, secret: secret, forge: .github)])
                guard status == 202 else { throw Failed(description: "the daemon answered \(status) to a push delivery") }
                let started = try Self.waitFor { try triggers.queue().first { $0.commit == commit }?.started }
                webhook.append(Double(started.milliseconds - sent.milliseconds) / 1000)
                _ = try Self.waitFor { try triggers.queue().first { $0.commit == commit && $0.finished != nil } }
            }
        }

        log("polling every second: \(rounds) pushes")
        let pollHome = "\(folder)/poll-home"
        try ChildProcess.run([wf, "link", remote, "--poll", "1", "--home", pollHome])
        var polling = [Double]()
        try Self.withDaemon(wf: wf, home: pollHome, listen: false) { _ in
            let store = try DatasetStore(home: pollHome)
            for _ in 0..<rounds {
                let commit = try push()
                let pushed = Stopwatch.now()
                _ = try Self.waitFor { try? store.versions(of: "bench-daemon").first { $0.provenance.commit == commit } }
                polling.append(Stopwatch.now() - pushed)
            }
        }
        webhook.sort()
        polling.sort()
        return Figures(rounds: rounds, webhookToRunStartMedianSeconds: webhook[rounds / 2], webhookToRunStartMaximumSeconds: webhook.last!,
                       pushToVersionMedianSeconds: polling[rounds / 2], pushToVersionMaximumSeconds: polling.last!)
    }

    /// Starts `wf daemon`, hands its URL to `body`, then stops it with SIGTERM.
    /// Runs `body` beside a `wf daemon` process on `home` (its URL when it listens), then stops it.
    static func withDaemon(wf: String, home: String, listen: Bool, environment extra: [String: String] = [:],
                           _ body: (String) throws -> Void) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: wf)
        process.arguments = ["daemon", "--home", home, "--threads", "1"] + (listen ? ["--listen", "127.0.0.1:0"] : [])
        process.environment = ProcessInfo.processInfo.environment.merging(extra) { $1 }
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        defer {
            if process.isRunning { kill(process.processIdentifier, SIGTERM) }
            process.waitUntilExit()
        }
        final class Lines: @unchecked Sendable { var text = ""; let lock = NSLock() }
        let lines = Lines()
        errors.fileHandleForReading.readabilityHandler = { handle in
            let chunk = String(decoding: handle.availableData, as: UTF8.self)
            lines.lock.withLock { lines.text += chunk }
        }
        var url = ""
        if listen {
            url = try Self.waitFor(seconds: 30) {
                lines.lock.withLock { lines.text }.split(separator: "\n").first { $0.contains("listening on http://") }
                    .flatMap { line in line.range(of: "http://").map { String(line[$0.lowerBound...]) } }
            }
        }
        try body(url)
    }

    func post(_ url: String, body: [UInt8], headers: [String: String]) throws -> Int {
        var request = URLRequest(url: URL(string: url)!)
        request.httpMethod = "POST"
        request.httpBody = Data(body)
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        final class Box: @unchecked Sendable { var status = -1 }
        let box = Box(), done = DispatchSemaphore(value: 0)
        URLSession.shared.dataTask(with: request) { _, response, _ in
            box.status = (response as? HTTPURLResponse)?.statusCode ?? -1
            done.signal()
        }.resume()
        done.wait()
        return box.status
    }

    /// Polls `probe` every 2 ms until it gives a value.
    static func waitFor<T>(seconds: Double = 60, _ probe: () throws -> T?) throws -> T {
        let deadline = Stopwatch.now() + seconds
        while Stopwatch.now() < deadline {
            if let value = try probe() { return value }
            usleep(2_000)
        }
        throw Failed(description: "timed out after \(Int(seconds)) s waiting for the daemon")
    }
}
