import Foundation
import TextGeneration

/// Everything `wf train` can be told, with the defaults a first run should use.
public struct TrainingSettings: Sendable, Codable, Equatable {
    /// Where the weights start: a new model of the shape below, or an existing model folder.
    public enum Start: Sendable, Codable, Equatable {
        case scratch
        case model(folder: String)
    }

    public var start: Start = .scratch
    public var epochs = 1
    public var batchSize = 8
    /// Tokens per training window (and the new model's context when training from scratch).
    public var context = 128
    public var gradientAccumulation = 1
    public var learningRate = 6e-4
    public var minimumLearningRate = 6e-5
    public var schedule = LearningRateSchedule.Shape.cosine
    /// Warm-up steps; nil means 5% of the steps.
    public var warmupSteps: Int?
    public var weightDecay: Float = 0.1
    public var maxGradientNorm: Double? = 1
    public var validationFraction = 0.1
    public var seed: UInt64 = 1337
    /// Shape of a model trained from scratch.
    public var layers = 4
    public var heads = 4
    public var embedding = 256
    /// Tokens of the BPE vocabulary trained from the data (scratch only).
    public var vocabularySize = 1024
    /// Length and prompt of the sample generated after each epoch.
    public var sampleTokens = 200
    public var samplePrompt = "\n"

    public init() {}

    public func validate() throws {
        func fail(_ message: String) -> TrainingError { .badSetting(message) }
        if epochs < 1 { throw fail("--epochs must be at least 1") }
        if batchSize < 1 { throw fail("--batch-size must be at least 1") }
        if context < 2 { throw fail("--context must be at least 2 tokens") }
        if gradientAccumulation < 1 { throw fail("--gradient-accumulation must be at least 1") }
        if !(learningRate > 0) { throw fail("--learning-rate must be above 0") }
        if !(validationFraction > 0 && validationFraction < 1) { throw fail("--validation-fraction must be between 0 and 1 (exclusive)") }
        if start == .scratch {
            if layers < 1 || heads < 1 || embedding < 1 { throw fail("--layers, --heads and --embedding must be at least 1") }
            if embedding % heads != 0 { throw fail("--embedding (\(embedding)) must be a multiple of --heads (\(heads))") }
            if vocabularySize < 257 { throw fail("--vocab-size must be at least 257 (256 bytes and end-of-text)") }
            // Computed before anything is allocated: `--layers 1000 --embedding 16384` once aborted
            // on a terabyte allocation (exit 134).
            let needed = memoryEstimate(vocabulary: vocabularySize)
            let available = Double(ProcessInfo.processInfo.physicalMemory)
            if needed > available {
                throw fail(String(format: "a %d-layer, %d-wide model trained at batch %d and context %d needs about %.1f GB of memory (weights, gradients, AdamW moments, activations), more than this machine's %.1f GB; make it smaller",
                                  layers, embedding, batchSize, context, needed / 1e9, available / 1e9))
            }
        }
    }

    /// Bytes a scratch training run holds, in floating point so no size overflows: four F32
    /// copies of the parameters (weights, gradients, AdamW's two moments; llm.c's layout) and the
    /// activations kept for the backward pass (about 16·C per token per layer, plus the
    /// attention matrices H·T per token per layer).
    public func memoryEstimate(vocabulary: Int) -> Double {
        let c = Double(embedding), l = Double(layers), t = Double(context), b = Double(batchSize), h = Double(heads)
        let parameters = l * (12 * c * c + 13 * c) + Double(vocabulary) * c + t * c + 2 * c
        let activations = b * t * (l * (16 * c + h * t) + Double(vocabulary))
        return 4 * (4 * parameters + activations)
    }
}
