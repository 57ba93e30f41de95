import Datasets
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import TestSupport
import Triggers
@testable import Server

/// The actions in process (HummingbirdTesting's router framework) over a real home and an
/// in-process daemon: the API key they always need (403 without one, 401 without it), what
/// they answer (202 with the queue item, 404 naming what is missing, 409 saying why not, 405
/// for GET), and the dashboard's login, session cookie and buttons.
@Suite struct ActionRoutesTests {
    let scratch = Scratch("wf-action-routes")
    static let key = "test-key-123"

    /// A home with a link `demo`, a run of it (Clone → Generate, succeeded) and a run `wf run` made.
    func daemon() throws -> (Daemon, RunRecord, RunRecord) {
        let home = scratch("home"), remote = scratch("remote.git")
        _ = try Shell.run("git", ["init", "-q", "--bare", "-b", "main", remote])
        let daemon = try Daemon(home: home, defaultModel: nil) { _ in }
        try daemon.triggers.add(Link(name: "demo", url: remote, pollSeconds: 0), heads: [:])
        let store = daemon.triggers.store
        func record(_ id: String, link: String?) throws -> RunRecord {
            var run = RunRecord(id: id, workflow: ".gradient/workflows/main.yaml", repository: remote,
                                commit: "0123456789abcdef0123456789abcdef01234567", trigger: "poll demo refs/heads/main", pid: 1,
                                jobs: [JobRecord(name: "Clone", action: "git-checkout@v1", status: .succeeded),
                                       JobRecord(name: "Generate", action: "text-generation@v1", status: .succeeded, needs: ["Clone"])],
                                link: link)
            try store.recordRunStarted(run)
            for job in run.jobs {
                try FileManager.default.createDirectory(atPath: "\(home)/runs/\(id)/\(job.name)/outputs", withIntermediateDirectories: true)
            }
            try store.recordRunFinished(id, status: .succeeded, summary: nil)
            run.status = .succeeded
            return run
        }
        return (daemon, try record("run-1000-aaaa", link: "demo"), try record("run-2000-bbbb", link: nil))
    }

    func app(_ daemon: Daemon, apiKey: String?) throws -> some ApplicationProtocol {
        let router = Router(context: ServerContext.self)
        ReadRoutes(store: daemon.triggers.store, triggers: daemon.triggers).add(to: router, apiKey: apiKey)
        ActionRoutes(daemon: daemon).add(to: router, apiKey: apiKey)
        try DashboardRoutes(store: daemon.triggers.store, triggers: daemon.triggers, actions: daemon, playground: nil).add(to: router, apiKey: apiKey)
        return Application(router: router)
    }

    func json(_ response: TestResponse) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(String(buffer: response.body).utf8)) as? [String: Any], "\(String(buffer: response.body))")
    }

    func apiError(_ response: TestResponse) throws -> (message: String, code: String?) {
        let error = try #require(try json(response)["error"] as? [String: Any])
        return (error["message"] as? String ?? "", error["code"] as? String)
    }

    @Test func withoutAnAPIKeyActionsAreRefusedAndReadsAreOpen() async throws {
        let (daemon, run, _) = try daemon()
        try await app(daemon, apiKey: nil).test(.router) { client in
            try await client.execute(uri: "/api/runs/\(run.id)/rerun", method: .post) { response in
                #expect(response.status == .forbidden)
                let failure = try apiError(response)
                #expect(failure.code == "actions_disabled")
            }
            try await client.execute(uri: "/api/runs/\(run.id)", method: .get) { #expect($0.status == .ok) }
            // The run page says how to enable the buttons, and has none.
            try await client.execute(uri: "/ui/runs/\(run.id)", method: .get) { response in
                let page = String(buffer: response.body)
                #expect(page.contains("--api-key-env") && !page.contains("/rerun\""), "\(page)")
            }
            try await client.execute(uri: "/ui/runs/\(run.id)/rerun", method: .post) { #expect($0.status == .forbidden) }
        }
        #expect(try daemon.triggers.queue().isEmpty)
    }

    @Test func actionsAnswerWhatTheyDidOrWhyNot() async throws {
        let (daemon, run, local) = try daemon()
        let auth: HTTPFields = [.authorization: "Bearer \(Self.key)"]
        try await app(daemon, apiKey: Self.key).test(.router) { client in
            try await client.execute(uri: "/api/runs/\(run.id)/rerun", method: .post) { #expect($0.status == .unauthorized) }
            try await client.execute(uri: "/api/runs/\(run.id)/rerun", method: .post, headers: [.authorization: "Bearer wrong"]) {
                #expect($0.status == .unauthorized)
            }
            var queued: Int64 = 0
            try await client.execute(uri: "/api/runs/\(run.id)/rerun", method: .post, headers: auth) { response in
                #expect(response.status == .accepted)
                let item = try #require(try json(response)["item"] as? [String: Any])
                #expect(item["rerun_of"] as? String == run.id && item["source"] as? String == "rerun" && item["status"] as? String == "queued")
                queued = (item["id"] as? NSNumber)?.int64Value ?? 0
            }
            try await client.execute(uri: "/api/runs/\(run.id)/rerun", method: .post, headers: auth) { response in
                #expect(response.status == .conflict)
                let failure = try apiError(response)
                #expect(failure.message.contains("already queued again as item \(queued)"))
            }
            try await client.execute(uri: "/api/queue/\(queued)/cancel", method: .post, headers: auth) { response in
                let state = try json(response)["state"] as? String
                #expect(response.status == .accepted && state == "cancelled")
            }
            try await client.execute(uri: "/api/runs/\(run.id)/jobs/Generate/rerun", method: .post, headers: auth) { response in
                #expect(response.status == .accepted)
                let item = try #require(try json(response)["item"] as? [String: Any])
                #expect(item["rerun_job"] as? String == "Generate")
            }
            try await client.execute(uri: "/api/runs/\(run.id)/jobs/Nope/rerun", method: .post, headers: auth) { response in
                #expect(response.status == .notFound)
                let failure = try apiError(response)
                #expect(failure.message.contains("has no job Nope; its jobs: Clone, Generate"))
            }
            try await client.execute(uri: "/api/runs/run-none/rerun", method: .post, headers: auth) { #expect($0.status == .notFound) }
            try await client.execute(uri: "/api/runs/\(local.id)/rerun", method: .post, headers: auth) { response in
                #expect(response.status == .conflict)
                let failure = try apiError(response)
                #expect(failure.message.contains("started by `wf run`"))
            }
            try await client.execute(uri: "/api/runs/\(run.id)/cancel", method: .post, headers: auth) { response in
                #expect(response.status == .conflict)
                let failure = try apiError(response)
                #expect(failure.message.contains("has already ended (succeeded)"))
            }
            try await client.execute(uri: "/api/queue/x/cancel", method: .post, headers: auth) { #expect($0.status == .notFound) }
            try await client.execute(uri: "/api/links/none/trigger", method: .post, headers: auth) { response in
                #expect(response.status == .notFound)
                let failure = try apiError(response)
                #expect(failure.message.contains("no link named none; links: demo"))
            }
            try await client.execute(uri: "/api/links/demo/trigger", method: .post, headers: auth, body: ByteBuffer(string: "[1]")) { response in
                #expect(response.status == .badRequest)
            }
            try await client.execute(uri: "/api/links/demo/trigger", method: .post, headers: auth, body: ByteBuffer(string: #"{"commit": 5}"#)) { response in
                let failure = try apiError(response)
                #expect(response.status == .badRequest && failure.message.contains("commit is a revision"))
            }
            try await client.execute(uri: "/api/runs/\(run.id)/cancel", method: .get, headers: auth) { response in
                #expect(response.status == .methodNotAllowed && response.headers[.allow] == "POST")
            }
        }
        let items = try daemon.triggers.queue()
        #expect(items.map(\.status) == [.queued, .cancelled], "\(items)")
    }

    @Test func theDashboardLogsInOnceAndItsButtonsPost() async throws {
        let (daemon, run, _) = try daemon()
        try await app(daemon, apiKey: Self.key).test(.router) { client in
            try await client.execute(uri: "/ui/runs/\(run.id)", method: .get) { response in
                #expect(response.status == .seeOther)
                #expect(response.headers[.location] == "/ui/login?next=%2Fui%2Fruns%2F\(run.id.replacingOccurrences(of: "-", with: "%2D"))")
            }
            try await client.execute(uri: "/ui/login?next=//evil.example/ui", method: .get) { response in
                #expect(String(buffer: response.body).contains(#"name="next" value="/ui""#))
            }
            let form: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
            try await client.execute(uri: "/ui/login", method: .post, headers: form, body: ByteBuffer(string: "key=wrong&next=%2Fui")) { response in
                #expect(response.status == .unauthorized && String(buffer: response.body).contains("That is not the key"))
                #expect(response.headers[.setCookie] == nil)
            }
            var cookie = ""
            try await client.execute(uri: "/ui/login", method: .post, headers: form,
                                     body: ByteBuffer(string: "key=\(Self.key)&next=%2Fui%2Fruns%2F\(run.id)")) { response in
                #expect(response.status == .seeOther && response.headers[.location] == "/ui/runs/\(run.id)")
                let set = try #require(response.headers[.setCookie])
                #expect(set.contains("HttpOnly") && set.contains("SameSite=Strict") && !set.contains(Self.key))
                cookie = String(set.prefix { $0 != ";" })
            }
            try await client.execute(uri: "/ui/runs/\(run.id)", method: .get, headers: [.cookie: cookie]) { response in
                let page = String(buffer: response.body)
                #expect(response.status == .ok)
                #expect(page.contains(#"action="/ui/runs/\#(run.id)/rerun""#) && page.contains(#"action="/ui/runs/\#(run.id)/jobs/Generate/rerun""#), "\(page)")
            }
            // The read API takes the session too (the run page's live log reads it).
            try await client.execute(uri: "/api/runs/\(run.id)", method: .get, headers: [.cookie: cookie]) { #expect($0.status == .ok) }
            try await client.execute(uri: "/ui/runs/\(run.id)/jobs/Generate/rerun", method: .post, headers: [.cookie: cookie]) { response in
                #expect(response.status == .seeOther && response.headers[.location] == "/ui?link=demo")
            }
            try await client.execute(uri: "/ui/runs/\(run.id)/rerun", method: .post, headers: [.cookie: cookie]) { response in
                #expect(response.status == .conflict && String(buffer: response.body).contains("already queued again"))
            }
            try await client.execute(uri: "/ui", method: .get, headers: [.cookie: cookie]) { response in
                #expect(String(buffer: response.body).contains("re-run of \(run.id) (job Generate)"))
            }
            try await client.execute(uri: "/ui/runs/\(run.id)/rerun", method: .post, headers: [.cookie: "wf_session=forged"]) { response in
                #expect(response.status == .seeOther && response.headers[.location]?.hasPrefix("/ui/login") == true)
            }
        }
        #expect(try daemon.triggers.queue().count == 1)
    }
}
