import Hummingbird
import HummingbirdCore
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTPTypes

/// The request context of wf's HTTP servers: Hummingbird's core storage and the connection's
/// channel, through which a route finds the connection's `ClientHangup`.
public struct ServerContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public let channel: any Channel

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }

    /// The connection's hangup signal; nil where there is no such handler (in-process tests).
    public var hangup: ClientHangup? {
        get async { try? await channel.pipeline.handler(type: ClientHangup.self).get() }
    }
}

/// Tells a route that its client has gone: the peer closed its side of the connection (a
/// read of end-of-file; Hummingbird allows half-closed connections, so this arrives as
/// `ChannelEvent.inputClosed`) or the connection closed. A request waiting for a whole
/// completion writes nothing until it ends, so without this a client that gave up would hold
/// its slots to the last token. Go's net/http cancels a request's context the same way.
/// (Hummingbird's `consumeWithCancellationOnInboundClose` does this for the handler only,
/// not for a streamed body written after it returns, and it ends keep-alive: the
/// connection closes after every such response.)
public final class ClientHangup: ChannelInboundHandler, RemovableChannelHandler, @unchecked Sendable {
    public typealias InboundIn = HTTPRequestPart
    public typealias InboundOut = HTTPRequestPart

    private struct State {
        var gone = false
        var next = 0
        var callbacks = [Int: @Sendable () -> Void]()
    }
    private let state = NIOLockedValueBox(State())

    public init() {}

    /// Calls `callback` once when the client goes (at once if it has gone already). The
    /// result forgets it again (`forget`): a keep-alive connection serves many requests.
    @discardableResult
    public func onHangup(_ callback: @escaping @Sendable () -> Void) -> Int {
        let (key, gone) = state.withLockedValue { state -> (Int, Bool) in
            state.next += 1
            if !state.gone { state.callbacks[state.next] = callback }
            return (state.next, state.gone)
        }
        if gone { callback() }
        return key
    }

    public func forget(_ key: Int) {
        _ = state.withLockedValue { $0.callbacks.removeValue(forKey: key) }
    }

    private func fire() {
        let callbacks = state.withLockedValue { state -> [@Sendable () -> Void] in
            guard !state.gone else { return [] }
            state.gone = true
            defer { state.callbacks = [:] }
            return Array(state.callbacks.values)
        }
        for callback in callbacks { callback() }
    }

    public func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case ChannelEvent.inputClosed = event { fire() }
        context.fireUserInboundEventTriggered(event)
    }

    public func channelInactive(context: ChannelHandlerContext) {
        fire()
        context.fireChannelInactive()
    }
}
