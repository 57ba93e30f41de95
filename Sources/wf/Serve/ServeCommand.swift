import ArgumentParser
import Datasets
import Foundation
import Server
import TextGeneration

struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve a GPT-2 model over HTTP: OpenAI's completions API and gpt-2-cloud-run's, with continuous batching.",
        discussion: """
            Routes: POST /v1/completions (OpenAI: prompt as text, texts or token ids; max_tokens, temperature, top_p, top_k, n, stop, seed, logprobs, echo, stream with stream_options.include_usage), GET /v1/models, GET|POST|HEAD / (gpt-2-cloud-run: length, temperature, top_k, top_p, prefix, truncate, include_prefix, nsamples, seed), GET /health (503 while the model loads), GET /metrics (Prometheus).

            --parallel sequences decode side by side; a new request joins the running batch at the next token, and a finished one leaves at once. Up to --queue requests wait for a slot; beyond that, 503 with Retry-After. With an API key, every route but /health needs `Authorization: Bearer KEY`. SIGTERM or Ctrl-C answers the requests in flight, then exits.

            Examples:
              wf serve --model ./my-gpt2 --listen 127.0.0.1:8080
              curl -s 127.0.0.1:8080/v1/completions -H 'Content-Type: application/json' -d '{"prompt": "Hello, I am", "max_tokens": 20, "seed": 1}'
              curl -s '127.0.0.1:8080/?prefix=Hello&length=20&seed=1'
            """
    )

    @Option(help: "A model folder or a hub id (as wf generate takes). Default: the project's small Shakespeare model (models/default).")
    var model: String?

    @Option(name: .customLong("model-id"), help: "The id /v1/models lists and requests name (default: the folder's name or the hub id).")
    var modelID: String?

    @Option(help: ArgumentHelp("Address to listen on (port 0 picks a free one, printed).", valueName: "host:port"))
    var listen = "127.0.0.1:8080"

    @Option(parsing: .unconditional, help: "Sequences decoded side by side (slots of the KV cache).")
    var parallel = 4

    @Option(parsing: .unconditional, help: "Requests that may wait for a slot; more get 503.")
    var queue = 16

    @Option(parsing: .unconditional, help: "Positions per slot (default: the model's context).")
    var context: Int?

    @Option(parsing: .unconditional, help: "Compute threads of the batcher (default: every core).")
    var threads = ProcessInfo.processInfo.activeProcessorCount

    @Option(name: .customLong("api-key-env"), help: ArgumentHelp("Require this environment variable's value as a bearer token.", valueName: "variable"))
    var apiKeyEnv: String?

    @Option(name: .customLong("api-key-file"), help: ArgumentHelp("Require this file's contents (trimmed) as a bearer token.", valueName: "path"))
    var apiKeyFile: String?

    @Option(name: .customLong("request-timeout"), parsing: .unconditional, help: ArgumentHelp("Seconds a request may take, queueing included; then it is stopped with 503.", valueName: "seconds"))
    var requestTimeout: Double = 300

    @Option(name: .customLong("max-connections"), parsing: .unconditional, help: "HTTP connections served at once.")
    var maxConnections = 256

    func validate() throws {
        guard parallel >= 1, parallel <= 256 else { throw ValidationError("--parallel must be from 1 to 256") }
        guard queue >= 0 else { throw ValidationError("--queue must be 0 or more") }
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
        guard requestTimeout > 0 else { throw ValidationError("--request-timeout is seconds: more than 0") }
        if let context, context < 1 { throw ValidationError("--context must be at least 1") }
        if apiKeyEnv != nil && apiKeyFile != nil { throw ValidationError("give --api-key-env or --api-key-file, not both") }
    }

    func run() throws {
        // wf's root command is synchronous: the server runs on the concurrency pool while this
        // thread waits for it.
        let command = self
        try Blocking.wait { try await command.serve() }
    }

    func serve() async throws {
        let (host, port) = try DaemonCommand.address(listen)
        let routes = try Self.routes(model: model ?? DefaultModel.required(), id: modelID, parallel: parallel, queue: queue, context: context, threads: threads,
                                     apiKey: readAPIKey(), requestTimeout: requestTimeout)
        let limits = HTTPLimits(maxConnections: min(maxConnections, max(1, DaemonCommand.raiseOpenFileLimit() / 2)))
        try await GenerationServer(routes: routes, host: host, port: port, limits: limits).run { bound in
            Console.error(DaemonCommand.stamp() + "listening on http://\(host):\(bound)")
        }
        Console.error(DaemonCommand.stamp() + "stopped")
    }

    /// Starts loading `model` (the server listens meanwhile) and returns the generation routes
    /// over it: `wf serve`'s and `wf daemon --serve-model`'s.
    static func routes(model specification: String, id: String?, parallel: Int, queue: Int, context: Int?, threads: Int, apiKey: String?,
                       requestTimeout: Double) -> GenerationRoutes {
        let id = id ?? (FileManager.default.fileExists(atPath: specification) ? URL(fileURLWithPath: specification).lastPathComponent : specification)
        let metrics = ServeMetrics()
        let engine = GenerationEngine(modelID: id, options: .init(slots: parallel, queue: queue, context: context, threads: threads), metrics: metrics)
        engine.start(load: { try ModelRegistry.shared.load(folder: LoadedModel.resolve(specification)).model }) { result in
            switch result {
            case .success(let loaded):
                Console.error(DaemonCommand.stamp() + "model \(id) loaded in \(String(format: "%.2f", loaded.loadSeconds)) s: \(loaded.model.config.layers) layers, \(parallel) slots, queue \(queue)")
            case .failure(let error):
                Console.error(DaemonCommand.stamp() + "cannot load the model \(specification): \(error); /health answers 503")
            }
        }
        var routes = GenerationRoutes(engine: engine, metrics: metrics, apiKey: apiKey)
        routes.requestTimeout = .milliseconds(Int64(requestTimeout * 1000))
        return routes
    }

    func readAPIKey() throws -> String? {
        try Self.apiKey(environment: apiKeyEnv, file: apiKeyFile)
    }

    static func apiKey(environment apiKeyEnv: String?, file apiKeyFile: String?) throws -> String? {
        if let name = apiKeyEnv {
            guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else {
                throw ValidationError("--api-key-env \(name): the variable is not set or empty")
            }
            return value
        }
        if let path = apiKeyFile {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw ValidationError("--api-key-file \(path): cannot read it") }
            let key = text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !key.isEmpty else { throw ValidationError("--api-key-file \(path) is empty") }
            return key
        }
        return nil
    }
}
