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
