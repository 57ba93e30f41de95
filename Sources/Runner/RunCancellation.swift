import Foundation

/// Cancelling one run from another thread (the API's `POST /api/runs/{id}/cancel`): jobs not
/// yet started never start, running script and container steps have their processes killed
/// (as the step timeout kills them), and in-process steps stop at their next check (a
/// training step, a generation's end). A run is cancelled only before it starts committing
/// its outputs: `beginCommit()` and `cancel()` decide, under one lock, which came first, so a
/// run is either cancelled with nothing committed or finishes with all of it.
public final class RunCancellation: @unchecked Sendable {
    private enum State { case active, cancelled, committing }
    private let lock = NSLock()
    private var state = State.active
    private var handlers = [Int: @Sendable () -> Void]()
    private var nextHandler = 0

    public init() {}

    /// Cancels the run; false when it is already committing (too late) or finished committing.
    @discardableResult
    public func cancel() -> Bool {
        let toCall: [@Sendable () -> Void]? = lock.withLock {
            switch state {
            case .committing: return nil
            case .cancelled: return []
            case .active:
                state = .cancelled
                defer { handlers.removeAll() }
                return Array(handlers.values)
            }
        }
        guard let toCall else { return false }
        for handler in toCall { handler() }
        return true
    }

    public var isCancelled: Bool { lock.withLock { state == .cancelled } }

    /// Throws `RunError.cancelled` once the run is cancelled.
    public func check(job: String) throws {
        if isCancelled { throw RunError.cancelled(job: job) }
    }

    /// Marks the start of the commit; false when the run was cancelled first.
    func beginCommit() -> Bool {
        lock.withLock {
            guard state == .active else { return state == .committing }
            state = .committing
            return true
        }
    }

    /// Calls `handler` on cancellation (at once when already cancelled) until the returned
    /// closure removes it: how a running process is killed.
    func onCancel(_ handler: @escaping @Sendable () -> Void) -> () -> Void {
        let id: Int? = lock.withLock {
            guard state != .cancelled else { return nil }
            nextHandler += 1
            handlers[nextHandler] = handler
            return nextHandler
        }
        guard let id else {
            handler()
            return {}
        }
        return { [weak self] in self?.lock.withLock { _ = self?.handlers.removeValue(forKey: id) } }
    }
}
