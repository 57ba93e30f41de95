import Foundation
import Testing
@testable import TextGeneration

/// Compute threads are a setting of the call: two threads that bind different counts each
/// see their own while both run (a server's batcher beside a workflow's training step), a
/// part of a split sees 1, and a product split over two threads equals the whole one.
@Suite struct ComputePoolTests {
    @Test func eachCallSeesItsOwnThreadCount() {
        #expect(ComputePool.threads == 1)
        final class Seen: @unchecked Sendable { var counts = [Int: Set<Int>](); let lock = NSLock() }
        let seen = Seen()
        let both = DispatchGroup(), started = DispatchSemaphore(value: 0), overlap = DispatchSemaphore(value: 0)
        for (index, count) in [1, 3].enumerated() {
            both.enter()
            Thread.detachNewThread {
                defer { both.leave() }
                ComputePool.withThreads(count) {
                    // Both bound at once: each waits for the other before it reads.
                    if index == 0 { started.signal(); overlap.wait() } else { started.wait(); overlap.signal() }
                    for _ in 0..<1000 { seen.lock.withLock { _ = seen.counts[count, default: []].insert(ComputePool.threads) } }
                }
            }
        }
        both.wait()
        #expect(seen.counts == [1: [1], 3: [3]])
        #expect(ComputePool.threads == 1)
    }

    @Test func partsOfASplitDoNotSplitAgain() {
        final class Seen: @unchecked Sendable { var counts = Set<Int>(); let lock = NSLock() }
        let seen = Seen()
        ComputePool.withThreads(4) {
            #expect(ComputePool.ranges(1000).count == 4)
            ComputePool.forEachPart(4) { _ in seen.lock.withLock { _ = seen.counts.insert(ComputePool.threads) } }
        }
        #expect(seen.counts == [1])
    }

    @Test func aSplitProductEqualsTheWholeOne() {
        // 64 × 96 × 128 multiply-adds: over the split threshold, split by columns (m < n).
        let m = 64, n = 96, k = 128
        var random = SeededRandom(seed: 5)
        let a = (0..<(m * k)).map { _ in Float(random.next() % 1000) / 500 - 1 }
        let b = (0..<(k * n)).map { _ in Float(random.next() % 1000) / 500 - 1 }
        func product(threads: Int) -> [Float] {
            var c = [Float](repeating: 0, count: m * n)
            ComputePool.withThreads(threads) {
                BLAS.gemm(m: m, n: n, k: k, a: a, lda: k, b: b, ldb: n, c: &c, ldc: n)
            }
            return c
        }
        let one = product(threads: 1), two = product(threads: 2)
        var expected = [Float](repeating: 0, count: m * n)
        for i in 0..<m { for j in 0..<n { for p in 0..<k { expected[i * n + j] += a[i * k + p] * b[p * n + j] } } }
        #expect(zip(one, expected).map { abs($0 - $1) }.max()! < 1e-3)
        #expect(zip(one, two).map { abs($0 - $1) }.max()! < 1e-5)
    }
}
