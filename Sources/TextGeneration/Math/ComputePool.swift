import Dispatch

/// wf's compute threads: work split into at most `BLAS.threads` parts that run at once on
/// GCD's worker threads, returning when every part is done. Inference splits its streaming
/// kernels here; training splits everything here, sgemm included, with OpenBLAS held to one
/// thread (`BLAS.withLibraryThreads`), so two pools never spin against each other for the cores.
public enum ComputePool {
    /// Runs `body(part)` for part in 0..<parts at once; `parts` may exceed the thread count.
    public static func forEachPart(_ parts: Int, _ body: (Int) -> Void) {
        if parts <= 1 { if parts == 1 { body(0) }; return }
        withoutActuallyEscaping(body) { body in
            let call = UnsafeSendable(body)
            DispatchQueue.concurrentPerform(iterations: parts) { call.value($0) }
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
        let parts = max(1, min(BLAS.threads, count / max(1, grain)))
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
