import ArgumentParser
import Benchmarks
import Datasets
import Foundation
import TextGeneration

struct ServeBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "wf serve under load (1, 8 and 32 clients, then overload), beside wf generate and, given its URL, another OpenAI-compatible server.",
        discussion: """
            Writes a model of the chosen shape with random weights, starts `wf serve` on 127.0.0.1 and loads it with the benchmark's own clients: each sends streamed completions back to back (prompt --prompt-tokens token ids, --new-tokens new ones, sampling) for --seconds. Reports aggregate tokens/s, p50 and p99 latency, the median time to the first token, errors and 503s, and the server's resident memory. --reference-url measures another server (llama.cpp's, say, started on the same weights converted to GGUF) the same way in the same run; --model-folder keeps the model for that conversion.
            """
    )

    @Option(help: "Model shape: gpt2 (124M), or tiny for a quick check.")
    var shape = "gpt2"

    @Option(parsing: .unconditional, help: "Threads for the server (and wf generate).")
    var threads = 2

    @Option(parsing: .unconditional, help: "Sequences decoded side by side (--parallel of wf serve).")
    var slots = 8

    @Option(parsing: .unconditional, help: "Requests that may wait (--queue of wf serve).")
    var queue = 16

    @Option(parsing: .unconditional, help: "Clients of the load levels, comma-separated.")
    var clients = "1,8,32"

    @Option(parsing: .unconditional, help: "Clients of the overload level.")
    var overload = 64

    @Option(parsing: .unconditional, help: "Seconds of load per level.")
    var seconds: Double = 20

    @Option(name: .customLong("prompt-tokens"), parsing: .unconditional, help: "Prompt length in tokens.")
    var promptTokens = 32

    @Option(name: .customLong("new-tokens"), parsing: .unconditional, help: "Tokens generated per request.")
    var newTokens = 64

    @Option(name: .customLong("reference-url"), help: ArgumentHelp("Another OpenAI-compatible server to load the same way (http://127.0.0.1:PORT).", valueName: "url"))
    var referenceURL: String?

    @Option(name: .customLong("reference-name"), help: "Its name in the table.")
    var referenceName = "reference"

    @Option(name: .customLong("model-folder"), help: "Where the model is written (kept); default: a temporary folder, deleted.")
    var modelFolder: String?

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        let work = modelFolder ?? ((ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp") + "/wf-bench-serve-\(getpid())")
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { if modelFolder == nil { try? FileManager.default.removeItem(atPath: work) } }
        var settings = ServeBenchmark.Settings(workDirectory: work, wf: CommandLine.executablePath)
        settings.config = shape == "tiny" ? GPT2Config(layers: 2, heads: 2, embedding: 128, positions: 256, vocabulary: 1000) : .gpt2Small
        settings.threads = threads
        settings.slots = slots
        settings.queue = queue
        settings.clients = clients.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        settings.overloadClients = overload
        settings.seconds = seconds
        settings.promptTokens = promptTokens
        settings.newTokens = newTokens
        if let referenceURL { settings.reference = (referenceName, referenceURL) }
        let tokenizer = CommandLine.checkoutRoot.appendingPathComponent("../shared/gpt2-tokenizer").standardized.path
        if shape == "gpt2" && FileManager.default.fileExists(atPath: tokenizer + "/vocab.json") { settings.tokenizerFolder = tokenizer }
        let result = try ServeBenchmark(settings: settings).run { FileHandle.standardError.write(Data(("bench: " + $0 + "\n").utf8)) }
        if json { return try JSONOutput.print(result) }
        func ms(_ seconds: Double) -> String { Format.decimal(seconds * 1000, places: 0) + " ms" }
        print(result.settings)
        print("wf generate, one sequence: \(Format.decimal(result.generateTokensPerSecond, places: 1)) tokens/s")
        var table = Table(headers: ["SERVER", "CLIENTS", "REQUESTS", "TOKENS/S", "P50", "P99", "FIRST TOKEN P50", "503", "ERRORS"],
                          rightAligned: [1, 2, 3, 4, 5, 6, 7, 8])
        for level in result.levels {
            table.append([level.server, "\(level.clients)", "\(level.requests)", Format.decimal(level.tokensPerSecond, places: 1), ms(level.p50Seconds),
                          ms(level.p99Seconds), ms(level.firstTokenP50Seconds), "\(level.refused)", "\(level.errors)"])
        }
        print(table.render())
        if let start = result.rssStartBytes, let end = result.rssEndBytes {
            print("wf serve resident memory: \(Format.bytes(start)) after the first level, \(Format.bytes(end)) at the end (\(Format.decimal(Double(end - start) / Double(start) * 100, places: 1))%)")
        }
    }
}
