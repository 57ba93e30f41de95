import ArgumentParser
import Datasets
import Foundation
import TextGeneration
import Training

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a GPT-2 model from scratch, or fine-tune one, on your own text.",
        discussion: """
            Writes into --out: last/ and best/ (Hugging Face folders that wf generate and transformers load), metrics.csv, samples.txt (a sample after each epoch) and training.svg (validation loss, accuracy and learning rate per epoch). The last 10% of the text (--validation-fraction) is held out for validation.

            Examples:
              wf train --data ../shared/corpora/tinyshakespeare.txt --from scratch --out runs/shakespeare --epochs 5
              wf train --data corpus:latest --from ./my-gpt2 --out runs/finetune --learning-rate 1e-4
            """
    )

    @Option(help: "A UTF-8 text file, or a dataset reference (NAME, NAME:ID, NAME:TAG) whose version holds one text file.")
    var data: String

    @Option(name: .customLong("from"), help: "scratch (a new model and a BPE tokenizer trained on the data), a model folder, or a cached hub id.")
    var start: String = "scratch"

    @Option(help: "Folder for checkpoints, metrics, samples and the plot.")
    var out: String

    @Option(parsing: .unconditional, help: "Passes over the training text.")
    var epochs = 1

    @Option(name: .customLong("batch-size"), parsing: .unconditional, help: "Windows per micro-batch.")
    var batchSize = 8

    @Option(parsing: .unconditional, help: "Tokens per window (a new model's context length).")
    var context = 128

    @Option(name: .customLong("gradient-accumulation"), parsing: .unconditional, help: "Micro-batches per optimizer step.")
    var gradientAccumulation = 1

    @Option(name: .customLong("learning-rate"), parsing: .unconditional, help: "Peak learning rate.")
    var learningRate = 6e-4

    @Option(help: "Learning-rate schedule after warm-up: constant, linear or cosine.")
    var schedule = "cosine"

    @Option(name: .customLong("warmup-steps"), parsing: .unconditional, help: "Linear warm-up steps (default: 5% of the steps).")
    var warmupSteps: Int?

    @Option(name: .customLong("weight-decay"), parsing: .unconditional, help: "AdamW weight decay on 2-D weights.")
    var weightDecay: Float = 0.1

    @Option(name: .customLong("validation-fraction"), parsing: .unconditional, help: "Share of the text, from its end, held out for validation.")
    var validationFraction = 0.1

    @Option(parsing: .unconditional, help: "Seed for initialisation, batches and samples.")
    var seed: UInt64 = 1337

    @Option(parsing: .unconditional, help: "Scratch: transformer layers.")
    var layers = 4

    @Option(parsing: .unconditional, help: "Scratch: attention heads.")
    var heads = 4

    @Option(parsing: .unconditional, help: "Scratch: embedding width (a multiple of --heads).")
    var embedding = 256

    @Option(name: .customLong("vocab-size"), parsing: .unconditional, help: "Scratch: BPE vocabulary to learn from the data.")
    var vocabSize = 1024

    @Option(help: ArgumentHelp("Continue a run from its checkpoint (OUT/last): weights, optimizer state, batches and metrics; --epochs may raise the total.", valueName: "checkpoint"))
    var resume: String?

    @Option(parsing: .unconditional, help: "Compute threads.")
    var threads = ProcessInfo.processInfo.activeProcessorCount

    @OptionGroup var store: StoreOptions

    func run() throws {
        // Compute threads are a setting of this call, not of the process (see ComputePool).
        try ComputePool.withThreads(threads) { try train() }
    }

    private func train() throws {
        var settings = TrainingSettings()
        if let resume {
            // The run continues with the settings it started with; only the epoch count may grow.
            settings = try Checkpoint.state(in: resume).settings
            settings.epochs = max(settings.epochs, epochs)
            let (text, source) = try readData()
            try report(try TrainingRun(settings: settings, output: out, report: reporter()).run(text: text, source: source, resumeFrom: resume))
            return
        }
        guard let shape = LearningRateSchedule.Shape(rawValue: schedule) else { throw ValidationError("--schedule is constant, linear or cosine") }
        settings.schedule = shape
        settings.epochs = epochs
        settings.batchSize = batchSize
        settings.context = context
        settings.gradientAccumulation = gradientAccumulation
        settings.learningRate = learningRate
        settings.warmupSteps = warmupSteps
        settings.weightDecay = weightDecay
        settings.validationFraction = validationFraction
        settings.seed = seed
        settings.layers = layers
        settings.heads = heads
        settings.embedding = embedding
        settings.vocabularySize = vocabSize
        if start != "scratch" { settings.start = .model(folder: try LoadedModel.resolve(start, downloader: HubDownloader())) }
        try settings.validate()
        // --out is a folder wf makes; a file there is a mistake to name, not an NSError to print.
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: out, isDirectory: &isFolder), !isFolder.boolValue {
            throw CommandFailure("--out \(out) is a file; name a folder (new, or one wf train wrote)")
        }
        let (text, source) = try readData()
        try report(try TrainingRun(settings: settings, output: out, report: reporter()).run(text: text, source: source))
    }

    /// Progress on standard error (one rewritten line on a terminal, a line every 10 s
    /// otherwise), each epoch's figures and sample on standard output.
    func reporter() -> (TrainingEvent) -> Void {
        let interactive = isatty(STDERR_FILENO) == 1
        nonisolated(unsafe) var lastPrinted = Date.distantPast
        return { event in
            switch event {
            case .preparing(let message):
                FileHandle.standardError.write(Data((message + "\n").utf8))
            case .progress(let step, let total, let loss, let rate, let left):
                let line = "step \(step)/\(total)  loss \(String(format: "%.4f", loss))  \(Int(rate)) tokens/s  ETA \(Format.duration(left))"
                if interactive { Progress.line(line) } else if Date().timeIntervalSince(lastPrinted) > 10 || step == total {
                    FileHandle.standardError.write(Data((line + "\n").utf8))
                    lastPrinted = Date()
                }
            case .epochFinished(let metrics, let sample):
                if interactive { Progress.clear() }
                // Unbuffered, so a log file shows each epoch as it ends.
                Console.write("epoch \(metrics.epoch): train loss \(String(format: "%.4f", metrics.trainingLoss)), "
                              + "validation loss \(String(format: "%.4f", metrics.validationLoss)), accuracy \(String(format: "%.3f", metrics.validationAccuracy)), "
                              + "perplexity \(String(format: "%.2f", metrics.perplexity)), \(Int(metrics.tokensPerSecond)) tokens/s\n")
                Console.write("--- sample ---\n\(sample)\n--------------\n")
            case .checkpointSaved(let path, let best):
                if best { FileHandle.standardError.write(Data("best checkpoint so far: \(path)\n".utf8)) }
            }
        }
    }

    func report(_ summary: TrainingRun.Summary) throws {
        print("best validation loss \(String(format: "%.4f", summary.bestValidationLoss)) per token, "
              + "\(String(format: "%.4f", summary.bestValidationLossPerCharacter)) per character; \(Format.duration(summary.seconds)) in all")
        print("model: \(out)/best (wf generate --model \(out)/best --prompt ...)")
    }

    /// The text file, or the single file of a dataset version.
    func readData() throws -> (String, String) {
        if FileManager.default.fileExists(atPath: data) { return (try TrainingText.read(path: data), data) }
        // A path that does not exist is a missing file, not a dataset name (names have no '/').
        if data.contains("/") {
            throw CommandFailure("--data \(data): no such file; give a text file, or a dataset version as NAME[:VERSION]")
        }
        let opened = try store.open(.readOnly)
        let version: VersionInfo
        do { version = try opened.resolve(data) } catch {
            throw CommandFailure("--data \(data): no such file, and no dataset version: \(error)")
        }
        let files = try opened.tree(of: version).entries
        guard files.count == 1, let file = files.first else {
            throw ValidationError("\(version.reference) holds \(files.count) files; wf train reads a version with exactly one text file")
        }
        let bytes = try opened.contents(of: file.path, in: version)
        guard !bytes.contains(0), let text = String(validating: bytes, as: UTF8.self) else {
            throw TrainingError.badData(source: "\(version.reference)/\(file.path)", reason: "it is not UTF-8 text")
        }
        return (text, "\(version.reference)/\(file.path)")
    }
}
