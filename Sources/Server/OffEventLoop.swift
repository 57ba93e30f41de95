import Foundation

/// Blocking work a route hands off the event loop: a webhook delivery or a trigger that
/// fetches a mirror, an action that writes the index. At most `slots` run at once; a burst
/// waits here rather than taking every thread.
enum OffEventLoop {
    static let queue = DispatchQueue(label: "wf.blocking-routes", attributes: .concurrent)
    static let slots = DispatchSemaphore(value: 4)

    static func run<Value: Sendable>(_ body: @escaping @Sendable () throws -> Value) async throws -> Value {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                slots.wait()
                defer { slots.signal() }
                continuation.resume(with: Result { try body() })
            }
        }
    }
}
