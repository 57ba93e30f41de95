import Datasets
import Foundation
import TextGeneration
import Workflows

/// What a `text-generation@v1` job generates: the prompt, the model and the generation
/// parameters, read from the repository's settings, with where each value came from.
///
/// Settings files (`with: settings: INPUT/PATH`):
/// - JSON or YAML: an object of `prompt`, `model` and generation parameters in transformers'
///   names (`max_length`, `seed`, …); `generate`'s defaults fill the rest.
/// - A Python script that builds `pipeline('text-generation', model=...)`, as the Gradient
///   tutorial's `nlp_text_generation.py` does: read by parsing, never by running
///   (`PythonSource.TextGenerationScript`); the text-generation pipeline's defaults of
///   transformers 5 fill the rest.
///
/// Every source is decoded by one schema (`TextGenerationSettings`, the one `with:` uses),
/// and inline `with:` values win over the file.
public struct TextGenerationConfig {
    var prompt: String
    var model: String?
    var parameters: GenerationParameters
    var defaults: GenerationParameters.Defaults
    /// Setting name → where its value came from (`nlp_text_generation.py:6`, `with:`).
    var origins: [String: String]
    /// sha256 of the settings file, for provenance.
    var digest: String?
    /// The folder relative model paths are read from (the settings file's input).
    var root: String?

    /// The keys a settings file may hold: `with:`'s, but `settings` itself.
    static let fileKeys = Action.textGeneration.allowedKeys.subtracting(["settings"])

    /// Reads the job's settings file (if any) and its inline values.
    ///
    /// - Throws: `RunError.badSettings` naming the file, the line where one is known, the key
    ///   and what to do.
    static func read(_ settings: TextGenerationSettings, with context: StepContext) throws -> TextGenerationConfig {
        guard let path = settings.settings else { return try resolve(file: nil, inline: settings, job: context.job.name) }
        let file = try context.inputPath(path, key: "settings")
        guard let data = FileManager.default.contents(atPath: file) else {
            throw RunError.missingInput(job: context.job.name, input: "settings", detail: "\(path) does not exist in the input")
        }
        var config = try resolve(file: (data, path), inline: settings, job: context.job.name)
        config.root = context.inputs[String(path.split(separator: "/")[0])]
        return config
    }

    /// The one reading of a job's settings, for a run and for `wf validate`: the file's values
    /// (`path` as the job names it), the inline `with:` values on top, checked as `generate`
    /// checks them.
    static func resolve(file: (data: Data, path: String)?, inline settings: TextGenerationSettings, job: String) throws -> TextGenerationConfig {
        var read = SettingsFileReader.Read(values: [:], origins: [:])
        if let file { read = try SettingsFileReader.read(file.data, path: file.path) }
        let source = file?.path ?? "with: of job \(job)"
        let defaults: GenerationParameters.Defaults = read.isPipelineScript ? .textGenerationPipeline : .generate
        var decoded: TextGenerationSettings
        do { decoded = try TextGenerationSettings(from: WithDecoder(values: read.values)) } catch let problem as WithDecoder.Problem {
            throw RunError.badSettings(file: read.origins[problem.key] ?? source, detail: "\(problem.key): \(problem.message)")
        }
        // Inline values win over the file.
        decoded.prompt = settings.prompt ?? decoded.prompt
        decoded.model = settings.model ?? decoded.model
        decoded.parameters = decoded.parameters.overridden(by: settings.parameters)
        var origins = read.origins
        let inline = try JSONSerialization.jsonObject(with: JSONEncoder().encode(settings)) as? [String: Any] ?? [:]
        for key in inline.keys where key != "settings" { origins[key] = "with: of job \(job)" }
        guard let prompt = decoded.prompt else {
            throw RunError.badSettings(file: source, detail: "it needs a prompt (a string)")
        }
        do { _ = try decoded.parameters.settings(defaults: defaults) } catch {
            throw RunError.badSettings(file: source, detail: "\(error)")
        }
        return TextGenerationConfig(prompt: prompt, model: decoded.model, parameters: decoded.parameters, defaults: defaults,
                                    origins: origins, digest: file.map { ObjectID.of(Array($0.data)).hex }, root: nil)
    }
}

extension TextGenerationConfig {
    /// Checks the settings files the text-generation jobs of `spec` name in `checkout` (when
    /// the job's settings input is a checkout of the repository itself), read as a run reads
    /// them (`resolve`), without loading a model: what `wf validate` reports.
    ///
    /// - Returns: one line per problem (`settings file PATH[:LINE]: message`).
    public static func problems(in spec: WorkflowSpec, checkout: String) -> [String] {
        var problems = [String]()
        for job in spec.jobs where job.action == .textGeneration {
            guard case .textGeneration(let inline)? = try? StepSettings.decode(job, file: spec.file), let path = inline.settings,
                  let input = path.split(separator: "/", maxSplits: 1).first.map(String.init), path.contains("/"),
                  case .output(let source, _)? = job.inputs[input], let checkoutJob = spec.job(named: source), checkoutJob.action == .gitCheckout,
                  checkoutJob.with["url"] == nil || checkoutJob.with["url"] == .context("event.github.url") else { continue }
            let relative = String(path.dropFirst(input.count + 1))
            guard !relative.split(separator: "/").contains(".."), let data = FileManager.default.contents(atPath: "\(checkout)/\(relative)") else {
                problems.append("job \(job.name), settings: \(path) is not in the repository (\(checkout)/\(relative))")
                continue
            }
            do { _ = try resolve(file: (data, path), inline: inline, job: job.name) } catch { problems.append("\(error)") }
        }
        return problems
    }
}

/// Reads a settings file into `with:`-style values, by its name: `.py` (a text-generation
/// pipeline script), `.yaml`/`.yml`, else JSON.
enum SettingsFileReader {
    struct Read {
        var values: [String: Value]
        var origins: [String: String]
        var isPipelineScript = false
    }

    static func read(_ data: Data, path: String) throws -> Read {
        func fail(_ detail: String) -> RunError { .badSettings(file: path, detail: detail) }
        guard let source = String(data: data, encoding: .utf8) else { throw fail("it is not UTF-8 text") }
        if path.hasSuffix(".py") { return try pipelineScript(source, path: path) }
        var object = [String: Any]()
        var origins = [String: String]()
        if path.hasSuffix(".yaml") || path.hasSuffix(".yml") {
            do {
                for entry in try FlatYAML.entries(source, file: path) {
                    object[entry.key] = entry.text
                    origins[entry.key] = "\(path):\(entry.line)"
                }
            } catch { throw fail("\(error)") }
        } else {
            guard let parsed = try? JSONDecoder().decode([String: JSONScalar].self, from: data) else {
                throw fail("it is not a JSON object of single values (texts, numbers, true or false)")
            }
            object = parsed.mapValues(\.text)
        }
        if let unknown = object.keys.sorted().first(where: { !TextGenerationConfig.fileKeys.contains($0) }) {
            throw fail("unknown key \(unknown); the keys are \(TextGenerationConfig.fileKeys.sorted().joined(separator: ", "))")
        }
        var values = [String: Value]()
        for (key, value) in object { values[key] = .literal("\(value)") }
        for key in object.keys where origins[key] == nil { origins[key] = path }
        return Read(values: values, origins: origins)
    }

    /// One JSON value, as the text a YAML file would hold (`true`, `50`, `0.7`, `ROMEO:`).
    enum JSONScalar: Decodable {
        case text(String)

        init(from decoder: Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let flag = try? container.decode(Bool.self) {
                self = .text(flag ? "true" : "false")
            } else if let number = try? container.decode(Int64.self) {
                self = .text("\(number)")
            } else if let number = try? container.decode(Double.self) {
                self = .text("\(number)")
            } else {
                self = .text(try container.decode(String.self))
            }
        }

        var text: String { if case .text(let text) = self { return text } else { return "" } }
    }
}
