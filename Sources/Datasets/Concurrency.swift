import Foundation

/// Slots that parallel workers fill by index, with the first error kept.
final class ResultSlots<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var values: [Value?]
    private(set) var error: Error?

    init(count: Int) { values = Array(repeating: nil, count: count) }

    var failed: Bool { lock.withLock { error != nil } }

    func set(_ index: Int, _ value: Value) { lock.withLock { values[index] = value } }

    func fail(_ error: Error) { lock.withLock { if self.error == nil { self.error = error } } }
}

final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0

    func increment() -> Int { lock.withLock { value += 1; return value } }
}

enum System {
    static var activeProcessorCount: Int { ProcessInfo.processInfo.activeProcessorCount }
}

/// Runs async work from synchronous code (a command's `run()`, a step), waiting for it on the
/// calling thread. Never call it from a task: it would hold one of the few cooperative threads.
public enum Blocking {
    public static func wait<Value: Sendable>(_ body: @escaping @Sendable () async throws -> Value) throws -> Value {
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
