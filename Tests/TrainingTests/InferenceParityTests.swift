import Foundation
import Testing
import TestSupport
import TextGeneration
@testable import Training

/// The training forward pass computes the function the inference engine runs, and a saved
/// folder loads back into the inference engine unchanged.
@Suite struct InferenceParityTests {
    static let inputs = [[50, 47, 45, 37, 47, 26, 1, 2, 3, 399, 0, 12], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]]
    static let targets = inputs.map { Array($0.dropFirst()) + [7] }

    static func inferenceLogits(folder: String, _ tokens: [[Int]]) throws -> [Float] {
        let config = try GPT2Config.load(path: "\(folder)/config.json")
        let model = GPT2Model(weights: try GPT2Weights(folder: folder, config: config))
        return model.forward(tokens, cache: model.makeCache(batch: tokens.count, capacity: tokens[0].count), allPositions: true)
    }

    @Test func logitsAndLossMatchTheInferenceEngineOnTheTinyModel() throws {
        let folder = Fixtures.path("models/tiny")
        let model = GPT2Training(parameters: try GPT2Parameters(folder: folder))
        let loss = try model.forward(inputs: Self.inputs, targets: Self.targets)
        let expected = try Self.inferenceLogits(folder: folder, Self.inputs)
        let logits = Array(model.logits)
        #expect(logits.count == expected.count)
        let worst = zip(logits, expected).map { abs($0 - $1) }.max() ?? .infinity
        print("training vs inference logits: largest difference \(worst)")
        #expect(worst < 1e-4)

        // Cross-entropy of the inference logits, in Double.
        let v = model.config.vocabulary, flatTargets = Self.targets.flatMap { $0 }
        var total = 0.0
        for (row, target) in flatTargets.enumerated() {
            let z = expected[(row * v)..<((row + 1) * v)].map(Double.init)
            let top = z.max()!
            total += log(z.map { exp($0 - top) }.reduce(0, +)) + top - z[target]
        }
        let direct = total / Double(flatTargets.count)
        print("training loss \(loss), direct cross-entropy \(direct)")
        #expect(abs(Double(loss) - direct) < 1e-4)
    }

    @Test func aSavedFolderLoadsIntoTheInferenceEngine() throws {
        let scratch = Scratch("wf-training")
        let parameters = try GPT2Parameters.random(config: try GPT2Config.load(path: Fixtures.path("models/tiny/config.json")), seed: 5)
        try parameters.save(to: scratch("saved"), tokenizerFolder: Fixtures.path("models/tiny"))
        let loaded = try LoadedModel.load(scratch("saved"))
        #expect(loaded.model.config == parameters.config)
        let model = GPT2Training(parameters: parameters)
        try model.forward(inputs: Self.inputs, targets: Self.targets)
        let cache = loaded.model.makeCache(batch: 2, capacity: Self.inputs[0].count)
        let inferred = loaded.model.forward(Self.inputs, cache: cache, allPositions: true)
        #expect(zip(Array(model.logits), inferred).map { abs($0 - $1) }.max()! < 1e-4)
        // And back: the saved folder reloads into the same parameters, bit for bit.
        let reloaded = try GPT2Parameters(folder: scratch("saved"))
        #expect((0..<parameters.count).allSatisfy { reloaded.values[$0] == parameters.values[$0] })
    }

    @Test func randomInitialisationFollowsGPT2() throws {
        let config = GPT2Config(layers: 4, heads: 2, embedding: 32, positions: 16, vocabulary: 64)
        let parameters = try GPT2Parameters.random(config: config, seed: 3)
        func std(_ slot: ParameterLayout.Slot) -> Double {
            let values = (0..<slot.count).map { Double(parameters[slot][$0]) }
            let mean = values.reduce(0, +) / Double(values.count)
            return (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count)).squareRoot()
        }
        let layer = parameters.layout.layers[0]
        #expect(abs(std(parameters.layout.tokenEmbedding) - 0.02) < 0.002)
        #expect(abs(std(layer.fcWeight) - 0.02) < 0.002)
        #expect(abs(std(layer.mlpProjectionWeight) - 0.02 / 8.0.squareRoot()) < 0.001)  // 1/√(2·4)
        #expect((0..<32).allSatisfy { parameters[layer.ln1Weight][$0] == 1 && parameters[layer.fcBias][$0] == 0 })
    }

    @Test func untiedModelsAreRejected() {
        let config = GPT2Config(layers: 1, heads: 1, embedding: 4, positions: 4, vocabulary: 8, tiedEmbeddings: false)
        #expect(throws: TrainingError.self) { try GPT2Parameters(config: config) }
    }
}
