import Foundation
import TextGeneration

/// `POST /v1/completions`, as OpenAI defines it (the legacy completions API that llama.cpp's
/// server, vLLM and text-generation-inference speak), read field by field so that every
/// error names its parameter.
///
/// Defaults are OpenAI's: `max_tokens` 16, `temperature` 1 (0 is greedy), `top_p` 1, `n` 1,
/// no `stop`, `echo` false, `stream` false. `top_k` (0: off) and `repetition_penalty` are the
/// extensions llama.cpp and vLLM accept. Without `seed`, each request draws a random one.
struct CompletionsRequest: Equatable {
    enum Prompt: Equatable {
        case texts([String])
        case tokens([[Int]])

        var count: Int {
            switch self {
            case .texts(let texts): return texts.count
            case .tokens(let lists): return lists.count
            }
        }
    }

    var model: String?
    var prompt: Prompt
    var maxTokens: Int? = 16
    var temperature: Double = 1
    var topP: Double = 1
    var topK = 0
    var repetitionPenalty: Double = 1
    var n = 1
    var stop = [String]()
    var seed: UInt64?
    var logprobs: Int?
    var echo = false
    var stream = false
    var includeUsage = false

    static let knownKeys: Set<String> = ["model", "prompt", "max_tokens", "temperature", "top_p", "top_k", "n", "stop", "seed", "logprobs",
                                         "echo", "stream", "stream_options", "repetition_penalty", "presence_penalty", "frequency_penalty",
                                         "user", "suffix", "best_of", "logit_bias"]

    /// - Throws: `APIError` (400) naming the parameter at fault.
    static func parse(_ body: [UInt8]) throws -> CompletionsRequest {
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: Data(body), options: [.fragmentsAllowed]) } catch {
            throw APIError.invalid("body", "the body is not JSON: \(error.localizedDescription)")
        }
        guard let fields = object as? [String: Any] else { throw APIError.invalid("body", "the body must be a JSON object") }
        if let unknown = fields.keys.sorted().first(where: { !knownKeys.contains($0) }) {
            throw APIError.invalid(unknown, "unknown parameter \(unknown)")
        }
        guard let prompt = fields["prompt"] else { throw APIError.invalid("prompt", "prompt is required") }
        var request = CompletionsRequest(prompt: try readPrompt(prompt))
        if let model = fields["model"] {
            guard let name = model as? String else { throw APIError.invalid("model", "model must be a string") }
            request.model = name
        }
        if let value = fields["max_tokens"], !(value is NSNull) {
            request.maxTokens = try integer(value, "max_tokens", in: 1...1_000_000)
        } else if fields["max_tokens"] is NSNull {
            request.maxTokens = nil
        }
        if let value = fields["temperature"] { request.temperature = try number(value, "temperature", in: 0...2) }
        if let value = fields["top_p"] { request.topP = try number(value, "top_p", in: 0...1) }
        if let value = fields["top_k"] { request.topK = try integer(value, "top_k", in: 0...1_000_000) }
        if let value = fields["repetition_penalty"] { request.repetitionPenalty = try number(value, "repetition_penalty", in: 0.01...100) }
        if let value = fields["n"] { request.n = try integer(value, "n", in: 1...128) }
        if let value = fields["best_of"], (try integer(value, "best_of", in: 1...128)) != request.n {
            throw APIError.invalid("best_of", "best_of other than n is not supported")
        }
        for key in ["presence_penalty", "frequency_penalty"] {
            if let value = fields[key], try number(value, key, in: -2...2) != 0 {
                throw APIError.invalid(key, "\(key) is not supported; use repetition_penalty")
            }
        }
        if let value = fields["suffix"], !(value is NSNull) { throw APIError.invalid("suffix", "suffix (insertion) is not supported") }
        if let value = fields["logit_bias"], let bias = value as? [String: Any], !bias.isEmpty {
            throw APIError.invalid("logit_bias", "logit_bias is not supported")
        }
        if let value = fields["stop"], !(value is NSNull) {
            if let one = value as? String {
                request.stop = [one]
            } else if let many = value as? [Any], many.allSatisfy({ $0 is String }), many.count <= 4 {
                request.stop = many.map { $0 as! String }
            } else {
                throw APIError.invalid("stop", "stop must be a string or a list of at most 4 strings")
            }
            if request.stop.contains("") { throw APIError.invalid("stop", "stop strings may not be empty") }
        }
        if let value = fields["seed"], !(value is NSNull) {
            let seed = try integer(value, "seed", in: Int.min...Int.max)
            request.seed = UInt64(bitPattern: Int64(seed))
        }
        if let value = fields["logprobs"], !(value is NSNull) { request.logprobs = try integer(value, "logprobs", in: 0...5) }
        if let value = fields["echo"] { request.echo = try boolean(value, "echo") }
        if let value = fields["stream"] { request.stream = try boolean(value, "stream") }
        if let value = fields["stream_options"], !(value is NSNull) {
            guard let options = value as? [String: Any] else { throw APIError.invalid("stream_options", "stream_options must be an object") }
            if let include = options["include_usage"] { request.includeUsage = try boolean(include, "stream_options.include_usage") }
        }
        if request.echo && request.logprobs != nil {
            throw APIError.invalid("echo", "echo with logprobs (the prompt's own log-probabilities) is not supported")
        }
        return request
    }

    static func readPrompt(_ value: Any) throws -> Prompt {
        if let text = value as? String { return .texts([text]) }
        guard let list = value as? [Any], !list.isEmpty else { throw APIError.invalid("prompt", "prompt must be a string, a list of strings or token ids") }
        if list.allSatisfy({ $0 is String }) { return .texts(list.map { $0 as! String }) }
        if list.allSatisfy(isInteger) { return .tokens([list.map { ($0 as! NSNumber).intValue }]) }
        if list.allSatisfy({ ($0 as? [Any]).map { !$0.isEmpty && $0.allSatisfy(isInteger) } ?? false }) {
            return .tokens(list.map { ($0 as! [Any]).map { ($0 as! NSNumber).intValue } })
        }
        throw APIError.invalid("prompt", "prompt must be a string, a list of strings, a list of token ids, or a list of such lists")
    }

    /// JSONSerialization gives true and false as NSNumbers of type "c" (and Swift's `is Bool`
    /// is true for any NSNumber 0 or 1, so it cannot tell).
    private static func isBoolean(_ value: Any) -> Bool {
        (value as? NSNumber).map { String(cString: $0.objCType) == "c" } ?? false
    }

    private static func isInteger(_ value: Any) -> Bool {
        guard let number = value as? NSNumber, !isBoolean(value), number.doubleValue.rounded() == number.doubleValue else { return false }
        return abs(number.doubleValue) < 1e15
    }

    private static func integer(_ value: Any, _ name: String, in range: ClosedRange<Int>) throws -> Int {
        guard !isBoolean(value), let number = value as? NSNumber, number.doubleValue.rounded() == number.doubleValue,
              abs(number.doubleValue) < 9.2e18, range.contains(number.intValue) else {
            throw APIError.invalid(name, "\(name) must be an integer from \(range.lowerBound) to \(range.upperBound)")
        }
        return number.intValue
    }

    private static func number(_ value: Any, _ name: String, in range: ClosedRange<Double>) throws -> Double {
        guard !isBoolean(value), let number = value as? NSNumber, number.doubleValue.isFinite, range.contains(number.doubleValue) else {
            throw APIError.invalid(name, "\(name) must be a number from \(range.lowerBound) to \(range.upperBound)")
        }
        return number.doubleValue
    }

    private static func boolean(_ value: Any, _ name: String) throws -> Bool {
        guard isBoolean(value), let number = value as? NSNumber else {
            throw APIError.invalid(name, "\(name) must be true or false")
        }
        return number.boolValue
    }

    /// The engine's settings for one prompt: temperature 0 is greedy decoding (one sequence,
    /// repeated `n` times by the caller).
    func settings(seed: UInt64) -> GenerationSettings {
        var settings = GenerationSettings()
        settings.maxNewTokens = maxTokens
        settings.doSample = temperature > 0
        settings.temperature = Float(max(temperature, 1e-6))
        settings.topP = Float(topP)
        settings.topK = topK
        settings.repetitionPenalty = Float(repetitionPenalty)
        settings.numReturnSequences = settings.doSample ? n : 1
        settings.stopStrings = stop
        settings.seed = seed
        return settings
    }
}
