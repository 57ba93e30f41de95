import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTPTypes

/// What one client may hold of the server. Without these, a client that opens connections
/// and sends nothing (or a byte a minute) keeps each open forever: about 20,000 of them used
/// up the daemon's file descriptors, `/health` stopped answering and runs failed with "Too
/// many open files".
public struct HTTPLimits: Sendable, Equatable {
    /// Connections served at once; more wait in the kernel's accept queue until one closes
    /// (Hummingbird's `MaximumAvailableConnections`).
    public var maxConnections: Int
    /// A connection with no request in progress is closed after this long (keep-alive idle;
    /// Hummingbird's `idleTimeout`).
    public var idleTimeout: Duration
    /// A request's head must arrive in full within this long of the connection opening (or of
    /// the previous response), as Go's `ReadHeaderTimeout`: a client trickling header bytes
    /// is cut off.
    public var headerTimeout: Duration
    /// A request's body must arrive in full within this long of its head.
    public var bodyTimeout: Duration

    public init(maxConnections: Int = 256, idleTimeout: Duration = .seconds(60), headerTimeout: Duration = .seconds(10),
                bodyTimeout: Duration = .seconds(60)) {
        self.maxConnections = maxConnections
        self.idleTimeout = idleTimeout
        self.headerTimeout = headerTimeout
        self.bodyTimeout = bodyTimeout
    }

    /// Hummingbird's HTTP/1.1 server with these limits, and each connection's `ClientHangup`.
    var server: HTTPServerBuilder {
        let header = TimeAmount(headerTimeout), body = TimeAmount(bodyTimeout)
        return .http1(configuration: .init(additionalChannelHandlers: [RequestDeadlineHandler(header: header, body: body), ClientHangup()],
                                           idleTimeout: TimeAmount(idleTimeout)))
    }

    func applicationConfiguration(host: String, port: Int, serverName: String, logger: Logger) -> ApplicationConfiguration {
        ApplicationConfiguration(address: .hostname(host, port: port), serverName: serverName,
                                 availableConnectionsDelegate: MaximumAvailableConnections(maxConnections, logger: logger))
    }
}

/// Closes a connection whose request head does not arrive within `header` (counted from the
/// connection opening or the previous response's end) or whose body does not end within
/// `body` of its head. Sits after HTTP decoding, so it sees whole heads, body parts and ends.
final class RequestDeadlineHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let header: TimeAmount
    private let body: TimeAmount
    private var deadline: Scheduled<Void>?

    init(header: TimeAmount, body: TimeAmount) {
        self.header = header
        self.body = body
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { arm(context, header) }
    }

    func channelActive(context: ChannelHandlerContext) {
        arm(context, header)
        context.fireChannelActive()
    }

    func handlerRemoved(context: ChannelHandlerContext) { disarm() }

    func channelInactive(context: ChannelHandlerContext) {
        disarm()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head: arm(context, body)
        case .body: break
        case .end: disarm()
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        // The response is done: the next request's head has `header` to arrive (keep-alive).
        if case .end = unwrapOutboundIn(data) { arm(context, header) }
        context.write(data, promise: promise)
    }

    private func arm(_ context: ChannelHandlerContext, _ amount: TimeAmount) {
        disarm()
        let channel = context.channel
        deadline = context.eventLoop.scheduleTask(in: amount) { channel.close(promise: nil) }
    }

    private func disarm() {
        deadline?.cancel()
        deadline = nil
    }
}
