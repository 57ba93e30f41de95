import Foundation
import GitSource
import Hummingbird
import NIOCore
import Triggers

/// The actions, beside the read API on `wf daemon --listen` (described by `/openapi.json`):
///
/// - `POST /api/links/{name}/trigger` (body `{"commit": REV}`, optional: default the branch's
///   newest): queues the link's workflows at that commit, as `wf trigger` does;
/// - `POST /api/runs/{id}/rerun`: queues the run again, all of it;
/// - `POST /api/runs/{id}/jobs/{job}/rerun`: queues the job and the jobs that depend on it,
///   the others reusing the run's results (GitHub Actions' "re-run this job");
/// - `POST /api/runs/{id}/cancel`, `POST /api/queue/{id}/cancel`: stops a run (its processes
///   killed, nothing committed) or drops a waiting item.
///
/// Every action needs the bearer token, so a daemon without `--api-key-env` refuses them
/// (403). Each is checked in full before anything changes: an unknown id is 404 naming it, a
/// state that forbids the action 409 saying why (`Daemon.Refusal`).
public struct ActionRoutes: Sendable {
    public let daemon: Daemon

    public init(daemon: Daemon) {
        self.daemon = daemon
    }

    public func add(to root: Router<ServerContext>, apiKey: String?) {
        let router = root.group().add(middleware: ActionGate<ServerContext>(apiKey: apiKey))
        let daemon = self.daemon
        let paths = ["/api/links/:name/trigger", "/api/runs/:run/rerun", "/api/runs/:run/jobs/:job/rerun", "/api/runs/:run/cancel",
                     "/api/queue/:item/cancel"]
        root.add(middleware: MethodNotAllowed<ServerContext>(paths: paths, allow: .post))
        router.post("/api/links/:name/trigger") { request, context -> Response in
            var request = request
            let name = try context.parameters.require("name")
            let body = try await request.collectBody(upTo: 64 << 10)
            var commit: String?
            if body.readableBytes > 0 {
                guard let object = try? JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any] else {
                    return APIError.invalid("body", "the body is a JSON object, {\"commit\": REV} or {}").response()
                }
                if let value = object["commit"], !(value is NSNull) {
                    guard let text = value as? String, !text.isEmpty, text.count <= 256 else {
                        return APIError.invalid("commit", "commit is a revision: a commit id, a branch or a tag").response()
                    }
                    commit = text
                }
            }
            let requested = commit
            return await Self.perform(status: 202) {
                let entries = try daemon.trigger(name, commit: requested)
                return TriggerAnswer(queued: entries.filter(\.isNew).map(\.item), already: entries.filter { !$0.isNew }.map(\.item))
            }
        }
        router.post("/api/runs/:run/rerun") { _, context -> Response in
            let run = try context.parameters.require("run")
            return await Self.perform(status: 202) { ["item": try daemon.rerun(run)] }
        }
        router.post("/api/runs/:run/jobs/:job/rerun") { _, context -> Response in
            let run = try context.parameters.require("run"), job = try context.parameters.require("job")
            return await Self.perform(status: 202) { ["item": try daemon.rerun(run, job: job)] }
        }
        router.post("/api/runs/:run/cancel") { _, context -> Response in
            let run = try context.parameters.require("run")
            return await Self.perform(status: 202) { CancelAnswer(try daemon.cancel(run: run)) }
        }
        router.post("/api/queue/:item/cancel") { _, context -> Response in
            let text = try context.parameters.require("item")
            guard let item = Int64(text), item > 0 else { return APIError.notFound("no queue item \(text); ids are whole numbers").response() }
            return await Self.perform(status: 202) { CancelAnswer(try daemon.cancel(item: item)) }
        }
    }

    struct TriggerAnswer: Encodable, Sendable {
        /// Items this request queued.
        var queued: [QueueItem]
        /// Items the commit already had (a success is never repeated: re-run it instead).
        var already: [QueueItem]
    }

    struct CancelAnswer: Encodable, Sendable {
        /// `cancelling` (a run stopping) or `cancelled` (a waiting item dropped).
        var state: String
        var run: String?
        var item: QueueItem?
        init(_ cancelled: Daemon.Cancelled) {
            switch cancelled {
            case .stopping(let run): state = "cancelling"; self.run = run
            case .queued(let item): state = "cancelled"; self.item = item; run = item.runID
            }
        }
    }

    /// Runs `body` off the event loop (a trigger fetches; every action writes the index) and
    /// answers its value with `status`, or its error as the read API maps errors (404, 409, …).
    static func perform(status: Int, _ body: @escaping @Sendable () throws -> some Encodable & Sendable) async -> Response {
        do {
            let value = try await OffEventLoop.run(body)
            let data = try ReadRoutes.encoder.encode(value)
            return Response(status: .init(code: status), headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
        } catch let error as GitError {
            return APIError.notFound("\(error)").response()
        } catch {
            return ReadRoutes.failure(error).response()
        }
    }
}

/// Actions need the API key, always (the bearer token, or the dashboard's session cookie):
/// without one the daemon refuses them (403), since anyone who can reach the port could
/// otherwise start and stop runs.
struct ActionGate<Context: RequestContext>: RouterMiddleware {
    let apiKey: String?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let apiKey else {
            return APIError(status: 403, message: "actions need an API key: start wf daemon with --api-key-env NAME, then send `Authorization: Bearer KEY`",
                            type: "permission_error", param: nil, code: "actions_disabled").response()
        }
        guard Gate<Context>.authorized(request, apiKey: apiKey) else {
            return APIError.unauthorized.response(headers: [.wwwAuthenticate: "Bearer"])
        }
        return try await next(request, context)
    }
}
