import Testing
import TextGeneration
@testable import Training

/// Batches of changing shape reuse the activation buffers without changing results, and bad
/// batches are refused with a message.
@Suite struct BatchShapeTests {
    static let config = GPT2Config(layers: 2, heads: 2, embedding: 8, positions: 8, vocabulary: 11)

    @Test func aSmallerBatchAfterALargerOneGivesTheSameLossAndGradients() throws {
        let parameters = try GPT2Parameters.random(config: Self.config, seed: 4)
        let small = [[3, 1, 4]], smallTargets = [[1, 4, 1]]
        let reused = GPT2Training(parameters: parameters)
        try reused.forward(inputs: [[1, 2, 3, 4, 5, 6], [6, 5, 4, 3, 2, 1]], targets: [[2, 3, 4, 5, 6, 7], [5, 4, 3, 2, 1, 0]])
        reused.backward()
        reused.gradients.zero()
        let loss = try reused.forward(inputs: small, targets: smallTargets)
        reused.backward()
        #expect(reused.logits.count == 3 * Self.config.vocabulary)

        let fresh = GPT2Training(parameters: parameters)
        #expect(try fresh.forward(inputs: small, targets: smallTargets) == loss)
        fresh.backward()
        #expect((0..<fresh.gradients.count).allSatisfy { fresh.gradients.values[$0] == reused.gradients.values[$0] })
    }

    @Test func badBatchesAreRefused() throws {
        let model = GPT2Training(parameters: try GPT2Parameters.random(config: Self.config))
        #expect(throws: TrainingError.self) { try model.forward(inputs: [[1, 2], [3]], targets: [[1, 2], [3]]) }
        #expect(throws: TrainingError.self) { try model.forward(inputs: [[1, 2]], targets: [[1]]) }
        #expect(throws: TrainingError.self) { try model.forward(inputs: [[1, 11]], targets: [[1, 2]]) }
        #expect(throws: TrainingError.self) { try model.forward(inputs: [Array(0..<9)], targets: [Array(0..<9)]) }
        #expect(throws: TrainingError.self) { try model.forward(inputs: [], targets: []) }
    }
}
