import Datasets
import Foundation
import TextGeneration
import Workflows

/// `text-generation@v1`, in-process: settings from the repository's settings file
/// (`with: settings: INPUT/PATH`) with inline `with:` values on top, the model the settings
/// name (a path inside that input, a folder, or a hub id; else wf's default model), and
/// `outputs.txt` (the sequences, readable) plus `outputs.json` (texts, token ids, settings,
/// model digest) written into the job's dataset output.
struct TextGenerationStep {
    let context: StepContext
    var job: Job { context.job }
    var inputs: [String: String] { context.inputs }
    var outputs: [String: String] { context.outputs }

    func run() throws -> StepResult {
        guard let output = job.outputs.first(where: { if case .dataset = $0.value { return true } else { return false } })?.key else {
            throw RunError.unsupported(job: job.name, detail: "text-generation@v1 needs a dataset output for outputs.txt")
        }
        var values = [String: Any]()
        var settingsDigest: String?
        var settingsRoot: String?
        var source = "with: of job \(job.name)"
        if case .literal(let path)? = job.with["settings"] {
            let (folder, file) = try locate(path)
            guard let data = FileManager.default.contents(atPath: file) else {
                throw RunError.missingInput(job: job.name, input: "settings", detail: "\(path) does not exist in the input")
            }
            guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                throw RunError.badSettings(file: path, detail: "it is not a JSON object")
            }
            values = object
            settingsDigest = ObjectID.of(Array(data)).hex
            settingsRoot = folder
            source = path
        }
        for (key, value) in job.with where key != "settings" {
            if case .literal(let text) = value { values[key] = text }
        }
        let file = try GenerationSettingsFile(values: values, source: source)
        let modelFolder = try resolveModel(file.model, root: settingsRoot)
        let loaded = try LoadedModel.load(modelFolder)
        let prompt = loaded.tokenizer.encode(file.prompt)
        context.log.line("model \(loaded.folder), prompt \(prompt.count) tokens, \(file.settings.numReturnSequences) sequences, seed \(file.settings.seed)")
        let start = Date()
        let sequences = try loaded.generator.generate(promptIDs: prompt, settings: file.settings)
        let seconds = Date().timeIntervalSince(start)
        let folder = outputs[output]!
        let text = sequences.map(\.text).joined(separator: "\n---\n") + "\n"
        try text.write(toFile: "\(folder)/outputs.txt", atomically: true, encoding: .utf8)
        let modelDigest = try digest(ofModelIn: loaded.folder)
        let json: [String: Any] = [
            "sequences": sequences.map { ["text": $0.text, "prompt_ids": $0.promptIDs, "generated_ids": $0.generatedIDs,
                                          "finish_reason": $0.finishReason.rawValue] },
            "settings": values.mapValues { "\($0)" },
            "model": ["sha256": modelDigest],
        ]
        // No timings here: they vary run to run, and equal settings and seed must give an
        // equal tree id. The log shows them.
        context.log.line("generated in \(String(format: "%.2f", seconds)) s")
        try JSONSerialization.data(withJSONObject: json, options: [.prettyPrinted, .sortedKeys])
            .write(to: URL(fileURLWithPath: "\(folder)/outputs.json"))
        return StepResult(settingsDigest: settingsDigest, modelDigest: modelDigest)
    }

    /// `INPUT/PATH` → (the input's folder, the file).
    func locate(_ path: String) throws -> (String, String) {
        let file = try context.inputPath(path, key: "settings")
        return (inputs[String(path.split(separator: "/")[0])]!, file)
    }

    /// The model folder: a folder inside the settings' input, a job input holding a model
    /// (`INPUT` or `INPUT/PATH`, such as a train@v1 output), a folder or hub id, else the default.
    func resolveModel(_ model: String?, root: String?) throws -> String {
        guard let model else {
            guard let defaultModel = context.defaultModel else { throw RunError.badSettings(file: "settings", detail: "no model named and no default model") }
            return defaultModel
        }
        if let first = model.split(separator: "/").first, inputs[String(first)] != nil {
            let folder = try context.inputPath(model, key: "model")
            guard FileManager.default.fileExists(atPath: "\(folder)/config.json") else {
                throw RunError.missingInput(job: job.name, input: "model", detail: "\(model) holds no model (no config.json)")
            }
            return folder
        }
        if let root, !model.hasPrefix("/"), !model.split(separator: "/").contains(".."),
           FileManager.default.fileExists(atPath: "\(root)/\(model)/config.json") {
            return "\(root)/\(model)"
        }
        try context.refuseHostPath(model, key: "model")
        return try LoadedModel.resolve(model, downloader: HubDownloader())
    }

    /// sha256 of the weights file (or of the shard index), naming the exact model.
    func digest(ofModelIn folder: String) throws -> String {
        for name in ["model.safetensors", "model.safetensors.index.json"] {
            if let data = FileManager.default.contents(atPath: "\(folder)/\(name)") { return ObjectID.of(Array(data)).hex }
        }
        throw RunError.failed(job: job.name, detail: "the model in \(folder) has no weights file")
    }
}
