import Testing
import TextGeneration
@testable import Training

/// With two compute threads every pass splits its work (products by rows or columns of C,
/// transposed operands included; layer-norm and bias gradients summed per thread; embedding
/// gradients by channel), and a step must still equal the single-threaded one.
@Suite(.serialized) struct ComputeThreadsTests {
    // Big enough that every split happens: N = 128 rows, products of over 2^18 multiply-adds.
    static let config = GPT2Config(layers: 1, heads: 2, embedding: 64, positions: 32, vocabulary: 300)

    func step(threads: Int) throws -> (loss: Float, gradients: [Float], parameters: [Float]) {
        try ComputePool.withThreads(threads) { try stepOnBoundThreads() }
    }

    func stepOnBoundThreads() throws -> (loss: Float, gradients: [Float], parameters: [Float]) {
        var random = SeededRandom(seed: 9)
        // Repeated tokens, so two threads would collide on an embedding row if they split rows.
        let tokens = (0..<4).map { _ in (0...32).map { _ in Int(random.next() % 20) } }
        let trainer = Trainer(model: GPT2Training(parameters: try GPT2Parameters.random(config: Self.config, seed: 3)),
                              schedule: LearningRateSchedule(.constant, peak: 1e-3, totalSteps: 2), maxGradientNorm: 0.5)
        let result = try trainer.step([(tokens.map { Array($0.dropLast()) }, tokens.map { Array($0.dropFirst()) })])
        let model = trainer.model
        return (result.loss, Array(UnsafeBufferPointer(start: model.gradients.values, count: model.gradients.count)),
                Array(UnsafeBufferPointer(start: model.parameters.values, count: model.parameters.count)))
    }

    @Test func twoThreadsGiveTheSingleThreadedStep() throws {
        let one = try step(threads: 1), two = try step(threads: 2)
        #expect(abs(one.loss - two.loss) < 1e-6)
        let gradientScale = one.gradients.map { abs($0) }.max()!
        #expect(gradientScale > 0)
        #expect(zip(one.gradients, two.gradients).map { abs($0 - $1) }.max()! < 1e-5 * gradientScale)
        #expect(zip(one.parameters, two.parameters).map { abs($0 - $1) }.max()! < 1e-6)
    }
}
