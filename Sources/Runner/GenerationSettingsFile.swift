import Foundation
import TextGeneration

/// The settings file a repository keeps for its text-generation step (JSON), so a push that
/// edits it reruns the workflow:
///
///     {"prompt": "Hello, I'm a language model,", "seed": 42, "max_length": 30,
///      "num_return_sequences": 5, "model": "models/default", "top_k": 50}
///
/// Keys: prompt (required), seed, max_length, max_new_tokens, num_return_sequences, model,
/// temperature, top_k, top_p, repetition_penalty, do_sample. Inline `with:` values override.
struct GenerationSettingsFile {
    var prompt: String
    var model: String?
    var settings: GenerationSettings

    static let keys: Set<String> = ["prompt", "seed", "max_length", "max_new_tokens", "num_return_sequences", "model", "temperature",
                                    "top_k", "top_p", "repetition_penalty", "do_sample"]

    /// Reads `values` (the file's object, then the inline overrides) into settings.
    init(values: [String: Any], source: String) throws {
        func fail(_ detail: String) -> RunError { .badSettings(file: source, detail: detail) }
        if let unknown = values.keys.sorted().first(where: { !Self.keys.contains($0) }) {
            throw fail("unknown key \(unknown); the keys are \(Self.keys.sorted().joined(separator: ", "))")
        }
        func number(_ key: String) throws -> Double? {
            guard let value = values[key] else { return nil }
            if let number = value as? NSNumber { return number.doubleValue }
            if let text = value as? String, let number = Double(text) { return number }
            throw fail("\(key) must be a number")
        }
        func integer(_ key: String) throws -> Int? {
            guard let value = try number(key) else { return nil }
            guard value == value.rounded() else { throw fail("\(key) must be a whole number") }
            return Int(value)
        }
        guard let prompt = values["prompt"] as? String else { throw fail("it needs a prompt (a string)") }
        self.prompt = prompt
        model = values["model"] as? String
        var settings = GenerationSettings()
        settings.maxLength = try integer("max_length")
        settings.maxNewTokens = try integer("max_new_tokens")
        if settings.maxLength == nil && settings.maxNewTokens == nil { settings.maxNewTokens = 50 }
        settings.numReturnSequences = try integer("num_return_sequences") ?? 1
        if let seed = try integer("seed") {
            guard seed >= 0 else { throw fail("seed must be 0 or more") }
            settings.seed = UInt64(seed)
        }
        settings.temperature = Float(try number("temperature") ?? 1)
        settings.topK = try integer("top_k") ?? 50
        settings.topP = Float(try number("top_p") ?? 1)
        settings.repetitionPenalty = Float(try number("repetition_penalty") ?? 1)
        if let sample = values["do_sample"] {
            guard let flag = sample as? Bool ?? (sample as? String).flatMap({ ["true": true, "false": false][$0] }) else {
                throw fail("do_sample must be true or false")
            }
            settings.doSample = flag
        }
        do { try settings.validate() } catch { throw fail("\(error)") }
        self.settings = settings
    }
}
