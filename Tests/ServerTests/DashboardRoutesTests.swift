import Datasets
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import TestSupport
@testable import Server

/// The dashboard's pages in process over a real store: the run page's graph (Kahn's layers of
/// `needs`), a `metrics.csv` drawn as a chart, a missing run's 404 page, the assets through
/// the file middleware, and the job graph's layout on its own.
@Suite struct DashboardRoutesTests {
    let scratch = Scratch("wf-dashboard-routes")

    func app(_ store: DatasetStore) throws -> some ApplicationProtocol {
        let router = Router(context: ServerContext.self)
        try DashboardRoutes(store: store, triggers: nil, playground: nil).add(to: router, apiKey: nil)
        return Application(router: router)
    }

    @Test func pagesDrawTheGraphAndTheMetrics() async throws {
        let home = scratch("home")
        let store = try DatasetStore(home: home)
        let files = scratch("files")
        try FileManager.default.createDirectory(atPath: files, withIntermediateDirectories: true)
        try "step,loss,val_loss\n1,4.0,4.2\n2,3.1,3.5\n3,2.5,3.0\n".write(toFile: files + "/metrics.csv", atomically: true, encoding: .utf8)
        try "<script>alert(1)</script>".write(toFile: files + "/notes.txt", atomically: true, encoding: .utf8)
        let version = try store.commit(dataset: "trained", paths: [files + "/metrics.csv", files + "/notes.txt"], message: "train")
        try store.recordRunStarted(RunRecord(id: "run-graph", workflow: "w.yaml", repository: "r", commit: nil, trigger: "test", pid: 1, jobs: [
            JobRecord(name: "Evaluate", action: "script@v1", needs: ["Train"]),
            JobRecord(name: "Clone", action: "git-checkout@v1"),
            JobRecord(name: "Train", action: "train@v1", needs: ["Clone"], engineJob: "slurm:4242", node: "n2"),
        ]))
        try await app(store).test(.router) { client in
            try await client.execute(uri: "/ui/runs/run-graph", method: .get) { response in
                let page = String(buffer: response.body)
                #expect(response.status == .ok)
                // Three layers: Clone at x 10, Train at 240, Evaluate at 470 (width 170, gap 60).
                #expect(page.contains(#"<rect x="10" y="10""#) && page.contains(#"<rect x="240" y="10""#) && page.contains(#"<rect x="470" y="10""#), "\(page)")
                #expect(page.components(separatedBy: "<path d=").count - 1 == 2)
                #expect(page.contains("<small>slurm:4242 on n2</small>"), "a job a cluster ran names its engine id and node")
            }
            try await client.execute(uri: "/ui/datasets/trained/versions/\(version.id.short)", method: .get) { response in
                let page = String(buffer: response.body)
                #expect(page.components(separatedBy: "<polyline").count - 1 == 2, "loss and val_loss lines")
                #expect(page.contains("&lt;script&gt;") && !page.contains("<script>alert"), "a file's text is escaped")
            }
            try await client.execute(uri: "/ui/runs/run-nope", method: .get) { response in
                #expect(response.status == .notFound && String(buffer: response.body).contains("run-nope"))
            }
            try await client.execute(uri: "/ui/static/wf.css", method: .get) { response in
                #expect(response.status == .ok && response.headers[.eTag] != nil)
            }
        }
    }

    /// A long history is shown a hundred versions a page, newest first.
    @Test func aLongHistoryIsPaged() async throws {
        let store = try DatasetStore(home: scratch("paged"), durable: false)
        let file = scratch("paged-file.txt")
        for number in 1...103 {
            try "\(number)\n".write(toFile: file, atomically: false, encoding: .utf8)
            _ = try store.commit(dataset: "long", paths: [file], message: "number \(number)")
        }
        try await app(store).test(.router) { client in
            try await client.execute(uri: "/ui/datasets/long", method: .get) { response in
                let page = String(buffer: response.body)
                #expect(page.components(separatedBy: #"name="to""#).count - 1 == 100)
                #expect(page.contains("number 103") && page.contains("number 4") && !page.contains("number 3<"))
                #expect(page.contains(#"href="/ui/datasets/long?page=2">Older versions"#) && !page.contains("Newer versions"))
            }
            try await client.execute(uri: "/ui/datasets/long?page=2", method: .get) { response in
                let page = String(buffer: response.body)
                #expect(page.components(separatedBy: #"name="to""#).count - 1 == 3)
                #expect(page.contains("number 3<") && page.contains("Newer versions") && !page.contains("Older versions"))
            }
        }
    }
}
