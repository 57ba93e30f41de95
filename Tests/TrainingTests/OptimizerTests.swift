import Foundation
import Testing
import TextGeneration
@testable import Training

/// Schedules, clipping, accumulation, and that training actually learns.
@Suite struct OptimizerTests {
    @Test func schedulesWarmUpThenDecay() {
        let constant = LearningRateSchedule(.constant, peak: 1, warmupSteps: 4, totalSteps: 20)
        #expect(constant.rate(at: 0) == 0.25 && constant.rate(at: 3) == 1 && constant.rate(at: 19) == 1)
        let linear = LearningRateSchedule(.linear, peak: 1, minimum: 0.1, warmupSteps: 2, totalSteps: 12)
        #expect(linear.rate(at: 1) == 1 && abs(linear.rate(at: 7) - 0.55) < 1e-12 && abs(linear.rate(at: 12) - 0.1) < 1e-12)
        let cosine = LearningRateSchedule(.cosine, peak: 1, minimum: 0, warmupSteps: 0, totalSteps: 10)
        #expect(cosine.rate(at: 0) == 1 && abs(cosine.rate(at: 5) - 0.5) < 1e-12 && abs(cosine.rate(at: 10)) < 1e-12)
        #expect(cosine.rate(at: 50) == cosine.rate(at: 10))  // stays at the minimum past the end
    }

    @Test func clippingScalesToTheMaximumNormOnlyWhenAbove() throws {
        let gradients = GPT2Gradients(layout: ParameterLayout(config: GPT2Config(layers: 1, heads: 1, embedding: 2, positions: 2, vocabulary: 3)))
        gradients.values[0] = 3
        gradients.values[5] = 4
        #expect(gradients.clip(maxNorm: 10) == 5)
        #expect(gradients.values[0] == 3)
        #expect(gradients.clip(maxNorm: 1) == 5)
        #expect(abs(gradients.globalNorm() - 1) < 1e-5)
    }

    @Test func accumulatingTwoHalvesEqualsTheWholeBatch() throws {
        let config = GPT2Config(layers: 1, heads: 2, embedding: 8, positions: 8, vocabulary: 13)
        let inputs = [[1, 2, 3, 4, 5], [6, 7, 8, 9, 10]], targets = [[2, 3, 4, 5, 6], [7, 8, 9, 10, 11]]
        let whole = GPT2Training(parameters: try GPT2Parameters.random(config: config, seed: 2))
        try whole.forward(inputs: inputs, targets: targets)
        whole.backward()
        let halves = Trainer(model: GPT2Training(parameters: try GPT2Parameters.random(config: config, seed: 2)),
                             schedule: LearningRateSchedule(.constant, peak: 0, totalSteps: 1), maxGradientNorm: nil)
        try halves.step([([inputs[0]], [targets[0]]), ([inputs[1]], [targets[1]])])
        let worst = (0..<whole.gradients.count).map { abs(whole.gradients.values[$0] - halves.model.gradients.values[$0]) }.max()!
        #expect(worst < 1e-6)
    }

    @Test func weightDecayReachesMatricesOnly() throws {
        let config = GPT2Config(layers: 1, heads: 1, embedding: 4, positions: 4, vocabulary: 5)
        let parameters = try GPT2Parameters.random(config: config)
        let layout = parameters.layout
        for slot in layout.slots { parameters[slot].update(repeating: 1, count: slot.count) }
        let optimizer = AdamW(layout: layout, weightDecay: 0.5)
        optimizer.update(parameters, gradients: GPT2Gradients(layout: layout), learningRate: 0.1)  // zero gradients
        #expect(parameters[layout.layers[0].fcWeight][0] == 0.95)
        #expect(parameters[layout.tokenEmbedding][0] == 0.95)
        #expect(parameters[layout.layers[0].fcBias][0] == 1)
        #expect(parameters[layout.finalNormWeight][0] == 1)
    }

    @Test func aFewDozenStepsOverfitOneBatch() throws {
        let config = GPT2Config(layers: 2, heads: 2, embedding: 64, positions: 32, vocabulary: 400)
        var random = SeededRandom(seed: 8)
        let ids = (0..<2).map { _ in (0..<17).map { _ in Int(random.next() % 400) } }
        let inputs = ids.map { Array($0.dropLast()) }, targets = ids.map { Array($0.dropFirst()) }
        let trainer = Trainer(model: GPT2Training(parameters: try GPT2Parameters.random(config: config, seed: 1)),
                              schedule: LearningRateSchedule(.cosine, peak: 1e-2, minimum: 1e-3, warmupSteps: 3, totalSteps: 40))
        var losses = [Float]()
        for _ in 0..<40 { losses.append(try trainer.step([(inputs, targets)]).loss) }
        let final = try trainer.model.forward(inputs: inputs, targets: targets)
        print("overfitting one batch: loss \(losses[0]) -> \(final) after 40 steps")
        #expect(losses[0] > 5.5)
        #expect(final < 1)
    }
}
