import Datasets
import Foundation
import Hummingbird
import NIOCore
import Triggers

/// The read API (JSON, described by `/openapi.json`), mounted by `wf daemon --listen`:
///
/// - `GET /api/links`, `GET /api/queue`;
/// - `GET /api/runs?link=&workflow=&status=&page=&per_page=`, `GET /api/runs/{id}` (its jobs
///   with their `needs`: the run's graph), `GET /api/runs/{id}/jobs/{job}/log` (text, or
///   server-sent events that follow the log while the job runs);
/// - `GET /api/datasets`, `GET /api/datasets/{name}/versions`,
///   `GET /api/datasets/{name}/versions/{ref}` (record, provenance, files),
///   `GET /api/datasets/{name}/versions/{ref}/files/{path}` (the bytes, with a content type
///   and `Range`), `GET /api/datasets/{name}/diff?from=&to=` (files and unified hunks).
///
/// Reads go to the store through its read-only paths; an unknown id or reference is 404
/// naming it. With an API key, every route needs it (the `Gate` in front).
public struct ReadRoutes: Sendable {
    public let store: DatasetStore
    public let triggers: TriggerStore?
    /// How often a followed log is read for new lines (a line reaches the client within it).
    public var followInterval: Duration = .milliseconds(50)

    public init(store: DatasetStore, triggers: TriggerStore?) {
        self.store = store
        self.triggers = triggers
    }

    /// Adds the routes behind the API key (a group of `root`) and, on `root` itself, the 405
    /// for other methods on their paths (a group's middleware never sees unmatched requests).
    public func add(to root: Router<ServerContext>, apiKey: String?) {
        let router = ReadOnly(routes: root.group().add(middleware: Gate<ServerContext>(apiKey: apiKey, metrics: nil)))
        defer { root.add(middleware: MethodNotAllowed<ServerContext>(paths: router.paths, allow: .get)) }
        // The document describes the API, it holds nothing of the home: open, so tools can load it before they have the key.
        router.record("/openapi.json")
        root.get("/openapi.json") { _, _ -> Response in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.json)))
        }
        router.get("/api/links") { _, _ -> Response in
            try answer { ["links": try triggers?.links() ?? []] }
        }
        router.get("/api/queue") { _, _ -> Response in
            try answer { ["queue": try triggers?.queue(limit: 100) ?? []] }
        }
        router.get("/api/runs") { request, _ -> Response in
            try answer {
                let query = try Self.runQuery(request.uri.queryParameters)
                return RunPage(runs: try store.runs(matching: query), page: query.offset / max(1, query.limit) + 1, perPage: query.limit)
            }
        }
        router.get("/api/runs/:run") { _, context -> Response in
            try answer { try store.run(try context.parameters.require("run")) }
        }
        router.get("/api/runs/:run/jobs/:job/log") { request, context -> Response in
            do {
                let run = try store.run(try context.parameters.require("run"))
                let name = try context.parameters.require("job")
                guard let job = run.jobs.first(where: { $0.name == name }) else {
                    throw APIError.notFound("run \(run.id) has no job \(name); its jobs: \(run.jobs.map(\.name).joined(separator: ", "))")
                }
                let path = store.logPath(of: job)
                if (request.headers[.accept] ?? "").contains("text/event-stream") {
                    return followLog(path: path, run: run.id, job: name)
                }
                return Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: store.log(of: job))))
            } catch {
                return Self.failure(error).response()
            }
        }
        router.get("/api/datasets") { _, _ -> Response in
            try answer { ["datasets": try store.listDatasets()] }
        }
        router.get("/api/datasets/:name/versions") { _, context -> Response in
            try answer { ["versions": try store.versions(of: try context.parameters.require("name"))] }
        }
        router.get("/api/datasets/:name/versions/:ref") { _, context -> Response in
            try answer {
                let version = try resolve(context)
                return VersionDetail(version: version, files: try store.tree(of: version).entries.map(FileEntry.init))
            }
        }
        router.get("/api/datasets/:name/versions/:ref/files/**") { request, context -> Response in
            do {
                let version = try resolve(context)
                let path = context.parameters.getCatchAll().joined(separator: "/")
                let bytes = try store.contents(of: path, in: version)
                return try FileBody.response(bytes, path: path, range: request.headers[.range], etag: "\"\(version.id.hex)/\(path)\"")
            } catch {
                return Self.failure(error).response()
            }
        }
        router.get("/api/datasets/:name/diff") { request, context -> Response in
            try answer {
                let name = try context.parameters.require("name")
                let parameters = request.uri.queryParameters
                guard let from = parameters.get("from"), let to = parameters.get("to") else {
                    throw APIError.invalid(parameters.get("from") == nil ? "from" : "to", "from and to name the two versions (an id, a tag, latest, or ~N)")
                }
                let context = Int(parameters.get("context") ?? "3") ?? -1
                guard (0...1000).contains(context) else { throw APIError.invalid("context", "context is 0 to 1000 lines") }
                let old = try store.resolve(Self.reference(name, from)), new = try store.resolve(Self.reference(name, to))
                return try VersionDiff(from: old, to: new, in: store, lines: true, context: context)
            }
        }
    }

    /// Adds each route for GET and keeps its path for `MethodNotAllowed`.
    final class ReadOnly<Routes: RouterMethods>: @unchecked Sendable where Routes.Context == ServerContext {
        let routes: Routes
        private(set) var paths = [String]()
        init(routes: Routes) { self.routes = routes }

        /// A GET path added elsewhere (outside the key's group), for `MethodNotAllowed`.
        func record(_ path: String) { paths.append(path) }

        func get(_ path: String, use handler: @Sendable @escaping (Request, ServerContext) async throws -> Response) {
            paths.append(path)
            routes.get(RouterPath(path), use: handler)
        }
    }

    // MARK: JSON shapes

    struct RunPage: Encodable {
        var runs: [RunRecord]
        var page: Int
        var perPage: Int
    }

    struct FileEntry: Encodable {
        var path: String
        var size: Int64
        var sha256: ObjectID
        var executable: Bool
        init(_ entry: TreeEntry) {
            path = entry.path
            size = entry.size
            sha256 = entry.blob
            executable = entry.executable
        }
    }

    struct VersionDetail: Encodable {
        var version: VersionInfo
        var files: [FileEntry]
    }

    // MARK: helpers

    func resolve(_ context: ServerContext) throws -> VersionInfo {
        try store.resolve(Self.reference(try context.parameters.require("name"), try context.parameters.require("ref")))
    }

    /// `NAME:REF` from a path's name and ref (`latest`, an id prefix, a tag, with `~N`).
    static func reference(_ name: String, _ ref: String) -> String {
        ref.hasPrefix("~") ? name + ref : "\(name):\(ref)"
    }

    static func runQuery(_ parameters: Parameters) throws -> DatasetStore.RunQuery {
        func number(_ key: String, _ fallback: Int, _ range: ClosedRange<Int>) throws -> Int {
            guard let text = parameters.get(key) else { return fallback }
            guard let value = Int(text), range.contains(value) else {
                throw APIError.invalid(key, "\(key) is a whole number from \(range.lowerBound) to \(range.upperBound)")
            }
            return value
        }
        let perPage = try number("per_page", 30, 1...100), page = try number("page", 1, 1...1_000_000)
        var status: RunRecord.Status?
        if let text = parameters.get("status") {
            guard let value = RunRecord.Status(rawValue: text) else {
                throw APIError.invalid("status", "status is running, succeeded, failed, interrupted or cancelled")
            }
            status = value
        }
        return DatasetStore.RunQuery(link: parameters.get("link"), workflow: parameters.get("workflow"),
                                     status: status, limit: perPage, offset: (page - 1) * perPage)
    }

    /// A log as server-sent events: each line as a `data:` event as it is written, then
    /// `event: end` once the job is no longer running and everything is sent.
    func followLog(path: String?, run: String, job: String) -> Response {
        let store = self.store, interval = followInterval
        return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"], body: ResponseBody { writer in
            var offset: UInt64 = 0
            var pending = [UInt8]()
            var path = path
            while true {
                // Whether it still runs is read before the file: lines written before the job
                // ended are then read in this pass or the next.
                let record = (try? store.run(run))?.jobs.first { $0.name == job }
                let running = record?.status == .running || record?.status == .waiting
                // A job that has not started has no log file yet: it is looked for again.
                if path == nil, let record { path = store.logPath(of: record) }
                if let path, let handle = FileHandle(forReadingAtPath: path) {
                    try? handle.seek(toOffset: offset)
                    let data = handle.readDataToEndOfFile()
                    try? handle.close()
                    offset += UInt64(data.count)
                    pending.append(contentsOf: data)
                }
                // A carriage return ends a line too (a progress bar's), and a bare one inside an
                // event's data would end its field: CR, LF and CRLF each end one line.
                var events = ""
                while let end = pending.firstIndex(where: { $0 == 10 || $0 == 13 }) {
                    guard pending[end] == 10 || end + 1 < pending.count || !running else { break }
                    events += "data: " + String(decoding: pending[..<end], as: UTF8.self) + "\n\n"
                    let crlf = pending[end] == 13 && end + 1 < pending.count && pending[end + 1] == 10
                    pending.removeSubrange(...(crlf ? end + 1 : end))
                }
                if !running, !pending.isEmpty {
                    events += "data: " + String(decoding: pending.filter { $0 != 13 }, as: UTF8.self) + "\n\n"
                    pending.removeAll()
                }
                if !events.isEmpty { try await writer.write(ByteBuffer(string: events)) }
                if !running { break }
                try await Task.sleep(for: interval)
            }
            try await writer.write(ByteBuffer(string: "event: end\ndata: \n\n"))
            try await writer.finish(nil)
        })
    }

    /// Encodes `body()`'s value as snake_case JSON (as `--json` prints it), or its error.
    func answer(_ body: () throws -> some Encodable) throws -> Response {
        do {
            let data = try Self.encoder.encode(try body())
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
        } catch {
            return Self.failure(error).response()
        }
    }

    static var encoder: JSONEncoder {
        let encoder = SnakeCaseJSON.encoder
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    /// The store's typed errors as statuses: what names something that is not there is 404
    /// with the store's own sentence; a busy or unavailable index is 503.
    static func failure(_ error: Error) -> APIError {
        if let error = error as? APIError { return error }
        if let error = error as? HTTPError, error.status == .badRequest {
            return APIError.invalid("path", error.body ?? "a path parameter is missing")
        }
        if let error = error as? DatasetError {
            switch error {
            case .unknownDataset, .unknownVersion, .ambiguousVersion, .ancestorOutOfRange, .fileNotInVersion, .unknownRun, .ambiguousRun,
                 .invalidName, .invalidTag, .invalidReference, .invalidPathInDataset:
                return APIError.notFound(error.description)
            case .indexUnavailable(_, let cause, _) where cause == .busy:
                return APIError.unavailable(error.description, code: "store_busy")
            default:
                return APIError(status: 500, message: error.description, type: "server_error", param: nil, code: nil)
            }
        }
        if let error = error as? TriggerStore.Failure { return APIError.notFound(error.description) }
        if let error = error as? Daemon.Refusal {
            return APIError(status: 409, message: error.description, type: "invalid_request_error", param: nil, code: "conflict")
        }
        return APIError(status: 500, message: "\(error)", type: "server_error", param: nil, code: nil)
    }
}

/// 405 with `Allow` for another method on a path of the API (GET for reads, POST for
/// actions), as RFC 9110 §15.5.6 asks of a resource that exists but not with that method:
/// Hummingbird's router answers a known path under an unknown method with 404, like an
/// unknown path.
struct MethodNotAllowed<Context: RequestContext>: RouterMiddleware {
    /// Route paths as Hummingbird writes them: `:name` is one segment, `**` the rest.
    let patterns: [[Substring]]
    let allow: HTTPRequest.Method

    init(paths: [String], allow: HTTPRequest.Method) {
        patterns = paths.map { $0.split(separator: "/") }
        self.allow = allow
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound && request.method != allow && (allow != .get || request.method != .head)
                    && matches(request.uri.path) {
            let what = allow == .get ? "the read API answers GET" : "an action is a POST"
            return APIError(status: 405, message: "\(request.method.rawValue) is not allowed here: \(what)",
                            type: "invalid_request_error", param: nil, code: "method_not_allowed").response(headers: [.allow: allow.rawValue])
        }
    }

    func matches(_ path: String) -> Bool {
        let segments = path.split(separator: "/")
        return patterns.contains { pattern in
            if pattern.last == "**" { return segments.count >= pattern.count && zip(pattern.dropLast(), segments).allSatisfy(Self.same) }
            return segments.count == pattern.count && zip(pattern, segments).allSatisfy(Self.same)
        }
    }

    static func same(_ pattern: Substring, _ segment: Substring) -> Bool { pattern.hasPrefix(":") || pattern == segment }
}
