import Datasets
import Foundation
import TextGeneration
import Workflows

/// `text-generation@v1`, in-process: the prompt, model and parameters from the repository's
/// settings (`TextGenerationConfig`: a JSON or YAML file, or the repository's own pipeline
/// script) with inline `with:` values on top, then `outputs.txt` (the sequences, in the
/// layout the Gradient tutorial's script writes) and `outputs.json` (texts, token ids, the
/// settings used and where each came from, the model's digest) in the job's dataset output.
struct TextGenerationStep: Step {
    let settings: TextGenerationSettings

    func run(_ context: StepContext) throws -> StepResult {
        let job = context.job
        guard let output = job.outputs.first(where: { if case .dataset = $0.value { return true } else { return false } })?.key else {
            throw RunError.unsupported(job: job.name, detail: "text-generation@v1 needs a dataset output for outputs.txt")
        }
        let config = try TextGenerationConfig.read(settings, with: context)
        let generation = try config.parameters.settings(defaults: config.defaults)
        for warning in generation.warnings { context.log.line("warning: " + warning) }
        let (modelFolder, modelSource) = try resolveModel(config, context: context)
        // Loaded and hashed once per process (a daemon runs many jobs on one model).
        let registered = try ModelRegistry.shared.load(folder: modelFolder)
        let loaded = registered.model
        let prompt = try loaded.requireTokenizer().encode(config.prompt)
        context.log.line("model \(modelSource ?? loaded.folder), prompt \(prompt.count) tokens, \(generation.numReturnSequences) sequences, seed \(generation.seed)"
                         + (config.defaults == .textGenerationPipeline ? ", the text-generation pipeline's defaults (transformers 5)" : ""))
        let start = Date()
        let sequences: [GeneratedSequence]
        do { sequences = try loaded.generator.generate(promptIDs: prompt, settings: generation) } catch {
            throw RunError.failed(job: job.name, detail: "\(error)")
        }
        let seconds = Date().timeIntervalSince(start)
        let folder = context.outputs[output]!
        try Data(TextGenerationStep.outputsText(sequences.map { $0.text ?? "" }).utf8).write(to: URL(fileURLWithPath: "\(folder)/outputs.txt"), options: .atomic)
        let modelDigest = registered.digest
        let used = try JSONSerialization.jsonObject(with: JSONEncoder().encode(config.parameters.filled(defaults: config.defaults))) as? [String: Any] ?? [:]
        var sources = config.origins
        for key in used.keys where sources[key] == nil {
            sources[key] = config.defaults == .textGenerationPipeline ? "default of the text-generation pipeline (transformers 5)" : "default of generate"
        }
        let json: [String: Any] = [
            "prompt": config.prompt,
            "sequences": sequences.map { ["text": $0.text ?? "", "prompt_ids": $0.promptIDs, "generated_ids": $0.generatedIDs,
                                          "finish_reason": $0.finishReason.rawValue] },
            "settings": used,
            "sources": sources,
            "defaults": config.defaults.rawValue,
            "model": ["sha256": modelDigest, "name": config.model ?? "default"],
        ]
        // No timings here: they vary run to run, and equal settings and seed must give an
        // equal tree id. The log shows them.
        context.log.line("generated in \(String(format: "%.2f", seconds)) s")
        try JSONSerialization.data(withJSONObject: json, options: [.prettyPrinted, .sortedKeys])
            .write(to: URL(fileURLWithPath: "\(folder)/outputs.json"), options: .atomic)
        var result = StepResult(settingsDigest: config.digest, modelDigest: modelDigest)
        result.modelSource = modelSource
        return result
    }

    /// The Gradient tutorial's `output.txt` layout: for output i of n, `---`, `Output i of n`,
    /// `---`, a blank line, the text; a blank line between outputs.
    static func outputsText(_ texts: [String]) -> String {
        texts.enumerated().map { index, text in
            "---\nOutput \(index + 1) of \(texts.count)\n---\n\n\(text)\n" + (index + 1 < texts.count ? "\n" : "")
        }.joined()
    }

    /// The model folder, and for a hub id where it came from: a folder inside the settings'
    /// input, a job input holding a model (`INPUT` or `INPUT/PATH`, such as a train@v1
    /// output), a `--model ID=PATH` mapping, a folder, a hub id in the Hugging Face cache
    /// (downloaded when missing), else the default model.
    func resolveModel(_ config: TextGenerationConfig, context: StepContext) throws -> (String, String?) {
        let job = context.job
        guard let model = config.model else {
            guard let defaultModel = context.defaultModel else { throw RunError.badSettings(file: "settings", detail: "no model named and no default model") }
            return (defaultModel, nil)
        }
        let origin = config.origins["model"].map { " (named in \($0))" } ?? ""
        if let mapped = context.options.models[model] {
            guard FileManager.default.fileExists(atPath: "\(mapped)/config.json") else {
                throw RunError.missingInput(job: job.name, input: "model", detail: "--model \(model)=\(mapped): that folder holds no model (no config.json)")
            }
            return (mapped, "\(model) = \(mapped) (--model)")
        }
        if let first = model.split(separator: "/").first, context.inputs[String(first)] != nil {
            let folder = try context.inputPath(model, key: "model")
            guard FileManager.default.fileExists(atPath: "\(folder)/config.json") else {
                throw RunError.missingInput(job: job.name, input: "model", detail: "\(model) holds no model (no config.json)")
            }
            return (folder, nil)
        }
        if let root = config.root, !model.hasPrefix("/"), !model.split(separator: "/").contains(".."),
           FileManager.default.fileExists(atPath: "\(root)/\(model)/config.json") {
            return ("\(root)/\(model)", nil)
        }
        try context.refuseHostPath(model, key: "model")
        let downloader = HubDownloader()
        do {
            let folder = try LoadedModel.resolve(model, downloader: downloader)
            return (folder, folder.hasPrefix(downloader.cache.root) ? "\(model) = \(folder) (Hugging Face cache)" : nil)
        } catch {
            throw RunError.missingInput(job: job.name, input: "model", detail: "model \(model)\(origin) cannot be loaded: \(error). "
                + "Put it in the Hugging Face cache (\(downloader.cache.root)), or map the id to a local model folder: "
                + "wf run --model \(model)=PATH (wf link --model \(model)=PATH for a linked repository). wf never substitutes another model")
        }
    }
}
