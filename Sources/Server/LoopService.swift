import Foundation
import ServiceLifecycle

/// A blocking loop (the daemon's poller, its queue worker, the generation batcher) as a
/// Service: the loop runs on a thread of its own; a graceful shutdown (SIGTERM, SIGINT) or a
/// cancellation calls `stop`, and `run` returns once the loop has (a run in progress finishes
/// first). All of wf's long-lived loops run this way in one ServiceGroup with the HTTP server,
/// started and stopped together.
public struct LoopService: Service {
    public let name: String
    let loop: @Sendable () -> Void
    let stop: @Sendable () -> Void

    public init(name: String, loop: @escaping @Sendable () -> Void, stop: @escaping @Sendable () -> Void) {
        self.name = name
        self.loop = loop
        self.stop = stop
    }

    public func run() async throws {
        let (loop, stop, name) = (self.loop, self.stop, self.name)
        await withTaskCancellationHandler {
            await withGracefulShutdownHandler {
                await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
                    let thread = Thread {
                        loop()
                        done.resume()
                    }
                    thread.name = "wf.\(name)"
                    thread.stackSize = 8 << 20
                    thread.start()
                }
            } onGracefulShutdown: {
                stop()
            }
        } onCancel: {
            stop()
        }
    }
}
