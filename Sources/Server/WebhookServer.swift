import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Triggers

/// The daemon's HTTP side: `POST /hooks/github`, `/hooks/gitea` and `/hooks/gitlab` hand each
/// delivery to `Daemon.deliver` off the event loop (it may fetch a mirror); `GET /health`; the
/// read API (`ReadRoutes`, behind the API key when one is set); the actions (`ActionRoutes`,
/// which always need it); the dashboard. Bodies over
/// `Daemon.webhookBodyLimit` get 413 without being read to the end.
public struct WebhookServer: Sendable {
    public let daemon: Daemon
    public let host: String
    public let port: Int
    public let limits: HTTPLimits
    /// `wf daemon --serve-model`: generation beside the hooks.
    public let generation: GenerationRoutes?
    /// Guards the read API (and generation, which holds its own copy); the hooks sign their bodies.
    public let apiKey: String?

    public init(daemon: Daemon, host: String, port: Int, limits: HTTPLimits = HTTPLimits(), generation: GenerationRoutes? = nil,
                apiKey: String? = nil) {
        self.daemon = daemon
        self.apiKey = apiKey
        self.host = host
        self.port = port
        self.limits = limits
        self.generation = generation
    }

    /// The HTTP server as a Service, for the daemon's ServiceGroup: a graceful shutdown answers
    /// the requests in flight; `onRunning` gets the port (useful with port 0).
    public func application(onRunning: @escaping @Sendable (Int) -> Void) throws -> some Service {
        let router = Router(context: ServerContext.self)
        let daemon = self.daemon
        router.post("/hooks/:forge") { request, context -> Response in
            guard let name = context.parameters.get("forge"), let forge = WebhookEvent.Forge(rawValue: name) else {
                return Self.json(404, ["error": "no such hook; use /hooks/github, /hooks/gitea or /hooks/gitlab"])
            }
            var request = request
            let buffer: ByteBuffer
            do {
                buffer = try await request.collectBody(upTo: Daemon.webhookBodyLimit)
            } catch is NIOTooManyBytesError {
                return Self.json(413, ["error": "the body is over \(Daemon.webhookBodyLimit) bytes"])
            }
            let body = Array(buffer.readableBytesView)
            func header(_ name: String) -> String? {
                request.headers.first { $0.name.canonicalName == name.lowercased() }?.value
            }
            let event = header(Self.eventHeader(forge)), proof = header(WebhookSignature.header(for: forge)), contentType = header("Content-Type")
            let answer = try await OffEventLoop.run { daemon.deliver(forge: forge, event: event, proof: proof, contentType: contentType, body: body) }
            return Self.json(answer.status, answer.body)
        }
        router.get("/health") { _, _ -> String in "ok\n" }
        generation?.add(to: router, mounted: true)
        ReadRoutes(store: daemon.triggers.store, triggers: daemon.triggers).add(to: router, apiKey: apiKey)
        ActionRoutes(daemon: daemon).add(to: router, apiKey: apiKey)
        try DashboardRoutes(store: daemon.triggers.store, triggers: daemon.triggers, actions: daemon,
                            playground: generation.map { ($0.engine.modelID, $0.engine.options.slots) }).add(to: router, apiKey: apiKey)
        // `/` is gpt-2-cloud-run's when a model is served; otherwise it leads to the dashboard.
        if generation == nil { router.get("/") { _, _ in Response(status: .seeOther, headers: [.location: "/ui"]) } }
        // wf prints its own lines; Hummingbird's own log only for trouble.
        var logger = Logger(label: "wf.webhooks")
        logger.logLevel = .warning
        return Application(router: router, server: limits.server,
                           configuration: limits.applicationConfiguration(host: host, port: port, serverName: "wf", logger: logger),
                           onServerRunning: { channel in onRunning(channel.localAddress?.port ?? port) }, logger: logger)
    }

    static func eventHeader(_ forge: WebhookEvent.Forge) -> String {
        switch forge {
        case .github: return "X-GitHub-Event"
        case .gitea: return "X-Gitea-Event"
        case .gitlab: return "X-Gitlab-Event"
        }
    }

    static func json(_ status: Int, _ body: [String: String]) -> Response {
        let text = WebhookResponse(status: status, body: body).json
        return Response(status: .init(code: status), headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
