import Datasets
import Foundation
import Hummingbird
import Mustache
import NIOCore
import Triggers

/// The dashboard: server-rendered HTML (swift-mustache templates, `DashboardTemplates`) over
/// the same store the read API reads, under `/ui`:
///
/// - `/ui`: links with their heads and state, the queue, the latest runs (`?link=` narrows);
/// - `/ui/runs/{id}`: the job graph as SVG from `needs`, each job's status, time, outputs
///   (linked to the versions they made) and log, followed live while the job runs;
/// - `/ui/datasets`, `/ui/datasets/{name}` (history; pick two versions to compare),
///   `/ui/datasets/{name}/versions/{ref}` (files; text, images, SVG and `metrics.csv` shown in
///   place; provenance linked to its run), `/ui/datasets/{name}/diff?from=&to=` (side by side);
/// - `/ui/playground` when a model is served: `/v1/completions` streamed into the page.
///
/// With an API key, a browser gives it once at `/ui/login` and holds a session cookie
/// (`Session`); the buttons (trigger a link, re-run a run or a job, cancel) are plain form
/// posts that need it, calling the same `Daemon` actions as `ActionRoutes`.
///
/// Pages work without JavaScript but for the live log and the playground; stylesheet and
/// script come from `DashboardAssets` through Hummingbird's `FileMiddleware`.
public struct DashboardRoutes: Sendable {
    /// nil (`wf serve`, which has no home): the playground only.
    let home: DatasetStore?
    public let triggers: TriggerStore?
    /// The served model's id and slots, for the playground; nil: no playground.
    public let playground: (model: String, slots: Int)?
    /// The daemon whose runs the buttons re-run and cancel; nil (`wf serve`): no buttons.
    public let actions: Daemon?
    let library: MustacheLibrary

    /// Text files up to this size are shown in place on a version's page, until this much
    /// text is on the page (a version of thousands of files lists them, and shows the first).
    static let shownTextBytes = 256 << 10, shownTextTotal = 1 << 20
    /// A run page shows each job's log up to its last this many bytes (the API has it whole).
    static let shownLogBytes = 256 << 10

    public init(store: DatasetStore?, triggers: TriggerStore?, actions: Daemon? = nil, playground: (model: String, slots: Int)?) throws {
        home = store
        self.triggers = triggers
        self.actions = actions
        self.playground = playground
        library = try DashboardTemplates.library()
    }

    /// Adds the pages (behind the API key when one is given) and, on the whole router, the
    /// file middleware that serves the stylesheet and script (a group's middleware would only
    /// see its own routes, never the paths no route matches).
    public func add(to root: Router<ServerContext>, apiKey: String?) {
        root.add(middleware: FileMiddleware<ServerContext, DashboardAssets>(fileProvider: DashboardAssets(), urlBasePath: "/ui/static",
                                                                            cacheControl: .init([(MediaType(type: .any), [.noCache])])))
        if let apiKey { addLogin(to: root, apiKey: apiKey) }
        let router = root.group().add(middleware: Gate<ServerContext>(apiKey: apiKey, metrics: nil, login: true))
        let buttons = Buttons(enabled: actions != nil && apiKey != nil, hint: actions != nil && apiKey == nil)
        if let playground {
            router.get("/ui/playground") { _, _ in
                try page("playground") { ["model": playground.model, "slots": playground.slots, "prompt": "Once upon a time", "playground": true] }
            }
        }
        guard home != nil else {
            router.get("/ui") { _, _ in Response(status: .seeOther, headers: [.location: "/ui/playground"]) }
            return
        }
        router.get("/ui") { request, _ in try page("home") { try homePage(request.uri.queryParameters, buttons: buttons) } }
        router.get("/ui/runs/:run") { _, context in try page("run") { try run(try context.parameters.require("run"), buttons: buttons) } }
        if let actions { addActions(to: router, daemon: actions, enabled: apiKey != nil) }
        router.get("/ui/datasets") { _, _ in try page("datasets") { try datasets() } }
        router.get("/ui/datasets/:name") { request, context in
            try page("dataset") { try dataset(try context.parameters.require("name"), request.uri.queryParameters) }
        }
        router.get("/ui/datasets/:name/versions/:ref") { _, context in
            try page("version") { try version(try context.parameters.require("name"), try context.parameters.require("ref")) }
        }
        router.get("/ui/datasets/:name/diff") { request, context in
            try page("diff") { try diff(try context.parameters.require("name"), request.uri.queryParameters) }
        }
    }

    /// The store; only the routes added when there is one call this.
    var store: DatasetStore { home! }

    // MARK: pages

    /// Whether pages show the action buttons, or say how to enable them.
    struct Buttons: Sendable {
        var enabled: Bool
        var hint: Bool
        var context: [String: Any] { ["actions": enabled, "actionsHint": hint] }
    }

    /// `GET /ui/login` asks for the API key; `POST /ui/login` checks it and sets the session
    /// cookie (see `Session`), then goes back to the page that asked (only a `/ui` page).
    func addLogin(to root: Router<ServerContext>, apiKey: String) {
        root.get("/ui/login") { request, _ in
            try page("login") { ["next": Self.localPage(request.uri.queryParameters.get("next")), "wrong": false] }
        }
        root.post("/ui/login") { request, context in
            let form = try await Self.form(request, context: context)
            let next = Self.localPage(form["next"])
            guard Gate<ServerContext>.constantTimeEqual(Array((form["key"] ?? "").utf8), Array(apiKey.utf8)) else {
                var response = try page("login") { ["next": next, "wrong": true] }
                response.status = .unauthorized
                return response
            }
            var response = Response(status: .seeOther, headers: [.location: next])
            response.setCookie(Session.cookie(apiKey: apiKey))
            return response
        }
    }

    /// The buttons' form posts: the same `Daemon` calls as `ActionRoutes`, answered with a
    /// redirect to the page that shows the result, or a page saying why not.
    func addActions(to router: RouterGroup<ServerContext>, daemon: Daemon, enabled: Bool) {
        func act(_ path: String, _ body: @escaping @Sendable (Request, [String: String], ServerContext) throws -> String) {
            router.post(RouterPath(path)) { request, context in
                guard enabled else {
                    return failurePage(APIError(status: 403, message: "actions need an API key: start wf daemon with --api-key-env NAME",
                                                type: "permission_error", param: nil, code: "actions_disabled"))
                }
                let form = try await Self.form(request, context: context)
                do {
                    let next = try await OffEventLoop.run { try body(request, form, context) }
                    return Response(status: .seeOther, headers: [.location: next])
                } catch {
                    return failurePage(ReadRoutes.failure(error))
                }
            }
        }
        act("/ui/links/:name/trigger") { _, form, context in
            let name = try context.parameters.require("name")
            let commit = form["commit"].flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0.trimmingCharacters(in: .whitespaces) }
            _ = try daemon.trigger(name, commit: commit)
            return "/ui?link=\(Self.escape(name))"
        }
        act("/ui/runs/:run/rerun") { _, _, context in
            let item = try daemon.rerun(try context.parameters.require("run"))
            return "/ui?link=\(Self.escape(item.link))"
        }
        act("/ui/runs/:run/jobs/:job/rerun") { _, _, context in
            let item = try daemon.rerun(try context.parameters.require("run"), job: try context.parameters.require("job"))
            return "/ui?link=\(Self.escape(item.link))"
        }
        act("/ui/runs/:run/cancel") { _, _, context in
            let run = try context.parameters.require("run")
            if case .stopping(let id) = try daemon.cancel(run: run) { return "/ui/runs/\(Self.escape(id))" }
            return "/ui"
        }
        act("/ui/queue/:item/cancel") { _, _, context in
            guard let id = Int64(try context.parameters.require("item")) else { throw TriggerStore.Failure.unknownItem(0) }
            if case .stopping(let run) = try daemon.cancel(item: id) { return "/ui/runs/\(Self.escape(run))" }
            return "/ui"
        }
    }

    /// A form body (`application/x-www-form-urlencoded`, at most 16 KiB) as its fields.
    static func form(_ request: Request, context: ServerContext) async throws -> [String: String] {
        var request = request
        let body = try await request.collectBody(upTo: 16 << 10)
        return (try? URLEncodedFormDecoder().decode([String: String].self, from: String(buffer: body))) ?? [:]
    }

    /// `next` when it is a dashboard page on this server, else `/ui` (never another site).
    static func localPage(_ next: String?) -> String {
        guard let next, next.hasPrefix("/ui"), !next.hasPrefix("//"), !next.contains("\\") else { return "/ui" }
        return next
    }

    func homePage(_ query: Parameters, buttons: Buttons) throws -> [String: Any] {
        let links = try triggers?.links() ?? []
        let queue = try triggers?.queue(limit: 20).filter { $0.status == .queued || $0.status == .running } ?? []
        let link = query.get("link")
        let page = max(1, Int(query.get("page") ?? "1") ?? 1), perPage = 50
        let runs = try store.runs(matching: .init(link: link, limit: perPage + 1, offset: (page - 1) * perPage))
        var context: [String: Any] = [
            "links": links.map { state -> [String: Any] in
                ["name": state.link.name, "url": state.link.url, "lastFetch": state.lastFetch.map(Format.time) ?? "never",
                 "error": state.lastError ?? false,
                 "heads": state.heads.keys.sorted().map { ["ref": $0, "commit": Format.commit(state.heads[$0])] }]
            },
            "queue": queue.map { item -> [String: Any] in
                ["id": item.id, "link": item.link, "commit": Format.commit(item.commit), "workflow": item.workflow, "status": item.status.rawValue,
                 "since": Format.time(item.started ?? item.enqueued), "run": item.runID ?? false,
                 "what": item.rerunOf.map { "re-run of \($0)" + (item.rerunJob.map { " (job \($0))" } ?? "") } ?? item.source.rawValue]
            },
            "runs": runs.prefix(perPage).map(runRow),
            "filter": link ?? false,
            "playground": playground != nil,
        ]
        context.merge(buttons.context) { $1 }
        context["has_links"] = !links.isEmpty
        context["has_queue"] = !queue.isEmpty
        context["has_runs"] = !runs.isEmpty
        if runs.count > perPage {
            context["next"] = "/ui?" + (link.map { "link=\(Self.escape($0))&" } ?? "") + "page=\(page + 1)"
        }
        return context
    }

    func runRow(_ run: RunRecord) -> [String: Any] {
        ["id": run.id, "workflow": run.workflow, "commit": Format.commit(run.commit), "status": run.status.rawValue,
         "started": Format.time(run.started), "took": run.finished.map { Format.duration($0.seconds(since: run.started)) } ?? "…"]
    }

    func run(_ id: String, buttons: Buttons) throws -> [String: Any] {
        let run = try store.run(id)
        let rerunnable = run.link != nil && run.status != .running
        // The settings digest is in the provenance of the versions the run made.
        var digest: String?
        var jobs = [[String: Any]]()
        for job in run.jobs {
            var outputs = [[String: Any]]()
            for name in job.outputs.keys.sorted() {
                let value = job.outputs[name]!
                var output: [String: Any] = ["name": name, "value": value, "href": false]
                if let colon = value.firstIndex(of: ":"), let version = try? store.resolve(value) {
                    output["href"] = "/ui/datasets/\(Self.escape(String(value[..<colon])))/versions/\(version.id.hex)"
                    digest = digest ?? version.provenance.settingsDigest
                }
                outputs.append(output)
            }
            let live = job.status == .running || job.status == .waiting
            let log = store.log(of: job, limit: Self.shownLogBytes)
            digest = digest ?? job.provenance["settings"]
            jobs.append(["name": job.name, "action": job.action, "needs": job.needs.joined(separator: ", "), "status": job.status.rawValue,
                         "took": job.seconds.map(Format.duration) ?? false, "outputs": outputs, "detail": job.detail ?? false,
                         "live": live, "log": log, "reusedFrom": job.reusedFrom ?? false,
                         // Where a cluster ran it: `slurm:1234 on n2`.
                         "ranOn": job.engineJob.map { "\($0)\(job.node.map { " on \($0)" } ?? "")" } ?? false,
                         "rerunURL": rerunnable && buttons.enabled ? "/ui/runs/\(Self.escape(run.id))/jobs/\(Self.escape(job.name))/rerun" : false,
                         "logURL": "/api/runs/\(Self.escape(run.id))/jobs/\(Self.escape(job.name))/log"])
        }
        var context = runRow(run)
        context.merge(["repository": run.repository, "commit": run.commit ?? "an uncommitted checkout", "link": run.link ?? false,
                       "trigger": run.trigger, "summary": run.summary ?? false, "settingsDigest": digest ?? false, "jobs": jobs,
                       "graph": JobGraph(run.jobs).context, "playground": playground != nil,
                       "rerunOf": run.rerunOf ?? false, "running": run.status == .running, "rerunnable": rerunnable]) { $1 }
        context.merge(buttons.context) { $1 }
        return context
    }

    func datasets() throws -> [String: Any] {
        let list = try store.listDatasets()
        return ["datasets": list.map { ["name": $0.name, "versions": $0.versions, "files": $0.files, "size": Format.bytes($0.bytes),
                                        "updated": Format.time($0.updated)] },
                "has_datasets": !list.isEmpty, "playground": playground != nil]
    }

    /// Versions shown per page of a dataset's history.
    static let versionsPerPage = 100

    func dataset(_ name: String, _ query: Parameters) throws -> [String: Any] {
        let page = max(1, min(1_000_000, Int(query.get("page") ?? "1") ?? 1)), perPage = Self.versionsPerPage
        let versions = try store.versions(of: name, limit: perPage + 1, offset: (page - 1) * perPage)
        var context: [String: Any] = [
            "name": name, "has_versions": !versions.isEmpty, "playground": playground != nil,
            "versions": versions.prefix(perPage).enumerated().map { index, version -> [String: Any] in
                ["id": version.id.hex, "short": version.id.short, "dataset": name, "sequence": version.sequence,
                 "created": Format.time(version.created), "message": version.message, "size": Format.bytes(version.bytes),
                 "commit": Format.commit(version.provenance.commit), "run": version.provenance.run ?? false, "tags": version.tags,
                 "isTo": index == 0, "isFrom": index == 1]
            },
        ]
        if versions.count > perPage { context["next"] = "/ui/datasets/\(Self.escape(name))?page=\(page + 1)" }
        if page > 1 { context["previous"] = "/ui/datasets/\(Self.escape(name))?page=\(page - 1)" }
        return context
    }

    func version(_ name: String, _ ref: String) throws -> [String: Any] {
        let version = try store.resolve(ReadRoutes.reference(name, ref))
        let entries = try store.tree(of: version).entries
        let base = "/api/datasets/\(Self.escape(name))/versions/\(version.id.hex)/files/"
        var textBudget = Self.shownTextTotal
        let files = try entries.map { entry -> [String: Any] in
            let url = base + entry.path.split(separator: "/").map { Self.escape(String($0)) }.joined(separator: "/")
            var file: [String: Any] = ["path": entry.path, "size": Format.bytes(entry.size), "sha": entry.blob.short, "url": url, "shown": false]
            let kind = (entry.path as NSString).pathExtension.lowercased()
            if ["png", "jpg", "jpeg", "gif", "webp", "svg"].contains(kind) {
                file["shown"] = ["image": true, "url": url, "path": entry.path, "text": false, "chart": false]
            } else if entry.size <= min(Self.shownTextBytes, textBudget) {
                let bytes = try store.blob(entry.blob)
                textBudget -= bytes.count
                if UnifiedDiff.isText(bytes) {
                    let text = String(decoding: bytes, as: UTF8.self)
                    let chart = kind == "csv" ? MetricsChart.svg(csv: text) : nil
                    file["shown"] = ["text": chart == nil ? text as Any : false, "image": false, "chart": chart as Any? ?? false, "path": entry.path, "url": url]
                }
            }
            return file
        }
        var provenance = [[String: Any]]()
        let p = version.provenance
        for (key, value, href) in [("repository", p.repository, nil), ("commit", p.commit, nil), ("workflow", p.workflow, nil), ("job", p.job, nil),
                                   ("run", p.run, p.run.map { "/ui/runs/\(Self.escape($0))" }), ("settings digest", p.settingsDigest, nil),
                                   ("model digest", p.modelDigest, nil), ("model source", p.modelSource, nil), ("image", p.image, nil),
                                   ("uncommitted", p.uncommitted, nil)] as [(String, String?, String?)] {
            if let value { provenance.append(["key": key, "value": value, "href": href ?? false]) }
        }
        return ["dataset": name, "reference": version.reference, "id": version.id.hex, "short": version.id.short, "sequence": version.sequence,
                "message": version.message, "created": Format.time(version.created), "fileCount": entries.count,
                "size": Format.bytes(version.bytes), "parent": version.parent?.hex ?? false, "parentShort": version.parent?.short ?? "",
                "provenance": provenance, "files": files, "playground": playground != nil]
    }

    func diff(_ name: String, _ query: Parameters) throws -> [String: Any] {
        guard let from = query.get("from"), let to = query.get("to") else {
            throw APIError.invalid("from", "pick two versions: ?from=REF&to=REF")
        }
        let old = try store.resolve(ReadRoutes.reference(name, from)), new = try store.resolve(ReadRoutes.reference(name, to))
        let diff = try VersionDiff(from: old, to: new, in: store, lines: true)
        return ["old": diff.old, "new": diff.new, "identical": diff.identical, "playground": playground != nil,
                "files": diff.files.map { file -> [String: Any] in
                    ["path": file.path, "change": file.change, "binary": file.binary ?? false,
                     "oldSize": file.oldSize.map(Format.bytes) ?? "-", "newSize": file.newSize.map(Format.bytes) ?? "-",
                     "rows": SideBySide.rows(file.hunks ?? [])]
                }]
    }

    // MARK: rendering

    /// A page saying why a request failed, with its status.
    func failurePage(_ failure: APIError) -> Response {
        let html = "<!doctype html><meta charset=utf-8><meta name=viewport content=\"width=device-width, initial-scale=1\"><link rel=stylesheet href=/ui/static/wf.css><main><h1>\(failure.status)</h1><p>"
            + Self.html(failure.message) + "</p><p><a href=/ui>Back to the runs</a></p></main>"
        return Response(status: .init(code: failure.status), headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    /// Renders `template` with `context()`'s values; a missing thing is a 404 page naming it.
    func page(_ template: String, _ context: () throws -> [String: Any]) throws -> Response {
        do {
            let html = library.render(try context(), withTemplate: template) ?? ""
            return Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: html)))
        } catch {
            return failurePage(ReadRoutes.failure(error))
        }
    }

    static func escape(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/?#&="))) ?? text
    }

    static func html(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
            .replacingOccurrences(of: "\"", with: "&quot;")
    }
}

/// A unified diff's hunks as side-by-side rows: unchanged lines on both sides, removed lines
/// on the left beside the added lines that replace them on the right.
enum SideBySide {
    static func rows(_ hunks: [String]) -> [[String: Any]] {
        var rows = [[String: Any]]()
        var removed = [String](), added = [String]()
        func flush() {
            for index in 0..<max(removed.count, added.count) {
                rows.append(["hunk": false, "left": index < removed.count ? removed[index] : "", "right": index < added.count ? added[index] : "",
                             "leftClass": index < removed.count ? "removed" : "", "rightClass": index < added.count ? "added" : ""])
            }
            removed = []
            added = []
        }
        for line in hunks.flatMap({ $0.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) }) {
            if line.hasPrefix("@@") { flush(); rows.append(["hunk": line]) }
            else if line.hasPrefix("-") { removed.append(String(line.dropFirst())) }
            else if line.hasPrefix("+") { added.append(String(line.dropFirst())) }
            else {
                flush()
                let text = String(line.dropFirst())
                rows.append(["hunk": false, "left": text, "right": text, "leftClass": "", "rightClass": ""])
            }
        }
        flush()
        return rows
    }
}
