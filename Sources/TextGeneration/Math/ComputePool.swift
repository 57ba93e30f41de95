import Dispatch

/// wf's compute threads: work split into at most `threads` parts that run at once on GCD's
/// worker threads, returning when every part is done. Everything splits here, sgemm included
/// (`BLAS.gemm`; OpenBLAS itself runs on one thread), so the thread count is a setting of the
/// call (`withThreads`), never process-wide state that another job could change under a
/// request: a server's batcher and a workflow's training step each keep their own.
public enum ComputePool {
    /// The compute threads of the calling code: 1 unless bound by `withThreads`. A task-local
    /// value, so it holds for the synchronous call tree on this thread (or task) only.
    @TaskLocal public static var threads = 1

    /// Runs `body` with its splits over `count` threads (at least 1).
    public static func withThreads<Result>(_ count: Int, _ body: () throws -> Result) rethrows -> Result {
        try $threads.withValue(max(1, count), operation: body)
    }

    /// Runs `body(part)` for part in 0..<parts at once; `parts` may exceed the thread count.
    /// Inside a part `threads` is 1: parts never split again (concurrentPerform runs some parts
    /// on the calling thread, which would otherwise still see the caller's count and split
    /// differently from the parts on worker threads).
    public static func forEachPart(_ parts: Int, _ body: (Int) -> Void) {
        if parts <= 1 { if parts == 1 { $threads.withValue(1) { body(0) } }; return }
        withoutActuallyEscaping(body) { body in
            let call = UnsafeSendable(body)
            $threads.withValue(1) {
                DispatchQueue.concurrentPerform(iterations: parts) { call.value($0) }
            }
        }
    }

    /// Splits 0..<count into contiguous ranges, one per thread, each at least `grain` long
    /// (so small work stays on one thread) and, but for the last, a multiple of `alignment`.
    /// The split depends only on `count` and the thread count: results are reproducible.
    public static func forEachRange(_ count: Int, grain: Int = 1, alignment: Int = 1, _ body: (Range<Int>) -> Void) {
        let parts = ranges(count, grain: grain, alignment: alignment)
        forEachPart(parts.count) { body(parts[$0]) }
    }

    /// The ranges `forEachRange` hands out, for callers that keep a partial result per part.
    public static func ranges(_ count: Int, grain: Int = 1, alignment: Int = 1) -> [Range<Int>] {
        guard count > 0 else { return [] }
        let parts = max(1, min(threads, count / max(1, grain)))
        if parts == 1 { return [0..<count] }
        let chunk = ((count + parts - 1) / parts + alignment - 1) / alignment * alignment
        return stride(from: 0, to: count, by: chunk).map { $0..<min(count, $0 + chunk) }
    }
}

/// Hands a non-Sendable value to worker threads that finish before the caller goes on (concurrentPerform, the job scheduler).
public struct UnsafeSendable<Value>: @unchecked Sendable {
    public let value: Value
    public init(_ value: Value) { self.value = value }
}
