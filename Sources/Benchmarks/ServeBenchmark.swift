import Foundation
import TextGeneration
#if canImport(Glibc)
import Glibc
#endif

/// `wf bench serve`: `wf serve` (a real process on 127.0.0.1) under load from the benchmark's
/// own load generator (one thread per client, each sending streamed OpenAI completions back to
/// back: a prompt of `promptTokens` token ids, `newTokens` new tokens, sampling), beside
/// `wf generate` on the same model and settings and, when given, another OpenAI-compatible
/// server (llama.cpp's) under the same load in the same run.
public struct ServeBenchmark {
    public struct Settings: Sendable {
        public var config = GPT2Config.gpt2Small
        public var threads = 2
        public var promptTokens = 32
        public var newTokens = 64
        public var slots = 8
        public var queue = 16
        /// Concurrent clients, one load level each.
        public var clients = [1, 8, 32]
        /// Clients for the overload level (the queue is `queue`).
        public var overloadClients = 64
        public var seconds: Double = 20
        public var workDirectory: String
        /// `wf` itself.
        public var wf: String
        /// GPT-2's vocab.json and merges.txt, copied into the model (a reference server needs
        /// a vocabulary to load the converted weights).
        public var tokenizerFolder: String?
        /// Another server to measure the same way: its base URL (started and stopped by the caller).
        public var reference: (name: String, url: String)?
        public init(workDirectory: String, wf: String) {
            self.workDirectory = workDirectory
            self.wf = wf
        }
    }

    /// One load level against one server.
    public struct Level: Sendable, Codable {
        public var server: String
        public var clients: Int
        public var requests: Int
        public var errors: Int
        /// 503s (refused at once: the queue was full).
        public var refused: Int
        public var tokensPerSecond: Double
        public var p50Seconds: Double
        public var p99Seconds: Double
        public var firstTokenP50Seconds: Double
        public var peakRSSBytes: Int64?
    }

    public struct Result: Sendable, Codable {
        public var generateTokensPerSecond: Double
        public var levels: [Level]
        public var rssStartBytes: Int64?
        public var rssEndBytes: Int64?
        public var settings: String
    }

    public let settings: Settings
    public init(settings: Settings) { self.settings = settings }

    public var modelFolder: String { settings.workDirectory + "/model" }

    /// Writes the model (random weights of the chosen shape) unless it is there.
    public func prepareModel(log: (String) -> Void) throws {
        guard !FileManager.default.fileExists(atPath: modelFolder + "/model.safetensors") else { return }
        log("writing a random model of \(settings.config.layers) layers × \(settings.config.embedding) wide")
        try RandomModel.write(config: settings.config, to: modelFolder)
        if let tokenizer = settings.tokenizerFolder {
            for file in ["vocab.json", "merges.txt"] {
                try? FileManager.default.removeItem(atPath: "\(modelFolder)/\(file)")
                try FileManager.default.copyItem(atPath: "\(tokenizer)/\(file)", toPath: "\(modelFolder)/\(file)")
            }
        }
    }

    public func run(log: (String) -> Void) throws -> Result {
        try prepareModel(log: log)
        let (prompt, promptJSON) = try makePrompt()
        log("wf generate: \(settings.promptTokens) prompt tokens, \(settings.newTokens) new")
        let generate = try generateTokensPerSecond(prompt: prompt)
        let server = try ServeProcess(wf: settings.wf, model: modelFolder, arguments: [
            "--parallel", "\(settings.slots)", "--queue", "\(settings.queue)", "--threads", "\(settings.threads)"], log: settings.workDirectory + "/serve.log")
        defer { server.stop() }
        var levels = [Level]()
        var rssStart: Int64?
        for clients in settings.clients + [settings.overloadClients] {
            log("wf serve: \(clients) clients for \(Int(settings.seconds)) s")
            levels.append(try load(server.url, name: "wf serve", clients: clients, prompt: promptJSON, pid: server.pid))
            // Memory once warm (weights paged in, the cache's slots touched): the soak's start.
            if rssStart == nil { rssStart = server.residentBytes() }
        }
        let rssEnd = server.residentBytes()
        if let reference = settings.reference {
            for clients in settings.clients + [settings.overloadClients] {
                log("\(reference.name): \(clients) clients for \(Int(settings.seconds)) s")
                levels.append(try load(reference.url, name: reference.name, clients: clients, prompt: promptJSON, pid: nil))
            }
        }
        return Result(generateTokensPerSecond: generate, levels: levels, rssStartBytes: rssStart, rssEndBytes: rssEnd,
                      settings: "\(settings.config.layers) layers × \(settings.config.embedding), \(settings.threads) threads, prompt \(settings.promptTokens), \(settings.newTokens) new tokens, \(settings.slots) slots, queue \(settings.queue)")
    }

    /// The prompt as ids (for `wf generate`) and as the JSON `prompt` value: text when the
    /// model has a tokenizer (every OpenAI-compatible server takes text; llama-cpp-python's
    /// takes nothing else), chosen so that it encodes to exactly `promptTokens` tokens.
    func makePrompt() throws -> ([Int], String) {
        let loaded = try LoadedModel.load(modelFolder)
        guard let tokenizer = loaded.tokenizer else {
            let ids = (0..<settings.promptTokens).map { ($0 * 7919) % (settings.config.vocabulary - 1) }
            return (ids, "[" + ids.map(String.init).joined(separator: ",") + "]")
        }
        let source = String(repeating: "It was the best of times, it was the worst of times, it was the age of wisdom, it was the age of foolishness, ", count: 8)
        let ids = Array(tokenizer.encode(source).prefix(settings.promptTokens))
        let text = tokenizer.decode(ids)
        guard tokenizer.encode(text) == ids else { throw ServeProcess.Failure(message: "the benchmark prompt does not round-trip through the tokenizer") }
        let json = String(decoding: try JSONSerialization.data(withJSONObject: [text], options: [.withoutEscapingSlashes]), as: UTF8.self)
        return (ids, String(json.dropFirst().dropLast()))
    }

    /// `wf generate`'s own decode rate on one sequence (its JSON reports the generation time).
    func generateTokensPerSecond(prompt: [Int]) throws -> Double {
        var best = 0.0
        for seed in 1...3 {
            let output = try Captured.run([settings.wf, "generate", "--model", modelFolder, "--prompt-ids", prompt.map(String.init).joined(separator: ","),
                                           "--max-new-tokens", "\(settings.newTokens)", "--seed", "\(seed)", "--top-k", "0", "--temperature", "1",
                                           "--top-p", "1", "--threads", "\(settings.threads)", "--json"]).stdout
            guard let object = try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any],
                  let seconds = object["generate_seconds"] as? Double,
                  let sequences = object["sequences"] as? [[String: Any]], let ids = sequences.first?["generated_ids"] as? [Int] else {
                throw ServeProcess.Failure(message: "wf generate printed no figures: \(output.prefix(300))")
            }
            best = max(best, Double(ids.count) / seconds)
        }
        return best
    }

    /// `clients` threads send requests back to back for `seconds`.
    func load(_ url: String, name: String, clients: Int, prompt: String, pid: Int32?) throws -> Level {
        let samples = Samples()
        let started = Date()
        let deadline = started.addingTimeInterval(settings.seconds)
        let group = DispatchGroup()
        var peak: Int64 = 0
        let newTokens = settings.newTokens
        for client in 0..<clients {
            group.enter()
            Thread.detachNewThread {
                defer { group.leave() }
                var round = 0
                while Date() < deadline {
                    round += 1
                    let body = #"{"prompt": \#(prompt), "max_tokens": \#(newTokens), "temperature": 1, "top_k": 0, "seed": \#(client * 100_000 + round), "stream": true, "stream_options": {"include_usage": true}}"#
                    let sample = StreamingRequest.send(url: url, path: "/v1/completions", body: body)
                    samples.add(sample)
                    // A refused client waits as Retry-After says (1 s), as a real one would,
                    // rather than hammering the server.
                    if sample.status == 503 { Thread.sleep(forTimeInterval: 1) }
                }
            }
        }
        while group.wait(timeout: .now() + 0.5) == .timedOut {
            if let pid, let rss = ServeProcess.residentBytes(pid) { peak = max(peak, rss) }
        }
        // Requests still running at the deadline finish and count: the rate is over the whole time.
        return samples.level(server: name, clients: clients, seconds: Date().timeIntervalSince(started), peak: pid == nil ? nil : peak)
    }
}

/// What one request saw.
struct RequestSample: Sendable {
    var status: Int
    var tokens: Int
    var seconds: Double
    var firstToken: Double?
}

final class Samples: @unchecked Sendable {
    private let lock = NSLock()
    private var values = [RequestSample]()
    func add(_ sample: RequestSample) { lock.withLock { values.append(sample) } }

    func level(server: String, clients: Int, seconds: Double, peak: Int64?) -> ServeBenchmark.Level {
        let all = lock.withLock { values }
        let done = all.filter { $0.status == 200 }
        let latencies = done.map(\.seconds).sorted(), firsts = done.compactMap(\.firstToken).sorted()
        func percentile(_ values: [Double], _ p: Double) -> Double {
            values.isEmpty ? 0 : values[min(values.count - 1, Int((Double(values.count - 1) * p).rounded()))]
        }
        return ServeBenchmark.Level(server: server, clients: clients, requests: done.count, errors: all.filter { $0.status != 200 && $0.status != 503 }.count,
                                    refused: all.filter { $0.status == 503 }.count, tokensPerSecond: Double(done.reduce(0) { $0 + $1.tokens }) / seconds,
                                    p50Seconds: percentile(latencies, 0.5), p99Seconds: percentile(latencies, 0.99),
                                    firstTokenP50Seconds: percentile(firsts, 0.5), peakRSSBytes: peak)
    }
}

/// A blocking HTTP/1.1 request over a plain socket to 127.0.0.1 (`Connection: close`), its
/// server-sent events read as they come: the time of the first token, the usage at the end.
enum StreamingRequest {
    static func send(url: String, path: String, body: String) -> RequestSample {
        let start = Date()
        guard let port = UInt16(url.split(separator: ":").last ?? "") else { return RequestSample(status: -1, tokens: 0, seconds: 0) }
        guard let fd = try? DashboardBenchmark.connect(port: port) else {
            return RequestSample(status: -1, tokens: 0, seconds: Date().timeIntervalSince(start))
        }
        defer { close(fd) }
        let request = "POST \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
        _ = request.withCString { Glibc.send(fd, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
        var received = [UInt8](), buffer = [UInt8](repeating: 0, count: 65536)
        var firstToken: Double?
        while true {
            let got = recv(fd, &buffer, buffer.count, 0)
            if got <= 0 { break }
            received.append(contentsOf: buffer[0..<got])
            if firstToken == nil, let text = String(bytes: received, encoding: .utf8),
               text.range(of: #""text":\s*"[^"]"#, options: .regularExpression) != nil {
                firstToken = Date().timeIntervalSince(start)
            }
        }
        let seconds = Date().timeIntervalSince(start)
        let text = String(decoding: received, as: UTF8.self)
        let status = Int(text.split(separator: " ", maxSplits: 2).dropFirst().first ?? "") ?? -1
        var tokens = 0
        if let range = text.range(of: #""completion_tokens":\s*\d+"#, options: .regularExpression) {
            tokens = Int(text[range].split(separator: ":").last!.trimmingCharacters(in: .whitespaces)) ?? 0
        } else {
            // A server that sends no usage in streams: one event per token.
            var rest = text[...]
            while let found = rest.range(of: #""text":\s*"[^"]"#, options: .regularExpression) {
                tokens += 1
                rest = rest[found.upperBound...]
            }
        }
        return RequestSample(status: status, tokens: tokens, seconds: seconds, firstToken: firstToken)
    }
}

/// `wf serve` as a child process, its port read from its log.
final class ServeProcess {
    struct Failure: Error, CustomStringConvertible { var message: String; var description: String { message } }

    let process = Process()
    let url: String
    var pid: Int32 { process.processIdentifier }

    init(wf: String, model: String, arguments: [String], log: String) throws {
        FileManager.default.createFile(atPath: log, contents: nil)
        process.executableURL = URL(fileURLWithPath: wf)
        process.arguments = ["serve", "--model", model, "--listen", "127.0.0.1:0"] + arguments
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        var found: String?
        for _ in 0..<3000 where found == nil {
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            if text.contains("loaded in"), let line = text.split(separator: "\n").first(where: { $0.contains("listening on http://") }),
               let range = line.range(of: "http://") {
                found = String(line[range.lowerBound...])
            }
            if !process.isRunning { break }
            if found == nil { usleep(20_000) }
        }
        guard let found else { throw Failure(message: "wf serve did not start: \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")") }
        url = found
    }

    func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
    }

    func residentBytes() -> Int64? { Self.residentBytes(pid) }

    /// VmRSS of a process, from /proc.
    static func residentBytes(_ pid: Int32) -> Int64? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kilobytes = Int64(line.split(whereSeparator: \.isWhitespace).dropFirst().first ?? "") else { return nil }
        return kilobytes * 1024
    }
}
