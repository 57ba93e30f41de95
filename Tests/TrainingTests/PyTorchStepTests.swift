import Foundation
import Testing
import TestSupport
import TextGeneration
@testable import Training

/// One training step equal to PyTorch's: loss, gradients, global norm and the AdamW update
/// (with clipping) on the tiny model, against `scripts/make_training_fixtures.py`'s output.
@Suite struct PyTorchStepTests {
    struct Reference: Decodable {
        struct Pick: Decodable { let name: String; let index: Int; let grad: Double; let before: Double; let after: Double }
        let ids: [[Int]]
        let loss: Double
        let grad_norm: Double
        let learning_rate: Double
        let weight_decay: Double
        let max_grad_norm: Double
        let picks: [Pick]
        var inputs: [[Int]] { ids.map { Array($0.dropLast()) } }
        var targets: [[Int]] { ids.map { Array($0.dropFirst()) } }
    }

    static func reference() throws -> Reference { try Fixtures.json(Reference.self, "training/one-step.json") }

    @Test func lossGradientsAndNormMatchPyTorch() throws {
        let reference = try Self.reference()
        let model = GPT2Training(parameters: try GPT2Parameters(folder: Fixtures.path("models/tiny")))
        let loss = try model.forward(inputs: reference.inputs, targets: reference.targets)
        model.backward()
        let lossError = abs(Double(loss) - reference.loss) / reference.loss
        let norm = model.gradients.globalNorm()
        let normError = abs(norm - reference.grad_norm) / reference.grad_norm
        var worstGradient = 0.0
        for pick in reference.picks {
            let slot = try #require(model.parameters.layout.slot(named: pick.name), "\(pick.name)")
            let grad = Double(model.gradients[slot][pick.index])
            // Relative to the tensor's scale: a few picks are near zero.
            let error = abs(grad - pick.grad) / max(abs(pick.grad), 1e-3)
            worstGradient = max(worstGradient, error)
            #expect(error < 1e-3, "\(pick.name)[\(pick.index)]: \(grad) vs PyTorch \(pick.grad)")
        }
        print("vs PyTorch: loss \(loss) (relative error \(lossError)), norm \(norm) (\(normError)), worst gradient error \(worstGradient)")
        #expect(lossError < 1e-5)
        #expect(normError < 1e-4)
    }

    @Test func oneAdamWStepWithClippingMatchesPyTorch() throws {
        let reference = try Self.reference()
        let model = GPT2Training(parameters: try GPT2Parameters(folder: Fixtures.path("models/tiny")))
        let trainer = Trainer(model: model, schedule: LearningRateSchedule(.constant, peak: reference.learning_rate, totalSteps: 1),
                              weightDecay: Float(reference.weight_decay), maxGradientNorm: reference.max_grad_norm)
        let result = try trainer.step([(reference.inputs, reference.targets)])
        #expect(abs(result.gradientNorm - reference.grad_norm) / reference.grad_norm < 1e-4)
        var worst = 0.0
        for pick in reference.picks {
            let slot = try #require(model.parameters.layout.slot(named: pick.name))
            let value = Double(model.parameters[slot][pick.index])
            if pick.grad != 0 && abs(pick.grad) < 1e-7 {
                // A gradient that is zero in exact arithmetic (the key bias: softmax ignores a
                // constant added to a row of scores) is float rounding noise here and in PyTorch,
                // and Adam's first step lr·g/(|g| + eps) turns noise into an arbitrary step of at most lr.
                #expect(abs(value - pick.before) <= reference.learning_rate * 1.01, "\(pick.name)[\(pick.index)]")
                continue
            }
            worst = max(worst, abs(value - pick.after))
            #expect(abs(value - pick.after) < 1e-6, "\(pick.name)[\(pick.index)]: \(value) vs PyTorch \(pick.after) (was \(pick.before))")
        }
        print("vs PyTorch after one AdamW step: worst absolute parameter difference \(worst)")
    }
}
