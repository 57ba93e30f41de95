/// One optimizer step over one or more micro-batches: gradients summed over the
/// micro-batches then divided by their count (the gradient of the mean loss over all of
/// them, so accumulation changes memory, not the update), clipped by global norm, AdamW.
public final class Trainer: @unchecked Sendable {
    public let model: GPT2Training
    public let optimizer: AdamW
    public var schedule: LearningRateSchedule
    /// Largest global gradient norm; nil turns clipping off.
    public var maxGradientNorm: Double?

    public struct StepResult: Sendable, Equatable {
        /// Mean loss over the micro-batches, before the update.
        public var loss: Float
        /// Global gradient norm before clipping.
        public var gradientNorm: Double
        public var learningRate: Double
    }

    public init(model: GPT2Training, schedule: LearningRateSchedule, weightDecay: Float = 0.1, maxGradientNorm: Double? = 1) {
        self.model = model
        optimizer = AdamW(layout: model.parameters.layout, weightDecay: weightDecay)
        self.schedule = schedule
        self.maxGradientNorm = maxGradientNorm
    }

    /// Takes one step on `microBatches`, each (inputs [B][T], targets [B][T]).
    @discardableResult
    public func step(_ microBatches: [(inputs: [[Int]], targets: [[Int]])]) throws -> StepResult {
        guard !microBatches.isEmpty else { throw TrainingError.badData(source: "the step", reason: "it has no micro-batches") }
        let gradients = model.gradients
        gradients.zero()
        var loss = 0.0
        for batch in microBatches {
            loss += Double(try model.forward(inputs: batch.inputs, targets: batch.targets))
            model.backward()
        }
        if microBatches.count > 1 { gradients.scale(by: 1 / Float(microBatches.count)) }
        let norm = maxGradientNorm.map { gradients.clip(maxNorm: $0) } ?? gradients.globalNorm()
        let rate = schedule.rate(at: optimizer.step)
        optimizer.update(model.parameters, gradients: gradients, learningRate: Float(rate))
        return StepResult(loss: Float(loss / Double(microBatches.count)), gradientNorm: norm, learningRate: rate)
    }
}
