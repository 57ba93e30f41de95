import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

/// `wf serve`: the generation routes (`GenerationRoutes`) on Hummingbird, run as a Service in
/// one ServiceGroup that stops gracefully on SIGTERM and SIGINT (requests in flight are
/// answered), then stops the engine's batcher.
public struct GenerationServer: Sendable {
    public let routes: GenerationRoutes
    public let host: String
    public let port: Int
    public let limits: HTTPLimits

    public init(routes: GenerationRoutes, host: String, port: Int, limits: HTTPLimits = HTTPLimits()) {
        self.routes = routes
        self.host = host
        self.port = port
        self.limits = limits
    }

    /// Serves until a signal; `onRunning` gets the bound port (useful with port 0).
    public func run(onRunning: @escaping @Sendable (Int) -> Void) async throws {
        let router = Router(context: ServerContext.self)
        routes.add(to: router)
        try DashboardRoutes(store: nil, triggers: nil, playground: (routes.engine.modelID, routes.engine.options.slots)).add(to: router, apiKey: nil)
        var logger = Logger(label: "wf.serve")
        logger.logLevel = .warning
        let app = Application(router: router, server: limits.server,
                              configuration: limits.applicationConfiguration(host: host, port: port, serverName: "wf", logger: logger),
                              onServerRunning: { channel in onRunning(channel.localAddress?.port ?? port) }, logger: logger)
        // Shut down in reverse: the server answers what is in flight, then the engine stops.
        let group = ServiceGroup(configuration: .init(services: [routes.engine.service, app], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}
