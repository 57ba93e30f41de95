import Foundation
import TextGeneration

/// A whole `wf train` run: prepare the data and tokenizer, train for the epochs, and after
/// each one measure validation loss and next-token accuracy, generate a sample, and write
/// `metrics.csv`, `samples.txt`, `training.svg` and the `last` and `best` checkpoints.
public final class TrainingRun {
    public let settings: TrainingSettings
    public let output: String
    let report: (TrainingEvent) throws -> Void

    public struct Summary: Sendable {
        public var metrics: [EpochMetrics]
        public var bestValidationLoss: Double
        /// Validation loss per character: loss per token × validation tokens ÷ validation characters.
        public var bestValidationLossPerCharacter: Double
        public var seconds: Double
    }

    public init(settings: TrainingSettings, output: String, report: @escaping (TrainingEvent) throws -> Void = { _ in }) {
        self.settings = settings
        self.output = output
        self.report = report
    }

    /// Trains on `text`; with `resumeFrom` (a checkpoint folder this type wrote), continues
    /// that run after its last epoch with its weights, tokenizer, optimizer state and batches.
    public func run(text: String, source: String, resumeFrom: String? = nil) throws -> Summary {
        let started = Date()
        try settings.validate()
        let resumed = try resumeFrom.map { try Checkpoint.state(in: $0) }
        let split = try TrainingText(text: text, source: source, validationFraction: settings.validationFraction)
        try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)

        // Tokenizer and starting weights.
        let tokenizerFolder: String
        let parameters: GPT2Parameters
        switch resumeFrom == nil ? settings.start : .model(folder: resumeFrom!) {
        case .scratch:
            try report(.preparing("training a \(settings.vocabularySize)-token BPE tokenizer on \(split.training.count) characters"))
            tokenizerFolder = "\(output)/tokenizer"
            try BPETrainer(vocabularySize: settings.vocabularySize).train(on: split.training).write(to: tokenizerFolder)
            let tokenizer = try BPETokenizer.load(folder: tokenizerFolder)
            let config = GPT2Config(layers: settings.layers, heads: settings.heads, embedding: settings.embedding,
                                    positions: settings.context, vocabulary: tokenizer.vocabularySize, endOfTextID: tokenizer.endOfTextID)
            parameters = try GPT2Parameters.random(config: config, seed: settings.seed)
        case .model(let folder):
            tokenizerFolder = folder
            parameters = try GPT2Parameters(folder: folder)
        }
        let tokenizer = try BPETokenizer.load(folder: tokenizerFolder)
        guard settings.context <= parameters.config.positions else {
            throw TrainingError.badSetting("--context \(settings.context) exceeds the model's \(parameters.config.positions) positions")
        }
        let (trainingTokens, validationTokens) = try split.tokenize(with: tokenizer, context: settings.context)
        try report(.preparing("\(trainingTokens.count) training and \(validationTokens.count) validation tokens; model of \(parameters.count) parameters"))

        var batches = TokenBatches(tokens: trainingTokens, batch: settings.batchSize, context: settings.context, seed: settings.seed)
        let stepsPerEpoch = max(1, batches.batchesPerEpoch / settings.gradientAccumulation)
        let totalSteps = stepsPerEpoch * settings.epochs
        let schedule = LearningRateSchedule(settings.schedule, peak: settings.learningRate, minimum: settings.minimumLearningRate,
                                            warmupSteps: settings.warmupSteps ?? max(1, totalSteps / 20), totalSteps: totalSteps)
        let model = GPT2Training(parameters: parameters)
        let trainer = Trainer(model: model, schedule: schedule, weightDecay: settings.weightDecay, maxGradientNorm: settings.maxGradientNorm)

        var metrics = resumed?.metrics ?? []
        var best = resumed?.bestValidationLoss ?? .infinity
        var samples = resumeFrom == nil ? "" : (try? String(contentsOfFile: "\(output)/samples.txt", encoding: .utf8)) ?? ""
        if let resumeFrom, let resumed {
            try trainer.optimizer.restore(from: "\(resumeFrom)/optimizer.safetensors", step: resumed.step)
            // The same batch stream as an uninterrupted run: skip what the finished steps drew.
            for _ in 0..<(resumed.step * settings.gradientAccumulation) { _ = batches.next() }
            try report(.preparing("resuming after epoch \(resumed.epoch) (step \(resumed.step)) from \(resumeFrom)"))
        }
        let tokensPerStep = settings.batchSize * settings.context * settings.gradientAccumulation
        let firstEpoch = (resumed?.epoch ?? 0) + 1
        guard firstEpoch <= settings.epochs else {
            throw TrainingError.badSetting("the checkpoint already finished \(resumed!.epoch) epochs; ask for more with --epochs")
        }
        for epoch in firstEpoch...settings.epochs {
            let epochStart = Date()
            var lossSum = 0.0
            var lastRate = 0.0
            for stepInEpoch in 1...stepsPerEpoch {
                let micro = (0..<settings.gradientAccumulation).map { _ in batches.next() }
                let result = try trainer.step(micro)
                lossSum += Double(result.loss)
                lastRate = result.learningRate
                let elapsed = Date().timeIntervalSince(epochStart)
                let rate = Double(stepInEpoch * tokensPerStep) / max(elapsed, 1e-9)
                let done = (epoch - 1) * stepsPerEpoch + stepInEpoch
                try report(.progress(step: done, totalSteps: totalSteps, loss: result.loss, tokensPerSecond: rate,
                                 secondsLeft: Double(totalSteps - done) * Double(tokensPerStep) / rate))
            }
            let seconds = Date().timeIntervalSince(epochStart)
            let (validationLoss, accuracy) = try evaluate(model, tokens: validationTokens)
            let measured = EpochMetrics(epoch: epoch, step: epoch * stepsPerEpoch, trainingLoss: lossSum / Double(stepsPerEpoch),
                                        validationLoss: validationLoss, validationAccuracy: accuracy, learningRate: lastRate,
                                        tokensPerSecond: Double(stepsPerEpoch * tokensPerStep) / seconds)
            metrics.append(measured)

            let improved = validationLoss < best
            best = min(best, validationLoss)
            let state = Checkpoint.State(epoch: epoch, step: trainer.optimizer.step, validationLoss: validationLoss,
                                         bestValidationLoss: best, metrics: metrics, settings: settings)
            try Checkpoint.save(parameters, optimizer: trainer.optimizer, tokenizerFolder: tokenizerFolder, state: state, to: "\(output)/last")
            try report(.checkpointSaved(path: "\(output)/last", best: false))
            if improved {
                try Checkpoint.save(parameters, optimizer: trainer.optimizer, tokenizerFolder: tokenizerFolder, state: state, to: "\(output)/best")
                try report(.checkpointSaved(path: "\(output)/best", best: true))
            }
            let sample = try generateSample(from: "\(output)/last")
            samples += "=== epoch \(epoch), validation loss \(String(format: "%.4f", validationLoss))\n\(sample)\n\n"
            try samples.write(toFile: "\(output)/samples.txt", atomically: true, encoding: .utf8)
            try EpochMetrics.writeCSV(metrics, to: "\(output)/metrics.csv")
            try TrainingPlot.write(metrics, title: "wf train: \((source as NSString).lastPathComponent)", to: "\(output)/training.svg")
            try report(.epochFinished(measured, sample: sample))
        }
        let validationCharacters = Double(split.validation.count)
        return Summary(metrics: metrics, bestValidationLoss: best,
                       bestValidationLossPerCharacter: best * Double(validationTokens.count) / validationCharacters,
                       seconds: Date().timeIntervalSince(started))
    }

    /// Mean loss per token and next-token accuracy over the validation tokens, in consecutive windows.
    func evaluate(_ model: GPT2Training, tokens: [Int]) throws -> (loss: Double, accuracy: Double) {
        let windows = TokenBatches(tokens: tokens, batch: settings.batchSize, context: settings.context, seed: 0).sequentialWindows()
        var lossSum = 0.0, correct = 0, positions = 0
        let vocabulary = model.config.vocabulary
        for start in stride(from: 0, to: windows.count, by: settings.batchSize) {
            let group = Array(windows[start..<min(windows.count, start + settings.batchSize)])
            let loss = try model.forward(inputs: group.map(\.inputs), targets: group.map(\.targets))
            let count = group.count * settings.context
            lossSum += Double(loss) * Double(count)
            let logits = model.logits
            for (row, target) in group.flatMap(\.targets).enumerated() {
                let scores = UnsafeBufferPointer(rebasing: logits[row * vocabulary..<(row + 1) * vocabulary])
                var best = 0
                for i in scores.indices where scores[i] > scores[best] { best = i }
                if best == target { correct += 1 }
            }
            positions += count
        }
        return (lossSum / Double(positions), Double(correct) / Double(positions))
    }

    /// A sample from the checkpoint just written, through the inference engine.
    func generateSample(from folder: String) throws -> String {
        let loaded = try LoadedModel.load(folder)
        var generation = GenerationSettings()
        generation.maxNewTokens = settings.sampleTokens
        generation.seed = settings.seed
        let tokenizer = try loaded.requireTokenizer()
        let prompt = tokenizer.encode(settings.samplePrompt)
        return try loaded.generator.generate(promptIDs: prompt.isEmpty ? [tokenizer.endOfTextID ?? 0] : prompt,
                                             settings: generation)[0].text ?? ""
    }
}
