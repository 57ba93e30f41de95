import Foundation
import Testing
import TestSupport
import TextGeneration

/// `wf serve` as a real process on 127.0.0.1: concurrent requests get exactly what
/// `wf generate` gives each alone, streams end with `data: [DONE]`, a full queue answers 503
/// with Retry-After, a client that goes away frees its slot, and SIGTERM stops it cleanly.
@Suite struct ServeTests {
    let scratch = Scratch("wf-serve")

    final class Server: @unchecked Sendable {
        let process: Process
        let log: String
        let url: String

        init(_ arguments: [String], scratch: Scratch) throws {
            log = scratch("serve.log")
            process = try WFBinary.start(["serve", "--listen", "127.0.0.1:0", "--threads", "1"] + arguments,
                                         stdoutFile: scratch("serve.out"), stderrFile: log)
            var found: String?
            for _ in 0..<600 where found == nil {
                let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
                if let line = text.split(separator: "\n").first(where: { $0.contains("listening on http://") }), let range = line.range(of: "http://") {
                    found = String(line[range.lowerBound...])
                }
                if found == nil { usleep(20_000) }
            }
            url = try #require(found, "wf serve did not start: \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
            #expect(try eventually(30) { (try? HTTPClient.get(url + "/health"))?.status == 200 })
        }

        deinit { if process.isRunning { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() } }

        func complete(_ body: String) throws -> (status: Int, object: [String: Any]) {
            let reply = try HTTPClient.post(url + "/v1/completions", headers: ["Content-Type": "application/json"], body: Array(body.utf8))
            return (reply.status, (try? JSONSerialization.jsonObject(with: Data(reply.body.utf8)) as? [String: Any]) ?? [:])
        }
    }

    @Test func concurrentRequestsGetWhatWfGenerateGivesEachAlone() throws {
        let model = Fixtures.path("models/tiny")
        let server = try Server(["--model", model, "--parallel", "3", "--queue", "8"], scratch: scratch)
        let prompts = ["hello", "the world", "a b c", "once upon", "x", "hello again"]
        final class Replies: @unchecked Sendable { var texts = [Int: String](); let lock = NSLock() }
        let replies = Replies()
        let all = DispatchGroup()
        for index in prompts.indices {
            all.enter()
            Thread.detachNewThread {
                defer { all.leave() }
                let body = #"{"prompt": "\#(prompts[index])", "max_tokens": \#(10 + index * 5), "seed": \#(index + 1), "top_k": 20}"#
                let text = ((try? server.complete(body))?.object["choices"] as? [[String: Any]])?.first?["text"] as? String
                replies.lock.withLock { replies.texts[index] = text ?? "<no reply>" }
            }
        }
        all.wait()
        for (index, prompt) in prompts.enumerated() {
            let alone = try WFBinary.run(["generate", "--model", model, "--prompt", prompt, "--max-new-tokens", "\(10 + index * 5)",
                                          "--seed", "\(index + 1)", "--top-k", "20", "--temperature", "1", "--top-p", "1", "--json"])
            let object = try JSONSerialization.jsonObject(with: Data(alone.stdout.utf8)) as? [String: Any]
            let expected = try #require((object?["sequences"] as? [[String: Any]])?.first?["continuation"] as? String, "\(alone.stdout)\(alone.stderr)")
            #expect(replies.texts[index] == expected, "prompt \(index)")
        }

        let stream = try Shell.run("curl", ["-s", "-N", server.url + "/v1/completions", "-H", "Content-Type: application/json",
                                            "-d", #"{"prompt": "hello", "max_tokens": 6, "seed": 1, "stream": true, "stream_options": {"include_usage": true}}"#])
        let events = stream.stdout.components(separatedBy: "\n\n").filter { !$0.isEmpty }
        #expect(events.last == "data: [DONE]", "\(stream.stdout)")
        #expect(events.dropLast().last?.contains(#""completion_tokens":6"#) == true, "\(stream.stdout)")
        #expect(events.contains { $0.contains(#""finish_reason":"length""#) })

        kill(server.process.processIdentifier, SIGTERM)
        server.process.waitUntilExit()
        #expect(server.process.terminationStatus == 0)
    }

    /// A random model big enough that a long request lasts seconds (4 layers × 384, a
    /// 1,024-token context; no tokenizer: token ids in and out).
    func slowModel() throws -> String {
        let folder = scratch("slow-model")
        try RandomModel.write(config: GPT2Config(layers: 4, heads: 6, embedding: 384, positions: 1024, vocabulary: 2000), to: folder)
        return folder
    }

    @Test func aFullQueueAnswers503AndAClientThatLeavesFreesItsSlot() throws {
        let server = try Server(["--model", try slowModel(), "--parallel", "1", "--queue", "1"], scratch: scratch)
        // Three long requests at once for one slot and one place in the queue.
        final class Statuses: @unchecked Sendable { var values = [Int](); var retryAfter = false; let lock = NSLock() }
        let statuses = Statuses()
        // Threads of their own: concurrentPerform would run only as many as there are cores.
        let all = DispatchGroup()
        for _ in 0..<4 {
            all.enter()
            Thread.detachNewThread {
            defer { all.leave() }
            let reply = try? Shell.run("curl", ["-s", "-o", "/dev/null", "-D", "-", server.url + "/v1/completions",
                                                "-d", #"{"prompt": [1, 2, 3], "max_tokens": 300, "seed": 2}"#])
            let head = reply?.stdout ?? ""
            let status = Int(head.split(separator: " ").dropFirst().first ?? "") ?? 0
            statuses.lock.withLock {
                statuses.values.append(status)
                if status == 503 && head.lowercased().contains("retry-after: 1") { statuses.retryAfter = true }
            }
            }
        }
        all.wait()
        #expect(statuses.values.allSatisfy { $0 == 200 || $0 == 503 } && statuses.values.contains(200) && statuses.values.contains(503),
                "\(statuses.values)")
        #expect(statuses.retryAfter)

        // A streaming client that reads its first event and hangs up: its request is cancelled.
        let connection = try TCPConnection(port: UInt16(server.url.split(separator: ":").last!)!)
        let body = #"{"prompt": [1, 2, 3], "max_tokens": 1000, "seed": 3, "stream": true}"#
        try connection.send("POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
        var byte: UInt8 = 0
        #expect(recv(connection.fd, &byte, 1, 0) == 1)
        connection.close()
        #expect(try eventually(10) { (try? HTTPClient.get(server.url + "/metrics"))?.body.contains("wf_cancelled_requests_total 1") == true },
                "\((try? HTTPClient.get(server.url + "/metrics"))?.body ?? "")")

        // A client waiting for a whole answer (nothing is written before the last token) that
        // hangs up while its request runs: cancelled at once too.
        let waiting = try TCPConnection(port: UInt16(server.url.split(separator: ":").last!)!)
        let whole = #"{"prompt": [1, 2, 3], "max_tokens": 1000, "seed": 4}"#
        try waiting.send("POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: \(whole.utf8.count)\r\n\r\n\(whole)")
        #expect(try eventually(10) { (try? HTTPClient.get(server.url + "/metrics"))?.body.contains("wf_running_sequences_count 1") == true })
        waiting.close()
        #expect(try eventually(5) { (try? HTTPClient.get(server.url + "/metrics"))?.body.contains("wf_cancelled_requests_total 2") == true },
                "\((try? HTTPClient.get(server.url + "/metrics"))?.body ?? "")")
        #expect(try server.complete(#"{"prompt": [1], "max_tokens": 3}"#).status == 200)
    }

    /// `--request-timeout` stops a whole answer with 503 and a stream with an error event
    /// before its `[DONE]`; either way the slot is freed.
    @Test func requestTimeoutStopsWholeAndStreamedAnswers() throws {
        let server = try Server(["--model", try slowModel(), "--parallel", "1", "--request-timeout", "0.5"], scratch: scratch)
        let whole = try server.complete(#"{"prompt": [1, 2, 3], "max_tokens": 1000, "seed": 2}"#)
        #expect(whole.status == 503 && (whole.object["error"] as? [String: Any])?["code"] as? String == "timeout", "\(whole)")
        let stream = try Shell.run("curl", ["-s", "-N", server.url + "/v1/completions",
                                            "-d", #"{"prompt": [1, 2, 3], "max_tokens": 1000, "seed": 2, "stream": true}"#])
        let events = stream.stdout.components(separatedBy: "\n\n").filter { !$0.isEmpty }
        #expect(events.last == "data: [DONE]", "\(stream.stdout.suffix(300))")
        #expect(events.dropLast().last?.contains(#""code":"timeout""#) == true, "\(stream.stdout.suffix(300))")
        #expect(try eventually(5) { (try? HTTPClient.get(server.url + "/metrics"))?.body.contains("wf_cancelled_requests_total 2") == true },
                "\((try? HTTPClient.get(server.url + "/metrics"))?.body ?? "")")
    }

    /// `wf daemon --listen --serve-model`: the generation routes beside the hooks, the API key
    /// guarding only them.
    @Test func theDaemonMountsTheGenerationRoutes() throws {
        let daemon = try DaemonProcess(home: scratch("home"), scratch: scratch, listen: true, environment: ["WF_TEST_KEY": "k1"],
                                       arguments: ["--serve-model", Fixtures.path("models/tiny"), "--api-key-env", "WF_TEST_KEY"])
        let url = try daemon.url()
        #expect(try eventually(30) { (try? HTTPClient.get(url + "/v1/models"))?.status == 401 })
        let reply = try HTTPClient.post(url + "/v1/completions", headers: ["Authorization": "Bearer k1"], body: Array(#"{"prompt": "hi", "max_tokens": 3}"#.utf8))
        #expect(reply.status == 200 && reply.body.contains("text_completion"), "\(reply.body)")
        #expect(try HTTPClient.get(url + "/health").body == "ok\n")
        let hook = try HTTPClient.post(url + "/hooks/github", headers: ["X-GitHub-Event": "ping"], body: Array("{}".utf8))
        #expect(hook.status != 401 || !hook.body.contains("Bearer"), "the hooks must not need the generation key: \(hook.body)")
        #expect(daemon.stop() == 0)
    }

    /// A Python interpreter with OpenAI's `openai` package: `$WF_OPENAI_PYTHON`, else the
    /// virtual environment `.ci/run` makes in `.build/venv-openai`.
    static var openAIPython: String? {
        let candidates = [ProcessInfo.processInfo.environment["WF_OPENAI_PYTHON"], Fixtures.checkout(".build/venv-openai/bin/python")].compactMap { $0 }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) && (try? Shell.run($0, ["-c", "import openai"]).status) == 0 }
    }

    /// OpenAI's own client library (PyPI `openai`) against `wf serve`: completions, n with
    /// logprobs, stop, a stream with usage, the model list, a 400 it raises as BadRequestError.
    @Test(.enabled(if: ServeTests.openAIPython != nil,
                   "NO PYTHON WITH THE openai PACKAGE: the OpenAI client test is skipped; .ci/run makes .build/venv-openai (pip install openai)"))
    func openAIsClientLibraryTalksToIt() throws {
        let server = try Server(["--model", Fixtures.path("models/tiny")], scratch: scratch)
        let output = try Shell.run(ServeTests.openAIPython!, [Fixtures.checkout("scripts/openai_client_check.py"), server.url])
        let seen = try #require(try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any], "\(output.stdout)")
        #expect(seen["models"] as? [String] == ["tiny"])
        #expect(seen["finish_reason"] as? String == "length")
        #expect(seen["streamed"] as? String == seen["text"] as? String)
        #expect((seen["stream_usage"] as? [String: Any])?["completion_tokens"] as? Int == 8)
        #expect(seen["indices"] as? [Int] == [0, 1, 2, 3] && seen["top_logprobs"] as? Int == 2)
        #expect((seen["stop_text"] as? String)?.contains("e") == false)
        #expect((seen["error"] as? [String: Any])?["param"] as? String == "max_tokens")
    }
}
