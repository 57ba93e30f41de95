import Foundation

/// What one epoch measured, one line of `metrics.csv`.
public struct EpochMetrics: Sendable, Codable, Equatable {
    public var epoch: Int
    public var step: Int
    public var trainingLoss: Double
    public var validationLoss: Double
    /// Fraction of validation positions whose most likely next token was right.
    public var validationAccuracy: Double
    public var learningRate: Double
    public var tokensPerSecond: Double

    public var perplexity: Double { exp(validationLoss) }

    public init(epoch: Int, step: Int, trainingLoss: Double, validationLoss: Double, validationAccuracy: Double,
                learningRate: Double, tokensPerSecond: Double) {
        self.epoch = epoch
        self.step = step
        self.trainingLoss = trainingLoss
        self.validationLoss = validationLoss
        self.validationAccuracy = validationAccuracy
        self.learningRate = learningRate
        self.tokensPerSecond = tokensPerSecond
    }

    public static let csvHeader = "epoch,step,train_loss,val_loss,val_accuracy,val_perplexity,learning_rate,tokens_per_second"

    public var csvLine: String {
        [String(epoch), String(step), format(trainingLoss), format(validationLoss), format(validationAccuracy),
         format(perplexity), format(learningRate), format(tokensPerSecond)].joined(separator: ",")
    }

    /// Writes the header and every epoch's line to `path`, atomically.
    public static func writeCSV(_ metrics: [EpochMetrics], to path: String) throws {
        let text = ([csvHeader] + metrics.map(\.csvLine)).joined(separator: "\n") + "\n"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    private func format(_ value: Double) -> String { String(format: "%.6g", value) }
}
