/// How to continue a prompt, with the meaning `transformers`' `generate` gives each knob.
public struct GenerationSettings: Sendable, Equatable, Codable {
    /// Total length including the prompt (`max_length`); ignored when `maxNewTokens` is set.
    public var maxLength: Int?
    /// Tokens to add after the prompt (`max_new_tokens`).
    public var maxNewTokens: Int?
    public var numReturnSequences = 1
    /// false: greedy (or beam search with `numBeams` > 1).
    public var doSample = true
    public var temperature: Float = 1
    /// 0 turns top-k off.
    public var topK = 50
    /// 1 turns top-p off.
    public var topP: Float = 1
    /// 1 turns the penalty off.
    public var repetitionPenalty: Float = 1
    /// 0 turns it off.
    public var noRepeatNgramSize = 0
    public var numBeams = 1
    public var lengthPenalty: Float = 1
    public var earlyStopping: EarlyStopping = .heuristic
    public var seed: UInt64 = 42
    /// Generation stops when the decoded continuation contains one of these.
    public var stopStrings: [String] = []
    /// Stop at the end-of-text token (when the model has one).
    public var stopAtEndOfText = true
    /// Overrides the model's end-of-text token (`eos_token_id`).
    public var endOfTextID: Int?

    /// `early_stopping`: true, false (heuristic), or "never".
    public enum EarlyStopping: String, Sendable, Codable { case always, heuristic, never }

    public init() {}

    /// What `generate` warns about and ignores: sampling-only settings under greedy decoding
    /// (`GenerationConfig.validate`, "this flag is only used in sample-based generation modes").
    public var warnings: [String] {
        guard !doSample else { return [] }
        var ignored = [String]()
        if temperature != 1 { ignored.append("temperature \(temperature)") }
        if topP != 1 { ignored.append("top_p \(topP)") }
        if topK != 50 { ignored.append("top_k \(topK)") }
        return ignored.isEmpty ? [] : ["sampling is off, so \(ignored.joined(separator: ", ")) \(ignored.count == 1 ? "is" : "are") ignored (as transformers' generate ignores them); turn sampling on to use \(ignored.count == 1 ? "it" : "them")"]
    }

    /// Greedy decoding, as `do_sample=False`.
    public static var greedy: GenerationSettings {
        var settings = GenerationSettings()
        settings.doSample = false
        return settings
    }

    /// How many tokens to add after a prompt of `promptLength`, or an error that says why not.
    /// A `max_length` at or below the prompt's length is refused as transformers'
    /// `_validate_generated_length` refuses it (ValueError "Input length of input_ids is N, but
    /// `max_length` is set to M"), rather than generating nothing.
    public func newTokenBudget(promptLength: Int, context: Int) throws -> Int {
        guard promptLength > 0 else { throw GenerationError.invalidSetting("the prompt is empty; give some text or token ids") }
        guard promptLength <= context else {
            throw GenerationError.invalidSetting("the prompt is \(promptLength) tokens but the model's context is \(context)")
        }
        let budget: Int
        if let maxNewTokens { budget = maxNewTokens } else {
            let maxLength = self.maxLength ?? 20
            guard promptLength < maxLength else {
                throw GenerationError.invalidSetting("the prompt is \(promptLength) tokens, but max_length is \(maxLength), which counts the prompt: "
                                                     + "raise max_length above \(promptLength), or better, set max_new_tokens")
            }
            budget = maxLength - promptLength
        }
        return max(0, min(budget, context - promptLength))
    }

    /// Rejects settings `generate` would reject, with its verdicts: `GenerationConfig.validate`
    /// (`max_new_tokens` > 0; `num_return_sequences` > 1 needs sampling or beams, and at most
    /// `num_beams`), and the warpers' own checks where they run (temperature > 0, top-k ≥ 0,
    /// top-p in [0, 1] when sampling; repetition penalty > 0 always). Sampling-only settings
    /// under greedy decoding are not errors there but warnings, and ignored (`warnings`).
    public func validate() throws {
        func fail(_ message: String) -> GenerationError { .invalidSetting(message) }
        if let maxLength, maxLength < 1 { throw fail("max length must be at least 1, not \(maxLength)") }
        if let maxNewTokens, maxNewTokens < 1 { throw fail("max_new_tokens must be greater than 0, not \(maxNewTokens)") }
        if numReturnSequences < 1 { throw fail("the number of sequences must be at least 1") }
        if doSample {
            if !(temperature > 0) { throw fail("temperature must be above 0, not \(temperature); for greedy decoding turn sampling off") }
            if topK < 0 { throw fail("top-k must be 0 (off) or more, not \(topK)") }
            if !(topP >= 0 && topP <= 1) { throw fail("top-p must be in [0, 1], not \(topP)") }
        }
        if !(repetitionPenalty > 0) { throw fail("the repetition penalty must be above 0, not \(repetitionPenalty)") }
        if noRepeatNgramSize < 0 { throw fail("no_repeat_ngram_size must be 0 (off) or more") }
        if numBeams < 1 { throw fail("the number of beams must be at least 1") }
        if numBeams > 1 && doSample { throw fail("beam search is deterministic here; turn sampling off (greedy) to use beams") }
        if numBeams > 1 && numReturnSequences > numBeams {
            throw fail("num_return_sequences (\(numReturnSequences)) cannot exceed num_beams (\(numBeams))")
        }
        if numBeams == 1 && !doSample && numReturnSequences > 1 {
            throw fail("greedy decoding gives one sequence; sample, or use beams, for more")
        }
    }
}

public enum GenerationError: Error, Equatable, CustomStringConvertible {
    case invalidSetting(String)
    case invalidToken(Int, vocabulary: Int)

    public var description: String {
        switch self {
        case .invalidSetting(let message): return message
        case .invalidToken(let id, let vocabulary): return "token id \(id) is outside the vocabulary (0..<\(vocabulary))"
        }
    }
}
