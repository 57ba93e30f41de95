import Datasets
import Foundation
import Triggers
#if canImport(Glibc)
import Glibc
#endif

/// `wf bench dashboard`: how fast `wf daemon --listen` answers the dashboard on a store of
/// realistic size, and how soon a job's new log line reaches a connected page.
///
/// A home is built with `runs` runs (two jobs each, with logs) and `versions` versions of one
/// dataset (each an `outputs.txt` of about 2 KB and a `metrics.csv`, with provenance to its
/// run), then a real `wf daemon --listen` process serves it. Each page is fetched `requests`
/// times, one connection per request from this process on 127.0.0.1, after 10 warm-ups: the
/// time from connecting to the last byte bounds the server's time from above. `/health` is
/// the floor (HTTP without the store) and each page's median is also given as a multiple of it.
///
/// The log figure: a run recorded as running, its job's log followed through
/// `GET /api/runs/{id}/jobs/{job}/log` with `Accept: text/event-stream` (what the run page's
/// EventSource reads); a line is appended every 20–120 ms, and its latency is from the write
/// returning to its `data:` event arriving.
public struct DashboardBenchmark {
    public struct Page: Sendable, Codable {
        public var name: String
        public var path: String
        public var bytes: Int
        public var medianMilliseconds: Double
        public var p99Milliseconds: Double
        public var maximumMilliseconds: Double
    }

    public struct Figures: Sendable, Codable {
        public var runs: Int
        public var versions: Int
        public var requests: Int
        public var pages: [Page]
        public var logLines: Int
        public var logMedianMilliseconds: Double
        public var logP99Milliseconds: Double
        public var logMaximumMilliseconds: Double
    }

    public let wf: String
    public let runs: Int
    public let versions: Int
    public let requests: Int

    public init(wf: String, runs: Int = 1000, versions: Int = 1000, requests: Int = 200) {
        self.wf = wf
        self.runs = max(1, runs)
        self.versions = max(1, versions)
        self.requests = max(1, requests)
    }

    struct Failed: Error, CustomStringConvertible { var description: String }

    public func run(log: (String) -> Void) throws -> Figures {
        let folder = NSTemporaryDirectory() + "wf-bench-dashboard-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let home = "\(folder)/home"
        log("building a home with \(runs) runs and \(versions) versions")
        let (middleRun, middleVersion) = try build(home: home, scratch: "\(folder)/files")

        var figures = Figures(runs: runs, versions: versions, requests: requests, pages: [], logLines: 0, logMedianMilliseconds: 0,
                              logP99Milliseconds: 0, logMaximumMilliseconds: 0)
        try DaemonBenchmark.withDaemon(wf: wf, home: home, listen: true) { url in
            guard let port = UInt16(url.split(separator: ":").last ?? "") else { throw Failed(description: "no port in \(url)") }
            for (name, path) in [("health (floor)", "/health"), ("home", "/ui"), ("run", "/ui/runs/\(middleRun)"),
                                 ("version", "/ui/datasets/generated-text/versions/\(middleVersion)"),
                                 ("history (\(versions) versions)", "/ui/datasets/generated-text"), ("runs API, page 2", "/api/runs?page=2")] {
                log("\(name): \(requests) requests")
                figures.pages.append(try time(name: name, path: path, port: port))
            }
            log("log lines to a connected page")
            let latencies = try followLatencies(home: home, port: port, lines: 60)
            figures.logLines = latencies.count
            figures.logMedianMilliseconds = Self.percentile(latencies, 0.5) * 1000
            figures.logP99Milliseconds = Self.percentile(latencies, 0.99) * 1000
            figures.logMaximumMilliseconds = (latencies.max() ?? 0) * 1000
        }
        return figures
    }

    /// The home: one link, `runs` runs of two jobs with logs, `versions` versions, each made by a run.
    /// Returns a run and a version from the middle.
    func build(home: String, scratch: String) throws -> (run: String, version: String) {
        let store = try DatasetStore(home: home, durable: false)
        try TriggerStore(home: home).add(Link(name: "demo", url: "https://example.com/demo.git", pollSeconds: 0), heads: ["refs/heads/main": String(repeating: "a", count: 40)])
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        let base = Timestamp.now().milliseconds - Int64(max(runs, versions)) * 60_000
        let words = ["ROMEO:", "the", "night", "is", "young", "and", "full", "of", "stars", "JULIET:", "my", "lord", "come", "away"]
        var middle: (run: String, version: String) = ("", "")
        for index in 0..<max(runs, versions) {
            let id = String(format: "run-%013lld-%08x", base + Int64(index) * 60_000, index)
            let commit = String(format: "%040x", index + 1)
            var run = RunRecord(id: id, workflow: ".gradient/workflows/nlp.yaml", repository: "https://example.com/demo.git", commit: commit,
                                trigger: "poll demo refs/heads/main", started: Timestamp(milliseconds: base + Int64(index) * 60_000), pid: 1,
                                jobs: [JobRecord(name: "cloneRepo", action: "git-checkout@v1", status: .succeeded, log: "\(home)/runs/\(id)/cloneRepo/log.txt"),
                                       JobRecord(name: "generateText", action: "text-generation@v1", status: .succeeded,
                                                 log: "\(home)/runs/\(id)/generateText/log.txt", needs: ["cloneRepo"])],
                                link: "demo")
            for job in run.jobs {
                try FileManager.default.createDirectory(atPath: "\(home)/runs/\(id)/\(job.name)", withIntermediateDirectories: true)
                let lines = (0..<20).map { "\(job.name) step \($0) of 20: " + words.shuffled().joined(separator: " ") }
                try lines.joined(separator: "\n").write(toFile: job.log!, atomically: false, encoding: .utf8)
            }
            if index < runs { try store.recordRunStarted(run) }
            if index < versions {
                let text = (0..<3).map { "---\nOutput \($0 + 1) of 3\n---\n\n" + (0..<90).map { _ in words.randomElement()! }.joined(separator: " ") }.joined(separator: "\n\n")
                try text.write(toFile: "\(scratch)/outputs.txt", atomically: false, encoding: .utf8)
                try ("step,loss,val_loss\n" + (1...20).map { "\($0),\(4.0 - Double($0) * 0.1),\(4.2 - Double($0) * 0.09)" }.joined(separator: "\n"))
                    .write(toFile: "\(scratch)/metrics.csv", atomically: false, encoding: .utf8)
                let version = try store.commit(dataset: "generated-text", paths: ["\(scratch)/outputs.txt", "\(scratch)/metrics.csv"], message: "seed \(index)",
                                               provenance: Provenance(repository: run.repository, commit: commit, workflow: run.workflow, job: "generateText", run: id))
                run.jobs[1].outputs = ["generatedText": version.reference]
                if index == versions / 2 { middle.version = version.id.hex }
            }
            if index < runs {
                try store.recordJob(run.jobs[1], run: id)
                try store.recordRunFinished(id, status: .succeeded, summary: nil, at: Timestamp(milliseconds: run.started.milliseconds + 4_000))
                if index == runs / 2 { middle.run = id }
            }
        }
        return middle
    }

    func time(name: String, path: String, port: UInt16) throws -> Page {
        var seconds = [Double](), bytes = 0
        for round in 0..<(requests + 10) {
            let (status, body, elapsed) = try Self.get(port: port, path: path)
            guard status == 200 else { throw Failed(description: "GET \(path) answered \(status)") }
            if round >= 10 { seconds.append(elapsed) }
            bytes = body
        }
        return Page(name: name, path: path, bytes: bytes, medianMilliseconds: Self.percentile(seconds, 0.5) * 1000,
                    p99Milliseconds: Self.percentile(seconds, 0.99) * 1000, maximumMilliseconds: (seconds.max() ?? 0) * 1000)
    }

    /// A running job's log followed over server-sent events while lines are appended.
    func followLatencies(home: String, port: UInt16, lines: Int) throws -> [Double] {
        let store = try DatasetStore(home: home, durable: false)
        let id = "run-live", log = "\(home)/runs/run-live/generateText/log.txt"
        try FileManager.default.createDirectory(atPath: (log as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: log, contents: nil)
        var job = JobRecord(name: "generateText", action: "text-generation@v1", status: .running, started: .now(), log: log)
        // Its pid is this process's: alive, so the run reads as running.
        try store.recordRunStarted(RunRecord(id: id, workflow: ".gradient/workflows/nlp.yaml", repository: "r", commit: nil, trigger: "bench",
                                             pid: getpid(), jobs: [job], link: "demo"))
        let fd = try Self.connect(port: port)
        defer { close(fd) }
        let request = "GET /api/runs/\(id)/jobs/generateText/log HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\nConnection: close\r\n\r\n"
        _ = request.withCString { send(fd, $0, strlen($0), Int32(MSG_NOSIGNAL)) }

        final class Arrivals: @unchecked Sendable {
            let lock = NSLock()
            var times = [Int: Double]()
        }
        let arrivals = Arrivals(), ended = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            var pending = [UInt8](), buffer = [UInt8](repeating: 0, count: 65536)
            while true {
                let got = recv(fd, &buffer, buffer.count, 0)
                if got <= 0 { break }
                let now = Stopwatch.now()
                pending.append(contentsOf: buffer[0..<got])
                // Split as bytes: a String takes the chunked encoding's CR LF as one character.
                var finished = false
                for line in pending.split(separator: 10).map({ String(decoding: $0, as: UTF8.self) }) {
                    if line.hasPrefix("data: line "), let number = Int(line.dropFirst("data: line ".count)) {
                        arrivals.lock.withLock { if arrivals.times[number] == nil { arrivals.times[number] = now } }
                    }
                    if line.hasPrefix("event: end") { finished = true }
                }
                if finished { break }
                if let last = pending.lastIndex(of: 10) { pending.removeSubrange(...last) }
            }
            ended.signal()
        }
        usleep(300_000)  // the stream is open and has read the empty log
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        var written = [Int: Double]()
        for number in 0..<lines {
            try handle.write(contentsOf: Data("line \(number)\n".utf8))
            written[number] = Stopwatch.now()
            usleep(UInt32.random(in: 20_000...120_000))
        }
        try handle.close()
        usleep(300_000)
        job.status = .succeeded
        job.finished = .now()
        try store.recordJob(job, run: id)
        try store.recordRunFinished(id, status: .succeeded, summary: nil)
        guard ended.wait(timeout: .now() + 10) == .success else { throw Failed(description: "the followed log did not end") }
        let times = arrivals.lock.withLock { arrivals.times }
        guard times.count == lines else { throw Failed(description: "\(times.count) of \(lines) log lines arrived: \(times.keys.sorted())") }
        return (0..<lines).map { times[$0]! - written[$0]! }
    }

    /// A TCP connection to 127.0.0.1:`port` (the benchmarks' own HTTP clients write to it).
    static func connect(port: UInt16) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(fd)
            throw Failed(description: "cannot connect to 127.0.0.1:\(port)")
        }
        return fd
    }

    /// One GET with `Connection: close`: the status, the body's size and the seconds from
    /// connecting to the last byte.
    static func get(port: UInt16, path: String) throws -> (status: Int, bytes: Int, seconds: Double) {
        let start = Stopwatch.now()
        let fd = try connect(port: port)
        defer { close(fd) }
        let request = "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
        _ = request.withCString { send(fd, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
        var received = [UInt8](), buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let got = recv(fd, &buffer, buffer.count, 0)
            if got <= 0 { break }
            received.append(contentsOf: buffer[0..<got])
        }
        let seconds = Stopwatch.now() - start
        let status = Int(String(decoding: received.prefix(12), as: UTF8.self).split(separator: " ").dropFirst().first ?? "") ?? -1
        let headerEnd = received.firstRange(of: [13, 10, 13, 10]).map { $0.upperBound } ?? received.count
        return (status, received.count - headerEnd, seconds)
    }

    static func percentile(_ values: [Double], _ p: Double) -> Double {
        let sorted = values.sorted()
        return sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * p).rounded()))]
    }
}
