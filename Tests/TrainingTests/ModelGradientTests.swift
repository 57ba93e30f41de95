import Testing
import TextGeneration
@testable import Training

/// The whole model's backward pass against finite differences of the loss, for a few
/// parameters of every tensor, on a small random GPT-2.
@Suite struct ModelGradientTests {
    static let config = GPT2Config(layers: 2, heads: 2, embedding: 8, positions: 8, vocabulary: 11)

    /// Parameters big enough that every gradient is well above float32's rounding noise,
    /// with layer-norm parameters away from 1 and 0 so their gradients are exercised too.
    static func parameters() throws -> GPT2Parameters {
        let parameters = try GPT2Parameters(config: config)
        var random = SeededRandom(seed: 11)
        for slot in parameters.layout.slots {
            let isNormWeight = slot.name.contains("ln_") && slot.name.hasSuffix("weight")
            for i in 0..<slot.count { parameters[slot][i] = Float((isNormWeight ? 1 : 0) + 0.3 * random.normal()) }
        }
        return parameters
    }

    @Test func gradientsMatchFiniteDifferencesOfTheLoss() throws {
        let model = GPT2Training(parameters: try Self.parameters())
        let inputs = [[1, 5, 3, 9, 0, 5], [7, 7, 2, 10, 4, 1]], targets = [[5, 3, 9, 0, 5, 2], [7, 2, 10, 4, 1, 6]]
        try model.forward(inputs: inputs, targets: targets)
        model.backward()
        var random = SeededRandom(seed: 12)
        var worst = 0.0, checked = 0
        for slot in model.parameters.layout.slots {
            // Embedding rows of tokens and positions the batch uses; any index elsewhere.
            var indices = [Int]()
            for _ in 0..<3 {
                if slot == model.parameters.layout.tokenEmbedding {
                    indices.append(inputs[0][Int(random.next() % 6)] * 8 + Int(random.next() % 8))
                } else if slot == model.parameters.layout.positionEmbedding {
                    indices.append(Int(random.next() % 48))
                } else {
                    indices.append(Int(random.next() % UInt64(slot.count)))
                }
            }
            for index in indices {
                let p = model.parameters[slot] + index
                let saved = p.pointee, h: Float = 1e-2
                p.pointee = saved + h
                let plus = Double(try model.forward(inputs: inputs, targets: targets))
                p.pointee = saved - h
                let minus = Double(try model.forward(inputs: inputs, targets: targets))
                p.pointee = saved
                let numeric = (plus - minus) / (2 * Double(h)), analytic = Double(model.gradients[slot][index])
                let error = abs(numeric - analytic) / max(abs(numeric), 1e-3)
                worst = max(worst, error)
                checked += 1
                #expect(error < 2e-2, "\(slot.name)[\(index)]: analytic \(analytic), numeric \(numeric)")
            }
        }
        print("model gradient: \(checked) parameters, worst relative error \(worst)")
    }
}
