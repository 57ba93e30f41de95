import Foundation

/// Runs async work from a synchronous command (swift-argument-parser's `run()`), waiting for it.
enum Blocking {
    static func wait<Value: Sendable>(_ body: @escaping @Sendable () async throws -> Value) throws -> Value {
        let outcome = Outcome<Value>(), done = DispatchSemaphore(value: 0)
        Task {
            do { outcome.result = .success(try await body()) } catch { outcome.result = .failure(error) }
            done.signal()
        }
        done.wait()
        return try outcome.result!.get()
    }

    /// Written by the task before it signals, read after the wait.
    private final class Outcome<Value>: @unchecked Sendable {
        var result: Result<Value, Error>?
    }
}
