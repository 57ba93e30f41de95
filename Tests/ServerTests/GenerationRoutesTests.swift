import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import TestSupport
import TextGeneration
@testable import Server

/// The generation routes in process, through HummingbirdTesting's router framework, on the
/// committed tiny GPT-2 (2 layers, 400 tokens, its own BPE files).
@Suite struct GenerationRoutesTests {
    static let model = Fixtures.path("models/tiny")

    /// An application serving the tiny model, ready (or, with `load` failing, failed).
    func app(apiKey: String? = nil, slots: Int = 2, queue: Int = 4, waitForLoad: Bool = true,
             load: (@Sendable () throws -> LoadedModel)? = nil) throws -> some ApplicationProtocol {
        let metrics = ServeMetrics()
        let engine = GenerationEngine(modelID: "tiny", options: .init(slots: slots, queue: queue), metrics: metrics)
        let ready = DispatchSemaphore(value: 0)
        engine.start(load: load ?? { try LoadedModel.load(Self.model) }) { _ in ready.signal() }
        if waitForLoad { ready.wait() }
        let router = Router(context: ServerContext.self)
        GenerationRoutes(engine: engine, metrics: metrics, apiKey: apiKey).add(to: router)
        return Application(router: router)
    }

    func json(_ response: TestResponse) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(String(buffer: response.body).utf8)) as? [String: Any])
    }

    @Test func completionsMatchWfGenerateAndNameTheirParts() async throws {
        let loaded = try LoadedModel.load(Self.model)
        var settings = GenerationSettings()
        settings.maxNewTokens = 12
        settings.seed = 5
        settings.topK = 0
        let expected = try loaded.generator.generate(promptIDs: loaded.requireTokenizer().encode("hello world"), settings: settings)[0]
        try await app().test(.router) { client in
            try await client.execute(uri: "/v1/completions", method: .post, headers: [.contentType: "application/json"],
                                     body: ByteBuffer(string: #"{"model": "tiny", "prompt": "hello world", "max_tokens": 12, "seed": 5}"#)) { response in
                #expect(response.status == .ok)
                let object = try json(response)
                #expect(object["object"] as? String == "text_completion" && object["model"] as? String == "tiny")
                let choice = try #require((object["choices"] as? [[String: Any]])?.first)
                #expect(choice["text"] as? String == expected.continuation)
                #expect(choice["finish_reason"] as? String == (expected.finishReason == .length ? "length" : "stop"))
                let usage = try #require(object["usage"] as? [String: Int])
                #expect(usage["completion_tokens"] == expected.generatedIDs.count && usage["prompt_tokens"] == expected.promptIDs.count)
            }
            // n sequences, token ids, logprobs.
            try await client.execute(uri: "/v1/completions", method: .post,
                                     body: ByteBuffer(string: #"{"prompt": [5, 6, 7], "max_tokens": 4, "n": 2, "logprobs": 2, "seed": 1}"#)) { response in
                let choices = try #require(try json(response)["choices"] as? [[String: Any]])
                #expect(choices.map { $0["index"] as? Int } == [0, 1])
                let logprobs = try #require(choices[0]["logprobs"] as? [String: Any])
                #expect((logprobs["tokens"] as? [String])?.count == 4 && (logprobs["top_logprobs"] as? [[String: Double]])?.first?.count == 2)
                #expect((logprobs["token_logprobs"] as? [Double])?.allSatisfy { $0 <= 0 } == true)
            }
        }
    }

    @Test(arguments: [
        (#"{"prompt": "x", "max_tokens": 0}"#, "max_tokens"),
        (#"{"prompt": "x", "temperature": 3}"#, "temperature"),
        (#"{"prompt": "x", "n": true}"#, "n"),
        (#"{"prompt": "x", "stop": ["a", "b", "c", "d", "e"]}"#, "stop"),
        (#"{"prompt": "x", "presence_penalty": 1}"#, "presence_penalty"),
        (#"{"prompt": "x", "bogus": 1}"#, "bogus"),
        (#"{"max_tokens": 3}"#, "prompt"),
        (#"{"prompt": [1, "a"]}"#, "prompt"),
        (#"{"prompt": [99999]}"#, "prompt"),
        (#"{"prompt": "x", "max_tokens": 5000}"#, "max_tokens"),
        ("not json", "body"),
    ])
    func badRequestsAre400NamingTheParameter(body: String, param: String) async throws {
        try await app().test(.router) { client in
            try await client.execute(uri: "/v1/completions", method: .post, body: ByteBuffer(string: body)) { response in
                #expect(response.status == .badRequest, "\(String(buffer: response.body))")
                let error = try #require(try json(response)["error"] as? [String: Any])
                #expect(error["param"] as? String == param && error["type"] as? String == "invalid_request_error", "\(error)")
            }
        }
    }

    @Test func anAPIKeyGuardsEverythingButHealth() async throws {
        try await app(apiKey: "sesame").test(.router) { client in
            try await client.execute(uri: "/health", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/v1/models", method: .get) { response in
                #expect(response.status == .unauthorized)
                let error = try json(response)["error"] as? [String: Any]
                #expect(error?["type"] as? String == "authentication_error")
            }
            try await client.execute(uri: "/v1/models", method: .get, headers: [.authorization: "Bearer sesam"]) { #expect($0.status == .unauthorized) }
            try await client.execute(uri: "/v1/models", method: .get, headers: [.authorization: "Bearer sesame"]) { response in
                #expect(response.status == .ok)
                let data = try json(response)["data"] as? [[String: Any]]
                #expect(data?.first?["id"] as? String == "tiny")
            }
            try await client.execute(uri: "/metrics", method: .get, headers: [.authorization: "Bearer sesame"]) { response in
                let text = String(buffer: response.body)
                #expect(text.contains("wf_http_requests_total{route=\"/v1/models\",status=\"401\"} 2"), "\(text)")
            }
        }
    }

    @Test func unknownModelsRoutesAndAFailedLoadAnswerAsOpenAIDoes() async throws {
        try await app().test(.router) { client in
            try await client.execute(uri: "/v1/completions", method: .post, body: ByteBuffer(string: #"{"model": "gpt-9", "prompt": "x"}"#)) { response in
                #expect(response.status == .notFound)
                let error = try json(response)["error"] as? [String: Any]
                #expect(error?["code"] as? String == "model_not_found")
            }
            try await client.execute(uri: "/v2/nothing", method: .get) { #expect($0.status == .notFound) }
        }
        struct Broken: Error {}
        try await app(load: { throw Broken() }).test(.router) { client in
            try await client.execute(uri: "/health", method: .get) { #expect($0.status == .serviceUnavailable) }
            try await client.execute(uri: "/v1/completions", method: .post, body: ByteBuffer(string: #"{"prompt": "x"}"#)) { response in
                #expect(response.status == .serviceUnavailable)
            }
        }
    }

    /// While the model loads: /health and the generation routes answer 503 with Retry-After
    /// (a client backs off, a load balancer holds traffic), then 200.
    @Test func whileTheModelLoadsRequestsAreToldToRetry() async throws {
        let release = DispatchSemaphore(value: 0)
        try await app(waitForLoad: false, load: { release.wait(); return try LoadedModel.load(Self.model) }).test(.router) { client in
            try await client.execute(uri: "/health", method: .get) { response in
                #expect(response.status == .serviceUnavailable && response.headers[.retryAfter] != nil)
            }
            for (uri, method, body) in [("/v1/completions", HTTPRequest.Method.post, #"{"prompt": "x"}"#), ("/?prefix=x", .get, "")] {
                try await client.execute(uri: uri, method: method, body: ByteBuffer(string: body)) { response in
                    #expect(response.status == .serviceUnavailable && response.headers[.retryAfter] != nil, "\(uri)")
                    let error = try json(response)["error"] as? [String: Any]
                    #expect(error?["code"] as? String == "model_loading", "\(uri)")
                }
            }
            release.signal()
            var status = HTTPResponse.Status.serviceUnavailable
            for _ in 0..<500 where status != .ok {
                status = try await client.execute(uri: "/health", method: .get) { $0.status }
                if status != .ok { try await Task.sleep(for: .milliseconds(20)) }
            }
            #expect(status == .ok)
        }
    }

    @Test func gpt2CloudRunsParametersKeepTheirMeanings() async throws {
        try await app().test(.router) { client in
            try await client.execute(uri: "/?prefix=hello&length=8&seed=3&temperature=0", method: .get) { response in
                #expect(response.headers[.accessControlAllowOrigin] == "*")
                let text = try #require(try json(response)["text"] as? String)
                #expect(text.hasPrefix("hello"))
            }
            try await client.execute(uri: "/?prefix=hello&length=8&seed=3&temperature=0&include_prefix=false", method: .get) { response in
                let text = try json(response)["text"] as? String
                #expect(text != nil && !(text ?? "hello").hasPrefix("hello"))
            }
            try await client.execute(uri: "/", method: .post, body: ByteBuffer(string: #"{"prefix": "hello", "length": 6, "nsamples": 2, "seed": 9}"#)) { response in
                let texts = try json(response)["texts"] as? [String]
                #expect(texts?.count == 2)
            }
            try await client.execute(uri: "/", method: .head) { #expect($0.status == .ok) }
            try await client.execute(uri: "/?length=lots", method: .get) { response in
                #expect(response.status == .badRequest && response.headers[.accessControlAllowOrigin] == "*")
            }
        }
    }

    /// Text that may start a stop string waits; the stop string itself is never returned.
    @Test func stopStringsAreCutAndHeldBackWhileStreaming() {
        var choice = CompletionChoice(index: 0, stop: ["END"])
        #expect(choice.append("Hello E") == "Hello ")
        #expect(choice.append("N") == "")
        #expect(choice.append("D and more") == "")
        #expect(choice.finish(.stopString, rest: "") == "")
        #expect(choice.finalText == "Hello " && choice.finishReason == "stop")
        var other = CompletionChoice(index: 0, stop: ["END"])
        #expect(other.append("Hello E") == "Hello ")
        #expect(other.append("ast") == "East")
        #expect(other.finish(.length, rest: "!") == "!" && other.finishReason == "length" && other.finalText == "Hello East!")
    }
}
