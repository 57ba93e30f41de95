/// The generation knobs as a user writes them, in `transformers`' names, each optional: the one
/// typed schema behind `wf generate`'s options, a settings file (JSON, YAML, TOML), a Python
/// pipeline script and `text-generation@v1`'s `with:`. `settings(defaults:)` fills what the
/// user left out from the defaults of the API the user was speaking to, so a number means
/// what it meant there.
public struct GenerationParameters: Sendable, Equatable, Codable {
    public var maxLength: Int?
    public var maxNewTokens: Int?
    public var numReturnSequences: Int?
    public var doSample: Bool?
    public var temperature: Double?
    public var topK: Int?
    public var topP: Double?
    public var repetitionPenalty: Double?
    public var noRepeatNgramSize: Int?
    public var numBeams: Int?
    public var seed: UInt64?

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case maxLength = "max_length"
        case maxNewTokens = "max_new_tokens"
        case numReturnSequences = "num_return_sequences"
        case doSample = "do_sample"
        case temperature
        case topK = "top_k"
        case topP = "top_p"
        case repetitionPenalty = "repetition_penalty"
        case noRepeatNgramSize = "no_repeat_ngram_size"
        case numBeams = "num_beams"
        case seed
    }

    public init() {}

    /// Whose defaults apply to what a user leaves out.
    public enum Defaults: String, Sendable, Codable {
        /// `wf generate` and settings files: `generate()`'s knobs (temperature 1, top-k 50),
        /// sampling on, 50 new tokens when neither limit is given.
        case generate
        /// A `pipeline('text-generation')` script, as transformers 5 runs it: sampling on,
        /// temperature 0.7, top-k 50, and 256 new tokens unless the caller gives `max_length`
        /// or `max_new_tokens` (the pipeline's `max_new_tokens` default yields to `max_length`).
        /// transformers 4.x sampled at temperature 1; wf follows 5.x.
        case textGenerationPipeline = "text-generation-pipeline"
    }

    /// Values on top of `self` win (inline `with:` over a settings file).
    public func overridden(by other: GenerationParameters) -> GenerationParameters {
        var result = self
        result.maxLength = other.maxLength ?? maxLength
        result.maxNewTokens = other.maxNewTokens ?? maxNewTokens
        result.numReturnSequences = other.numReturnSequences ?? numReturnSequences
        result.doSample = other.doSample ?? doSample
        result.temperature = other.temperature ?? temperature
        result.topK = other.topK ?? topK
        result.topP = other.topP ?? topP
        result.repetitionPenalty = other.repetitionPenalty ?? repetitionPenalty
        result.noRepeatNgramSize = other.noRepeatNgramSize ?? noRepeatNgramSize
        result.numBeams = other.numBeams ?? numBeams
        result.seed = other.seed ?? seed
        return result
    }

    /// Every parameter set: what the user gave, the rest from `defaults` (what a run
    /// records as the settings it used).
    public func filled(defaults: Defaults) -> GenerationParameters {
        var filled = self
        if maxLength == nil && maxNewTokens == nil { filled.maxNewTokens = defaults == .textGenerationPipeline ? 256 : 50 }
        filled.numReturnSequences = numReturnSequences ?? 1
        filled.numBeams = numBeams ?? 1
        filled.doSample = doSample ?? (filled.numBeams == 1)
        filled.temperature = temperature ?? (defaults == .textGenerationPipeline ? 0.7 : 1)
        filled.topK = topK ?? 50
        filled.topP = topP ?? 1
        filled.repetitionPenalty = repetitionPenalty ?? 1
        filled.noRepeatNgramSize = noRepeatNgramSize ?? 0
        filled.seed = seed ?? GenerationSettings().seed
        return filled
    }

    /// The engine's settings: what the user gave, the rest from `defaults`, checked as
    /// `generate` checks them (`GenerationSettings.validate`).
    ///
    /// - Throws: `GenerationError.invalidSetting` naming the setting.
    public func settings(defaults: Defaults) throws -> GenerationSettings {
        let filled = filled(defaults: defaults)
        var settings = GenerationSettings()
        settings.maxLength = filled.maxLength
        settings.maxNewTokens = filled.maxNewTokens
        settings.numReturnSequences = filled.numReturnSequences!
        settings.numBeams = filled.numBeams!
        settings.doSample = filled.doSample!
        settings.temperature = Float(filled.temperature!)
        settings.topK = filled.topK!
        settings.topP = Float(filled.topP!)
        settings.repetitionPenalty = Float(filled.repetitionPenalty!)
        settings.noRepeatNgramSize = filled.noRepeatNgramSize!
        settings.seed = filled.seed!
        try settings.validate()
        return settings
    }
}
