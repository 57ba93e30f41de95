import TextGeneration

/// Random windows of a token stream for training: `batch` windows of `context + 1` tokens,
/// inputs the first `context`, targets the last `context` (the next token at each position).
/// Seeded, so a run and its resumption see the same batches.
public struct TokenBatches: Sendable {
    public let tokens: [Int]
    public let batch: Int
    public let context: Int
    private var random: SeededRandom

    public init(tokens: [Int], batch: Int, context: Int, seed: UInt64) {
        precondition(tokens.count > context, "checked by TrainingText.tokenize")
        self.tokens = tokens
        self.batch = batch
        self.context = context
        random = SeededRandom(seed: seed)
    }

    /// Batches per epoch: enough windows to cover the tokens once.
    public var batchesPerEpoch: Int { max(1, tokens.count / (batch * context)) }

    public mutating func next() -> (inputs: [[Int]], targets: [[Int]]) {
        var inputs = [[Int]](), targets = [[Int]]()
        for _ in 0..<batch {
            let start = Int(random.next() % UInt64(tokens.count - context))
            inputs.append(Array(tokens[start..<start + context]))
            targets.append(Array(tokens[start + 1...start + context]))
        }
        return (inputs, targets)
    }

    /// Consecutive windows covering the tokens once, in order (for validation).
    public func sequentialWindows() -> [(inputs: [Int], targets: [Int])] {
        stride(from: 0, to: tokens.count - context, by: context).map { start in
            (Array(tokens[start..<start + context]), Array(tokens[start + 1...start + context]))
        }
    }
}
