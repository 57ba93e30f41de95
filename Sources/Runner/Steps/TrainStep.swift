import Datasets
import Foundation
import TextGeneration
import Training
import Workflows

/// `train@v1`, in-process: trains or fine-tunes GPT-2 on a text file from an input and writes
/// the best checkpoint (config, weights, tokenizer) with `metrics.csv`, `samples.txt` and
/// `training.svg` into the job's dataset or volume output, so a later job can generate from it.
///
///     with:
///       data: corpus/input.txt      # INPUT/PATH, or INPUT when it holds one file
///       from: scratch               # scratch (default), INPUT[/PATH] holding a model, a folder or a hub id
///       epochs: 1, batch_size: 8, context: 128, learning_rate: 6e-4, validation_fraction: 0.1, seed: 1337
///       layers: 4, heads: 4, embedding: 256, vocab_size: 1024   # scratch only
struct TrainStep: Step {
    let settings: TrainSettings

    /// Files of a checkpoint a model dataset keeps; the optimizer state stays behind.
    static let keptFiles: Set<String> = ["config.json", "model.safetensors", "vocab.json", "merges.txt", "training-state.json"]

    func run(_ context: StepContext) throws -> StepResult {
        let job = context.job
        let output = try context.folderOutput(for: "train@v1", accepting: ["dataset", "volume"])
        guard let dataReference = settings.data else {
            throw RunError.unsupported(job: job.name, detail: "train@v1 needs with: data: INPUT/PATH, the text file to train on")
        }
        let dataFile = try textFile(dataReference, context: context)
        let text: String
        do { text = try TrainingText.read(path: dataFile) } catch { throw RunError.failed(job: job.name, detail: "\(error)") }
        let settings = try trainingSettings(context)
        let scratch = "\(context.workspace)/train"
        try? FileManager.default.removeItem(atPath: scratch)
        context.log.line("training on \(dataReference) (\(text.count) characters), \(settings.epochs) epochs, batch \(settings.batchSize), context \(settings.context)")
        var lastProgress = Date.distantPast
        let log = context.log
        let summary: TrainingRun.Summary
        do {
            let cancellation = context.options.cancellation, name = job.name
            summary = try TrainingRun(settings: settings, output: scratch) { event in
                // Each event is a step's end at the latest: a cancelled run stops there.
                try cancellation?.check(job: name)
                switch event {
                case .preparing(let message): log.line(message)
                case .progress(let step, let total, let loss, let rate, let left):
                    if Date().timeIntervalSince(lastProgress) > 10 || step == total {
                        log.line("step \(step)/\(total)  loss \(String(format: "%.4f", loss))  \(Int(rate)) tokens/s  ETA \(Int(left)) s")
                        lastProgress = Date()
                    }
                case .epochFinished(let metrics, _):
                    log.line("epoch \(metrics.epoch): validation loss \(String(format: "%.4f", metrics.validationLoss)), accuracy \(String(format: "%.3f", metrics.validationAccuracy))")
                case .checkpointSaved: break
                }
            }.run(text: text, source: dataReference)
        } catch let error as TrainingError {
            throw RunError.failed(job: job.name, detail: "\(error)")
        }
        let manager = FileManager.default
        for name in try manager.contentsOfDirectory(atPath: "\(scratch)/best") where Self.keptFiles.contains(name) {
            try manager.copyItem(atPath: "\(scratch)/best/\(name)", toPath: "\(output)/\(name)")
        }
        for name in ["metrics.csv", "samples.txt", "training.svg"] where manager.fileExists(atPath: "\(scratch)/\(name)") {
            try manager.copyItem(atPath: "\(scratch)/\(name)", toPath: "\(output)/\(name)")
        }
        try? manager.removeItem(atPath: scratch)
        context.log.line("best validation loss \(String(format: "%.4f", summary.bestValidationLoss)) per token, "
                         + "\(String(format: "%.4f", summary.bestValidationLossPerCharacter)) per character")
        let weights = FileManager.default.contents(atPath: "\(output)/model.safetensors") ?? Data()
        let settingsDigest = ObjectID.of(Array((try settingsRecord(dataFile: dataFile, job: job)).utf8)).hex
        return StepResult(settingsDigest: settingsDigest, modelDigest: ObjectID.of(Array(weights)).hex)
    }

    /// `INPUT/PATH`, or `INPUT` when that input is one file or a folder of exactly one file.
    func textFile(_ reference: String, context: StepContext) throws -> String {
        let job = context.job
        let path = try context.inputPath(reference, key: "data")
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
            throw RunError.missingInput(job: job.name, input: "data", detail: "\(reference) does not exist")
        }
        guard isFolder.boolValue else { return path }
        // Listed by bytes, as a commit lists them: a name that is not UTF-8 is refused by name.
        let files: [SourceFile]
        do { files = try SourceScanner.scan([path]) } catch {
            throw RunError.missingInput(job: job.name, input: "data", detail: "\(error)")
        }
        guard files.count == 1 else {
            throw RunError.missingInput(job: job.name, input: "data", detail: "\(reference) holds \(files.count) files; name one as \(reference)/FILE")
        }
        return files[0].sourcePath
    }

    func trainingSettings(_ context: StepContext) throws -> TrainingSettings {
        let job = context.job
        var settings = TrainingSettings()
        if let value = self.settings.epochs { settings.epochs = value }
        if let value = self.settings.batchSize { settings.batchSize = value }
        if let value = self.settings.context { settings.context = value }
        if let value = self.settings.learningRate { settings.learningRate = value }
        if let value = self.settings.validationFraction { settings.validationFraction = value }
        if let value = self.settings.seed { settings.seed = value }
        if let value = self.settings.layers { settings.layers = value }
        if let value = self.settings.heads { settings.heads = value }
        if let value = self.settings.embedding { settings.embedding = value }
        if let value = self.settings.vocabSize { settings.vocabularySize = value }
        if let start = self.settings.from, start != "scratch" {
            if let first = start.split(separator: "/").first, context.inputs[String(first)] != nil {
                settings.start = .model(folder: try context.inputPath(start, key: "from"))
            } else {
                try context.refuseHostPath(start, key: "from")
                settings.start = .model(folder: try LoadedModel.resolve(start, downloader: HubDownloader()))
            }
        }
        do { try settings.validate() } catch { throw RunError.unsupported(job: job.name, detail: "\(error)") }
        return settings
    }

    /// The job's `with:` values and the data's digest, one `key=value` a line, sorted.
    func settingsRecord(dataFile: String, job: PlannedJob) throws -> String {
        let data = FileManager.default.contents(atPath: dataFile) ?? Data()
        let encoded = try JSONEncoder().encode(settings)
        let object = (try JSONSerialization.jsonObject(with: encoded) as? [String: Any]) ?? [:]
        let values = object.map { key, value in "\(key)=\(value)" }
        return (values + ["data.sha256=\(ObjectID.of(Array(data)).hex)"]).sorted().joined(separator: "\n")
    }
}
