import Datasets
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import TestSupport
import Triggers
@testable import Server

/// The read API in process (HummingbirdTesting's router framework) over a real store: two
/// versions of a dataset with a changed line, a run of two jobs (one needing the other) with a
/// log, and the errors a wrong id or a bad parameter gets.
@Suite struct ReadRoutesTests {
    let scratch = Scratch("wf-read-api")

    struct Home {
        let store: DatasetStore
        let old: VersionInfo
        let new: VersionInfo
        let run: RunRecord
    }

    func home() throws -> Home {
        let home = scratch("home")
        let store = try DatasetStore(home: home)
        let files = scratch("files")
        try FileManager.default.createDirectory(atPath: files, withIntermediateDirectories: true)
        try "one\ntwo\nthree\n".write(toFile: files + "/outputs.txt", atomically: true, encoding: .utf8)
        try "<svg xmlns='http://www.w3.org/2000/svg'/>".write(toFile: files + "/plot.svg", atomically: true, encoding: .utf8)
        let old = try store.commit(dataset: "generated-text", paths: [files + "/outputs.txt", files + "/plot.svg"], message: "first")
        try "one\nTWO\nthree\n".write(toFile: files + "/outputs.txt", atomically: true, encoding: .utf8)
        // Logs where the runner writes them; one job's recorded path points out of the home,
        // as an edited index could make it.
        let log = home + "/runs/20261130-120000-abcd/Generate/log.txt"
        try FileManager.default.createDirectory(atPath: (log as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try "cloning\ngenerating 20 tokens\n".write(toFile: log, atomically: true, encoding: .utf8)
        var run = RunRecord(id: "20261130-120000-abcd", workflow: ".gradient/workflows/main.yaml", repository: "https://example.com/r.git",
                            commit: "0123456789abcdef0123456789abcdef01234567", trigger: "poll demo refs/heads/main", pid: 1,
                            jobs: [JobRecord(name: "CloneRepo", action: "git-checkout@v1", log: "/etc/passwd"),
                                   JobRecord(name: "Generate", action: "text-generation@v1", log: log, needs: ["CloneRepo"])],
                            link: "demo")
        try store.recordRunStarted(run)
        run.jobs[0].status = .succeeded
        try store.recordJob(run.jobs[0], run: run.id)
        let new = try store.commit(dataset: "generated-text", paths: [files + "/outputs.txt", files + "/plot.svg"], message: "second",
                                   provenance: Provenance(repository: run.repository, commit: run.commit, workflow: run.workflow, job: "Generate", run: run.id))
        run.jobs[1].status = .succeeded
        run.jobs[1].outputs = ["generated-text": new.reference]
        try store.recordJob(run.jobs[1], run: run.id)
        try store.recordRunFinished(run.id, status: .succeeded, summary: nil)
        return Home(store: try DatasetStore(home: home, mode: .readOnly), old: old, new: new, run: run)
    }

    func app(_ home: Home, apiKey: String? = nil) -> some ApplicationProtocol {
        let router = Router(context: ServerContext.self)
        ReadRoutes(store: home.store, triggers: nil).add(to: router, apiKey: apiKey)
        return Application(router: router)
    }

    func json(_ response: TestResponse) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(String(buffer: response.body).utf8)) as? [String: Any], "\(String(buffer: response.body))")
    }

    @Test func runsWithTheirGraphAndLogs() async throws {
        let home = try home()
        try await app(home).test(.router) { client in
            try await client.execute(uri: "/api/runs?link=demo&status=succeeded", method: .get) { response in
                #expect(response.status == .ok)
                let runs = try json(response)["runs"] as? [[String: Any]]
                #expect(runs?.count == 1 && runs?.first?["id"] as? String == home.run.id)
                let jobs = runs?.first?["jobs"] as? [[String: Any]]
                #expect(jobs?.first { $0["name"] as? String == "Generate" }?["needs"] as? [String] == ["CloneRepo"])
            }
            try await client.execute(uri: "/api/runs?link=other", method: .get) { response in
                let runs = try json(response)["runs"] as? [Any]
                #expect(runs?.isEmpty == true)
            }
            try await client.execute(uri: "/api/runs/\(home.run.id.prefix(8))", method: .get) { response in
                let status = try json(response)["status"] as? String
                #expect(status == "succeeded")
            }
            try await client.execute(uri: "/api/runs/\(home.run.id)/jobs/Generate/log", method: .get) { response in
                #expect(String(buffer: response.body) == "cloning\ngenerating 20 tokens\n")
            }
            // A finished job's log as events: every line, then the end.
            try await client.execute(uri: "/api/runs/\(home.run.id)/jobs/Generate/log", method: .get, headers: [.accept: "text/event-stream"]) { response in
                #expect(String(buffer: response.body) == "data: cloning\n\ndata: generating 20 tokens\n\nevent: end\ndata: \n\n")
            }
            try await client.execute(uri: "/api/runs/\(home.run.id)/jobs/CloneRepo/log", method: .get) { response in
                #expect(response.status == .ok && String(buffer: response.body).isEmpty, "a log path outside the home's runs/ was served")
            }
            try await client.execute(uri: "/api/runs/nope-0000", method: .get) { response in
                #expect(response.status == .notFound)
                let error = try json(response)["error"] as? [String: Any]
                #expect((error?["message"] as? String)?.contains("nope-0000") == true)
            }
            try await client.execute(uri: "/api/runs/\(home.run.id)/jobs/Nope/log", method: .get) { response in
                #expect(response.status == .notFound)
            }
            for bad in ["per_page=0", "per_page=101", "page=x", "status=paused"] {
                try await client.execute(uri: "/api/runs?\(bad)", method: .get) { response in
                    #expect(response.status == .badRequest, "\(bad)")
                    let error = try json(response)["error"] as? [String: Any]
                    #expect(error?["param"] as? String == String(bad.split(separator: "=")[0]))
                }
            }
        }
    }

    @Test func versionsFilesRangesAndDiffs() async throws {
        let home = try home()
        try await app(home).test(.router) { client in
            try await client.execute(uri: "/api/datasets", method: .get) { response in
                let datasets = try json(response)["datasets"] as? [[String: Any]]
                #expect(datasets?.first?["name"] as? String == "generated-text" && datasets?.first?["versions"] as? Int == 2)
            }
            try await client.execute(uri: "/api/datasets/generated-text/versions", method: .get) { response in
                let versions = try json(response)["versions"] as? [[String: Any]]
                #expect(versions?.map { $0["message"] as? String } == ["second", "first"])
                #expect((versions?.first?["provenance"] as? [String: Any])?["run"] as? String == home.run.id)
            }
            try await client.execute(uri: "/api/datasets/generated-text/versions/latest", method: .get) { response in
                let object = try json(response)
                #expect((object["files"] as? [[String: Any]])?.map { $0["path"] as? String } == ["outputs.txt", "plot.svg"])
            }
            try await client.execute(uri: "/api/datasets/generated-text/versions/~1/files/outputs.txt", method: .get) { response in
                #expect(String(buffer: response.body) == "one\ntwo\nthree\n")
                #expect(response.headers[.contentType] == "text/plain; charset=utf-8")
            }
            try await client.execute(uri: "/api/datasets/generated-text/versions/\(home.new.id.hex.prefix(8))/files/outputs.txt", method: .get,
                                     headers: [.range: "bytes=4-6"]) { response in
                #expect(response.status == .partialContent && String(buffer: response.body) == "TWO")
                #expect(response.headers[.contentRange] == "bytes 4-6/14")
            }
            try await client.execute(uri: "/api/datasets/generated-text/versions/latest/files/outputs.txt", method: .get,
                                     headers: [.range: "bytes=-6"]) { response in
                #expect(String(buffer: response.body) == "three\n")
            }
            try await client.execute(uri: "/api/datasets/generated-text/versions/latest/files/outputs.txt", method: .get,
                                     headers: [.range: "bytes=99-"]) { response in
                #expect(response.status == .rangeNotSatisfiable)
            }
            try await client.execute(uri: "/api/datasets/generated-text/versions/latest/files/plot.svg", method: .get) { response in
                #expect(response.headers[.contentType] == "image/svg+xml" && response.headers[.contentSecurityPolicy] == "sandbox")
            }
            try await client.execute(uri: "/api/datasets/generated-text/diff?from=~1&to=latest", method: .get) { response in
                let files = try json(response)["files"] as? [[String: Any]]
                #expect(files?.count == 1 && files?.first?["path"] as? String == "outputs.txt")
                #expect(files?.first?["hunks"] as? [String] == ["@@ -1,3 +1,3 @@", " one", "-two", "+TWO", " three"])
            }
            for missing in ["/api/datasets/nothing/versions", "/api/datasets/generated-text/versions/ffff",
                            "/api/datasets/generated-text/versions/latest/files/nope.txt", "/api/datasets/generated-text/versions/~9"] {
                try await client.execute(uri: missing, method: .get) { response in
                    #expect(response.status == .notFound, "\(missing)")
                }
            }
            try await client.execute(uri: "/api/datasets/generated-text/diff?from=~1", method: .get) { response in
                #expect(response.status == .badRequest)
            }
            for (uri, method) in [("/api/datasets", HTTPRequest.Method.post), ("/api/datasets/generated-text/versions/latest/files/a/b.txt", .delete),
                                  ("/openapi.json", .init("QUERY")!)] {
                try await client.execute(uri: uri, method: method) { response in
                    #expect(response.status == .methodNotAllowed && response.headers[.allow] == "GET", "\(method) \(uri)")
                }
            }
            try await client.execute(uri: "/api/nothing", method: .post) { #expect($0.status == .notFound) }
            try await client.execute(uri: "/openapi.json", method: .get) { response in
                let version = try json(response)["openapi"] as? String
                #expect(version == "3.1.0")
            }
        }
    }

    /// A running job's log followed as events: lines written while the request is open
    /// arrive (a carriage return ends a line too), and the stream ends once the job has.
    @Test func aRunningJobsLogIsFollowedUntilItEnds() async throws {
        let folder = scratch("follow")
        let store = try DatasetStore(home: folder)
        let log = folder + "/runs/run-follow/Train/log.txt"
        try FileManager.default.createDirectory(atPath: (log as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try "epoch 1\n".write(toFile: log, atomically: true, encoding: .utf8)
        var job = JobRecord(name: "Train", action: "train@v1", status: .running, started: .now(), log: log)
        try store.recordRunStarted(RunRecord(id: "run-follow", workflow: "w.yaml", repository: "r", commit: nil, trigger: "test",
                                             pid: getpid(), jobs: [job]))
        let writer = Task {
            try await Task.sleep(for: .milliseconds(300))
            let handle = try #require(FileHandle(forWritingAtPath: log))
            try handle.seekToEnd()
            try handle.write(contentsOf: Data("step 10\rstep 20\nepoch 2\n".utf8))
            try handle.close()
            try await Task.sleep(for: .milliseconds(300))
            job.status = .succeeded
            try store.recordJob(job, run: "run-follow")
        }
        let home = Home(store: store, old: try store.commit(dataset: "d", paths: [log], message: "m"), new: try store.resolve("d"),
                        run: try store.run("run-follow"))
        try await app(home).test(.router) { client in
            try await client.execute(uri: "/api/runs/run-follow/jobs/Train/log", method: .get, headers: [.accept: "text/event-stream"]) { response in
                #expect(String(buffer: response.body) == "data: epoch 1\n\ndata: step 10\n\ndata: step 20\n\ndata: epoch 2\n\nevent: end\ndata: \n\n")
            }
        }
        try await writer.value
    }

    @Test func anAPIKeyGuardsTheReads() async throws {
        let home = try home()
        try await app(home, apiKey: "k").test(.router) { client in
            try await client.execute(uri: "/api/datasets", method: .get) { #expect($0.status == .unauthorized) }
            try await client.execute(uri: "/api/datasets", method: .get, headers: [.authorization: "Bearer k"]) { #expect($0.status == .ok) }
        }
    }
}
