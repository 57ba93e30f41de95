#if canImport(Glibc)
import Glibc
#endif

/// The logits processors of `transformers`' `generate`, in its order: repetition penalty and
/// n-gram blocking on the raw scores, then temperature, top-k and top-p before sampling.
enum LogitsProcessor {
    /// Each token already in `history`: positive scores divided by `penalty`, negative multiplied.
    static func applyRepetitionPenalty(_ logits: UnsafeMutableBufferPointer<Float>, history: [Int], penalty: Float) {
        guard penalty != 1 else { return }
        for id in Set(history) {
            let score = logits[id]
            logits[id] = score < 0 ? score * penalty : score / penalty
        }
    }

    /// Bans every token that would repeat an n-gram of `size` already in `history`.
    static func banRepeatedNgrams(_ logits: UnsafeMutableBufferPointer<Float>, history: [Int], size: Int) {
        guard size > 0, history.count >= size else { return }
        let prefix = Array(history.suffix(size - 1))
        for start in 0...(history.count - size) where Array(history[start..<start + size - 1]) == prefix {
            logits[history[start + size - 1]] = -.infinity
        }
    }

    static func applyTemperature(_ logits: UnsafeMutableBufferPointer<Float>, _ temperature: Float) {
        guard temperature != 1 else { return }
        for i in logits.indices { logits[i] /= temperature }
    }

    /// Keeps the `k` highest scores and every score tied with the k-th.
    static func applyTopK(_ logits: UnsafeMutableBufferPointer<Float>, _ k: Int) {
        guard k > 0, k < logits.count else { return }
        let threshold = kthLargest(logits, k)
        for i in logits.indices where logits[i] < threshold { logits[i] = -.infinity }
    }

    /// The k-th largest value in one pass, keeping the best k in ascending order (k is small
    /// next to a 50,257-token vocabulary, so sorting it all would dominate a decode step).
    static func kthLargest(_ values: UnsafeMutableBufferPointer<Float>, _ k: Int) -> Float {
        var best = [Float]()
        best.reserveCapacity(k + 1)
        for value in values {
            if best.count == k {
                guard value > best[0] else { continue }
                best.removeFirst()
            }
            var position = best.count
            while position > 0 && best[position - 1] > value { position -= 1 }
            best.insert(value, at: position)
        }
        return best[0]
    }

    /// Keeps the smallest set of highest-probability tokens whose mass reaches `p`: sorted
    /// ascending, tokens whose cumulative probability stays ≤ 1 − p are removed, so the token
    /// that crosses the threshold is kept (and always at least one).
    static func applyTopP(_ logits: UnsafeMutableBufferPointer<Float>, _ p: Float) {
        guard p < 1 else { return }
        let order = logits.indices.sorted { logits[$0] < logits[$1] }
        let maximum = logits[order.last!]
        var probabilities = order.map { expf(logits[$0] - maximum) }
        let total = probabilities.reduce(0, +)
        for i in probabilities.indices { probabilities[i] /= total }
        var cumulative: Float = 0
        for (rank, index) in order.enumerated() where rank < order.count - 1 {
            cumulative += probabilities[rank]
            if cumulative <= 1 - p { logits[index] = -.infinity } else { break }
        }
    }

    /// Draws an index from softmax(logits).
    static func sample(_ logits: UnsafeMutableBufferPointer<Float>, random: inout SeededRandom) -> Int {
        let maximum = logits.max()!
        var total = 0.0
        var weights = [Double](repeating: 0, count: logits.count)
        for i in logits.indices where logits[i] > -.infinity {
            weights[i] = Double(expf(logits[i] - maximum))
            total += weights[i]
        }
        let target = random.unit() * total
        var cumulative = 0.0
        var last = 0
        for i in weights.indices where weights[i] > 0 {
            cumulative += weights[i]
            last = i
            if cumulative > target { return i }
        }
        return last
    }

    static func argmax(_ logits: UnsafeBufferPointer<Float>) -> Int {
        var best = 0
        for i in logits.indices where logits[i] > logits[best] { best = i }
        return best
    }
}
