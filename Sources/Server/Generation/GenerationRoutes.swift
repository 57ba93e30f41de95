import Foundation
import Hummingbird
import NIOCore
import TextGeneration

/// The generation routes (one group, mounted by `wf serve` and by `wf daemon --serve-model`):
///
/// - `POST /v1/completions`, `GET /v1/models`: OpenAI's completions API (see
///   `CompletionsRequest`), streamed as server-sent events ending `data: [DONE]` when asked;
/// - `GET /`, `POST /`, `HEAD /`: gpt-2-cloud-run's API (`length`, `temperature`, `top_k`,
///   `top_p`, `prefix`, `truncate`, `include_prefix`, `nsamples`, `seed`) answering
///   `{"text": …}` (and `"texts"`), with `Access-Control-Allow-Origin: *`;
/// - `GET /health` (503 while the model loads), `GET /metrics` (Prometheus).
///
/// With an API key, every route but `/health` needs `Authorization: Bearer KEY`.
public struct GenerationRoutes: Sendable {
    public let engine: GenerationEngine
    public let metrics: ServeMetrics
    /// nil: no key needed.
    public let apiKey: String?
    /// A request's body may be this large; larger gets 413.
    public var bodyLimit = 1 << 20
    /// A request (queueing and generating) may take this long; then its slots are freed and
    /// it gets 503.
    public var requestTimeout: Duration = .seconds(300)

    public init(engine: GenerationEngine, metrics: ServeMetrics, apiKey: String?) {
        self.engine = engine
        self.metrics = metrics
        self.apiKey = apiKey
    }

    /// Adds the routes with the API key check in front. `mounted`: beside other routes (the
    /// daemon's hooks, which sign their own bodies, and its own `/health`), in a group whose
    /// middleware touches only these routes; otherwise on the whole router, whose unknown
    /// paths then answer 404 in OpenAI's shape.
    public func add(to router: Router<ServerContext>, mounted: Bool = false) {
        if mounted {
            addRoutes(to: router.group().add(middleware: Gate<ServerContext>(apiKey: apiKey, metrics: metrics)), health: false)
        } else {
            router.add(middleware: Gate<ServerContext>(apiKey: apiKey, metrics: metrics))
            addRoutes(to: router, health: true)
        }
    }

    private func addRoutes<Routes: RouterMethods>(to router: Routes, health: Bool) where Routes.Context == ServerContext {
        if health {
            router.get("/health") { _, _ -> Response in
                if let reason = engine.unavailableReason { return reason.response() }
                return Self.json(200, ["status": "ok"])
            }
        }
        router.get("/metrics") { _, _ -> Response in
            // The queue and the batch as they are now, not as the last submission left them.
            if let (_, batcher) = engine.ready {
                let load = batcher.load
                metrics.load(queued: load.queued, running: load.runningSequences)
            }
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"], body: .init(byteBuffer: ByteBuffer(string: metrics.render())))
        }
        router.get("/v1/models") { _, _ -> Response in
            Self.json(200, ["object": "list", "data": [["id": engine.modelID, "object": "model", "created": 0, "owned_by": "wf"]]])
        }
        router.post("/v1/completions") { request, context -> Response in
            do {
                var request = request
                let body = try await Self.body(&request, limit: bodyLimit)
                return try await completions(CompletionsRequest.parse(body), hangup: await context.hangup)
            } catch let error as APIError {
                return error.response()
            }
        }
        let cors: HTTPFields = [.accessControlAllowOrigin: "*"]
        router.head("/") { _, _ -> Response in
            Response(status: .ok, headers: [.contentType: "application/json", .accessControlAllowOrigin: "*"],
                     body: .init(byteBuffer: ByteBuffer(string: #"{"text":""}"#)))
        }
        router.get("/") { request, context -> Response in
            var parameters = [String: String]()
            for (key, value) in request.uri.queryParameters { parameters[String(key)] = String(value) }
            do { return try await cloudRun(parameters, hangup: await context.hangup) } catch let error as APIError { return error.response(headers: cors) }
        }
        router.post("/") { request, context -> Response in
            do {
                var request = request
                let body = try await Self.body(&request, limit: bodyLimit)
                guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else {
                    throw APIError.invalid("body", "the body must be a JSON object of parameters")
                }
                var parameters = [String: String]()
                for (key, value) in object {
                    if let number = value as? NSNumber, String(cString: number.objCType) == "c" {
                        parameters[key] = number.boolValue ? "true" : "false"
                    } else {
                        parameters[key] = "\(value)"
                    }
                }
                return try await cloudRun(parameters, hangup: await context.hangup)
            } catch let error as APIError {
                return error.response(headers: cors)
            }
        }
    }

    // MARK: OpenAI completions

    /// - Parameter hangup: the connection's signal that its client went away; the request's
    ///   slots are freed then, streaming or not.
    func completions(_ request: CompletionsRequest, hangup: ClientHangup? = nil) async throws -> Response {
        if let model = request.model, model != engine.modelID {
            throw APIError.notFound("the model \(model) does not exist here; /v1/models lists \(engine.modelID)", code: "model_not_found")
        }
        if let reason = engine.unavailableReason { throw reason }
        guard let (loaded, _) = engine.ready else { throw APIError.unavailable("the model is loading", code: "model_loading") }
        let prompts = try promptIDs(request.prompt, tokenizer: loaded.tokenizer, endOfText: loaded.generator.endOfTextID)
        let context = min(engine.options.context ?? loaded.model.config.positions, loaded.model.config.positions)
        if let longest = prompts.map(\.count).max(), longest + (request.maxTokens ?? 0) > context {
            // OpenAI's answer: the prompt and the completion must fit the model's context.
            throw APIError.invalid(longest >= context ? "prompt" : "max_tokens",
                                   "this model's context is \(context) tokens; the prompt has \(longest) and max_tokens asks for \(request.maxTokens ?? 0) more")
        }
        let seed = request.seed ?? UInt64.random(in: 0...UInt64.max)
        var settings = request.settings(seed: seed)
        // No max_tokens: as far as the context goes.
        if request.maxTokens == nil { settings.maxNewTokens = max(1, context - (prompts.map(\.count).max() ?? 0)) }
        var streams = [AsyncStream<CompletionEvent>]()
        for ids in prompts {
            streams.append(try engine.submit(TextGeneration.CompletionRequest(promptIDs: ids, settings: settings, logprobs: request.logprobs)))
        }
        let id = "cmpl-" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(24)
        let created = Int(Date().timeIntervalSince1970)
        let echoes = request.echo ? prompts.map { loaded.tokenizer?.decode($0) ?? "" } : prompts.map { _ in "" }
        let assembly = CompletionChoices(n: request.n, sampled: settings.doSample, stop: request.stop, echoes: echoes, tokenizer: loaded.tokenizer)
        let promptTokens = prompts.reduce(0) { $0 + $1.count }
        @Sendable func usage(_ completion: Int) -> [String: Int] {
            ["prompt_tokens": promptTokens, "completion_tokens": completion, "total_tokens": promptTokens + completion]
        }
        let (merged, ending) = Self.merge(streams, within: requestTimeout, hangup: hangup)
        if request.stream {
            return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"], body: ResponseBody { writer in
                var assembly = assembly
                func chunk(_ update: CompletionChoices.Update, logprobs: Any?) -> ByteBuffer {
                    var object: [String: Any] = ["id": id, "object": "text_completion", "created": created, "model": engine.modelID,
                                                 "choices": [["index": update.index, "text": update.text, "logprobs": logprobs ?? NSNull(),
                                                              "finish_reason": update.finishReason ?? NSNull()]]]
                    if request.includeUsage { object["usage"] = NSNull() }
                    return ByteBuffer(string: "data: " + Self.encode(object) + "\n\n")
                }
                for await (prompt, event) in merged {
                    for update in assembly.apply(prompt: prompt, event) {
                        let logprobs = update.token.flatMap { token in
                            request.logprobs.map { _ in Self.logprobsObject([token], tokenizer: loaded.tokenizer, offset: 0) }
                        }
                        // A token whose text waits (part of a character, or of a stop string) sends nothing yet.
                        if update.finishReason != nil || !update.text.isEmpty || logprobs != nil {
                            try await writer.write(chunk(update, logprobs: logprobs))
                        }
                    }
                    if case .failed(let reason) = event {
                        try await writer.write(ByteBuffer(string: "data: " + APIError.unavailable(reason, code: "generation_failed").json + "\n\n"))
                    }
                }
                switch ending.reason {
                case .hungUp: return
                case .timedOut: try await writer.write(ByteBuffer(string: "data: " + ending.timeout.json + "\n\n"))
                case .finished, nil: break
                }
                if request.includeUsage {
                    let object: [String: Any] = ["id": id, "object": "text_completion", "created": created, "model": engine.modelID,
                                                 "choices": [Any](), "usage": usage(assembly.completionTokens)]
                    try await writer.write(ByteBuffer(string: "data: " + Self.encode(object) + "\n\n"))
                }
                try await writer.write(ByteBuffer(string: "data: [DONE]\n\n"))
                try await writer.finish(nil)
            })
        }

        var whole = assembly
        for await (prompt, event) in merged { _ = whole.apply(prompt: prompt, event) }
        if let stopped = ending.stopped { throw stopped }
        if let failure = whole.failure { throw APIError.unavailable(failure, code: "generation_failed") }
        let list: [[String: Any]] = whole.choices.keys.sorted().map { index in
            let choice = whole.choices[index]!
            let logprobs: Any = request.logprobs.map { _ in
                Self.logprobsObject(choice.tokens, tokenizer: loaded.tokenizer, offset: choice.echoed.count, limit: choice.finalText.count)
            } ?? NSNull()
            return ["index": index, "text": choice.finalText, "logprobs": logprobs, "finish_reason": choice.finishReason ?? "length"]
        }
        return Self.json(200, ["id": id, "object": "text_completion", "created": created, "model": engine.modelID, "choices": list,
                               "usage": usage(whole.completionTokens)])
    }

    /// The legacy completions `logprobs` object: tokens, their log-probabilities, the top
    /// alternatives and each token's character offset in the choice's text.
    static func logprobsObject(_ tokens: [(id: Int, text: String, logprob: Float?, top: [(id: Int, logprob: Float)])], tokenizer: BPETokenizer?,
                               offset: Int, limit: Int = .max) -> [String: Any] {
        var texts = [String](), values = [Any](), tops = [Any](), offsets = [Int]()
        var position = offset
        for token in tokens where position < limit || texts.isEmpty {
            texts.append(token.text)
            values.append(token.logprob.map { Double($0) as Any } ?? NSNull())
            var top = [String: Double]()
            for alternative in token.top { top[tokenizer?.decode([alternative.id]) ?? "\(alternative.id)"] = Double(alternative.logprob) }
            tops.append(top)
            offsets.append(position)
            position += token.text.count
        }
        return ["tokens": texts, "token_logprobs": values, "top_logprobs": tops, "text_offset": offsets]
    }

    // MARK: gpt-2-cloud-run

    /// minimaxir/gpt-2-cloud-run's `/`: gpt-2-simple's `generate` parameters and defaults
    /// (`length` 1023 new tokens, at most the context; `temperature` 0.7; `top_k` 0 and
    /// `top_p` 0, both off; `prefix` at most 500 characters, an empty one starting from
    /// `<|endoftext|>`; `truncate` cuts the text at that string; `include_prefix` true).
    func cloudRun(_ parameters: [String: String], hangup: ClientHangup? = nil) async throws -> Response {
        if let unknown = parameters.keys.sorted().first(where: {
            !["length", "temperature", "top_k", "top_p", "prefix", "truncate", "include_prefix", "nsamples", "seed", "batch_size"].contains($0)
        }) {
            throw APIError.invalid(unknown, "unknown parameter \(unknown)")
        }
        func number(_ key: String, _ fallback: Double, _ range: ClosedRange<Double>) throws -> Double {
            guard let text = parameters[key] else { return fallback }
            guard let value = Double(text), value.isFinite, range.contains(value) else {
                throw APIError.invalid(key, "\(key) must be a number from \(range.lowerBound) to \(range.upperBound)")
            }
            return value
        }
        if let reason = engine.unavailableReason { throw reason }
        guard let (loaded, _) = engine.ready else { throw APIError.unavailable("the model is loading", code: "model_loading") }
        guard let tokenizer = loaded.tokenizer else { throw APIError.invalid("prefix", "this model has no tokenizer files; use /v1/completions with token ids") }
        let prefix = String((parameters["prefix"] ?? "").prefix(500))
        let includePrefix = (parameters["include_prefix"] ?? "true").lowercased() == "true"
        let length = Int(try number("length", 1023, 1...1_000_000))
        let temperature = try number("temperature", 0.7, 0...10)
        let topK = Int(try number("top_k", 0, 0...1_000_000))
        let topP = try number("top_p", 0, 0...1)
        let samples = Int(try number("nsamples", 1, 1...Double(engine.options.slots)))
        var settings = GenerationSettings()
        let endOfText = loaded.generator.endOfTextID
        let ids = prefix.isEmpty ? [endOfText ?? 0] : tokenizer.encode(prefix)
        settings.maxNewTokens = max(1, min(length, (engine.options.context ?? loaded.model.config.positions) - ids.count))
        settings.doSample = temperature > 0
        settings.temperature = Float(max(temperature, 1e-6))
        settings.topK = topK
        settings.topP = topP == 0 ? 1 : Float(topP)
        settings.numReturnSequences = settings.doSample ? samples : 1
        if let seed = parameters["seed"] {
            guard let value = Int64(seed) else { throw APIError.invalid("seed", "seed must be an integer") }
            settings.seed = UInt64(bitPattern: value)
        } else {
            settings.seed = UInt64.random(in: 0...UInt64.max)
        }
        let stream = try engine.submit(TextGeneration.CompletionRequest(promptIDs: ids, settings: settings))
        var texts = [String](repeating: "", count: settings.numReturnSequences)
        var failure: String?
        let (events, ending) = Self.merge([stream], within: requestTimeout, hangup: hangup)
        for await (_, event) in events {
            switch event {
            case .token(let sequence, _, let text, _, _): texts[sequence] += text
            case .finished(let sequence, _, let rest): texts[sequence] += rest
            case .failed(let reason): failure = reason
            case .done: break
            }
        }
        if let stopped = ending.stopped { throw stopped }
        if let failure { throw APIError.unavailable(failure, code: "generation_failed") }
        if !settings.doSample { texts = [String](repeating: texts[0], count: samples) }
        let results = texts.map { generated -> String in
            var generated = generated
            if let truncate = parameters["truncate"], !truncate.isEmpty, let cut = generated.range(of: truncate) {
                generated = String(generated[..<cut.lowerBound])
            }
            return (includePrefix ? prefix : "") + generated
        }
        var object: [String: Any] = ["text": results[0]]
        if samples > 1 { object["texts"] = results }
        return Self.json(200, object, headers: [.accessControlAllowOrigin: "*"])
    }

    // MARK: helpers

    /// Prompts as token ids: text through the tokenizer (an empty one starts from
    /// `<|endoftext|>`, as OpenAI's and gpt-2-simple's do), ids checked by the batcher.
    func promptIDs(_ prompt: CompletionsRequest.Prompt, tokenizer: BPETokenizer?, endOfText: Int?) throws -> [[Int]] {
        switch prompt {
        case .tokens(let lists): return lists
        case .texts(let texts):
            guard let tokenizer else { throw APIError.invalid("prompt", "this model has no tokenizer files; send the prompt as token ids") }
            return texts.map { $0.isEmpty ? [endOfText ?? 0] : tokenizer.encode($0) }
        }
    }

    static func body(_ request: inout Request, limit: Int) async throws -> [UInt8] {
        do {
            return Array(try await request.collectBody(upTo: limit).readableBytesView)
        } catch is NIOTooManyBytesError {
            throw APIError.tooLarge(limit: limit)
        }
    }

    /// How a request's merged events ended: all streams ended, the request timed out, or its
    /// client went away. The first to happen wins.
    final class Ending: @unchecked Sendable {
        enum Reason { case finished, timedOut, hungUp }
        let limit: Duration
        private let lock = NSLock()
        private var value: Reason?
        init(limit: Duration) { self.limit = limit }
        var reason: Reason? { lock.withLock { value } }
        var timeout: APIError { APIError.unavailable("the request took longer than \(limit) and was stopped", code: "timeout") }
        /// The answer to a request stopped before its end: a timeout, or a client that went
        /// away (nobody reads that answer; its slots are free already).
        var stopped: APIError? {
            switch reason {
            case .timedOut?: return timeout
            case .hungUp?: return APIError(status: 499, message: "the client closed the connection", type: "server_error", param: nil,
                                           code: "client_closed_request")
            case .finished?, nil: return nil
            }
        }
        /// True when this set the reason (it was the first).
        func set(_ reason: Reason) -> Bool {
            lock.withLock {
                guard value == nil else { return false }
                value = reason
                return true
            }
        }
    }

    /// The events of several streams, tagged with the stream's position, as they come, until
    /// they all end, `limit` passes or `hangup` fires; in the latter two cases the streams are
    /// dropped, which cancels their requests and frees their slots at the next step.
    static func merge(_ streams: [AsyncStream<CompletionEvent>], within limit: Duration,
                      hangup: ClientHangup?) -> (AsyncStream<(Int, CompletionEvent)>, Ending) {
        let ending = Ending(limit: limit)
        let merged = AsyncStream<(Int, CompletionEvent)> { continuation in
            let producer = Task {
                await withTaskGroup(of: Void.self) { group in
                    for (index, stream) in streams.enumerated() {
                        group.addTask { for await event in stream { continuation.yield((index, event)) } }
                    }
                }
                if ending.set(.finished) { continuation.finish() }
            }
            let timer = Task {
                try await Task.sleep(for: limit)
                if ending.set(.timedOut) { continuation.finish() }
            }
            let key = hangup?.onHangup { if ending.set(.hungUp) { continuation.finish() } }
            continuation.onTermination = { _ in
                producer.cancel()
                timer.cancel()
                if let key { hangup?.forget(key) }
            }
        }
        return (merged, ending)
    }

    static func encode(_ object: Any) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    static func json(_ status: Int, _ object: Any, headers extra: HTTPFields = [:]) -> Response {
        var headers: HTTPFields = [.contentType: "application/json"]
        headers.append(contentsOf: extra)
        return Response(status: .init(code: status), headers: headers, body: .init(byteBuffer: ByteBuffer(string: encode(object))))
    }
}
