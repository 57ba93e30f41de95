import Foundation

/// Runs work that recurses as deep as its input nests on a thread of its own with a large stack.
///
/// The parser is recursive descent: a bracket costs about ten nested calls, several kilobytes of
/// stack in an optimised build and more in a debug one, so the 200 brackets the tokenizer allows
/// would overflow the 512 KiB stacks of secondary and Swift-concurrency threads on macOS. The
/// reserved stack is address space; only the pages the work touches are used.
enum DeepStack {
    static let stackSize = 64 << 20

    /// `body`'s result, computed on a new thread with a `stackSize` stack; the caller waits.
    static func run<T: Sendable>(_ body: @escaping @Sendable () -> T) -> T {
        let box = ResultBox<T>()
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            box.value = body()
            done.signal()
        }
        thread.stackSize = stackSize
        thread.start()
        done.wait()
        guard let value = box.value else { return body() }
        return value
    }
}

/// Written by the worker thread before it signals, read by the caller after it waits.
private final class ResultBox<T>: @unchecked Sendable {
    var value: T?
}
