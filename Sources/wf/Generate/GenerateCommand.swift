import ArgumentParser
import Datasets
import Foundation
import TextGeneration

struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Continue a prompt with a GPT-2 model, natively on OpenBLAS.",
        discussion: """
            Sampling follows transformers' generate: repetition penalty, then temperature, then top-k, then top-p, then a draw from wf's own seeded generator (the same seed gives the same text on every run). Without --greedy or any sampling option, wf samples with top-k 50 like the text-generation pipeline. The first sequence streams to the terminal as it is produced.

            Examples:
              wf generate --model ./my-gpt2 --prompt "Hello, I'm a language model," --max-length 30 --num-return-sequences 5 --seed 42
              wf generate --model gpt2 --prompt-ids 15496,11,314 --greedy --max-new-tokens 20 --json
            """
    )

    @Option(help: "A model folder (config.json, model.safetensors, tokenizer files) or a hub id such as gpt2 or ORG/NAME@REVISION, downloaded into the Hugging Face cache if missing there (HF_ENDPOINT, HF_TOKEN, HF_HUB_OFFLINE as in huggingface_hub). Default: the project's small Shakespeare model (models/default).")
    var model: String?

    @Option(help: "The prompt text.")
    var prompt: String?

    @Option(name: .customLong("prompt-ids"), help: ArgumentHelp("The prompt as token ids, e.g. 15496,11,314.", valueName: "ids"))
    var promptIDs: String?

    @Option(name: .customLong("max-length"), parsing: .unconditional, help: "Total length in tokens, prompt included (transformers' max_length).")
    var maxLength: Int?

    @Option(name: .customLong("max-new-tokens"), parsing: .unconditional, help: "Tokens to add after the prompt (default 50 when neither limit is given).")
    var maxNewTokens: Int?

    @Option(name: .customLong("num-return-sequences"), parsing: .unconditional, help: "Sequences to generate, decoded as one batch (default 1).")
    var numReturnSequences: Int?

    @Option(parsing: .unconditional, help: "Seed of the sampler (default 42).")
    var seed: UInt64?

    @Option(parsing: .unconditional, help: "Divide the logits by this before sampling (default 1).")
    var temperature: Double?

    @Option(name: .customLong("top-k"), parsing: .unconditional, help: "Sample among the k most likely tokens (ties kept); 0 turns it off (default 50).")
    var topK: Int?

    @Option(name: .customLong("top-p"), parsing: .unconditional, help: "Sample among the smallest set of tokens whose probability reaches p, in (0, 1] (default 1: off).")
    var topP: Double?

    @Option(name: .customLong("repetition-penalty"), parsing: .unconditional, help: "Penalise tokens already present (1 is off; 1.2 is common).")
    var repetitionPenalty: Double?

    @Option(name: .customLong("no-repeat-ngram-size"), parsing: .unconditional, help: "Never repeat an n-gram of this size (0 is off).")
    var noRepeatNgramSize: Int?

    @Flag(help: "Greedy decoding: always the most likely token.")
    var greedy = false

    @Option(name: .customLong("num-beams"), parsing: .unconditional, help: "Beam search with this many beams (implies greedy; 1 is off).")
    var numBeams: Int?

    @Option(name: .customLong("length-penalty"), parsing: .unconditional, help: "Beam search: divide scores by (new tokens)^this; above 1 favours longer text.")
    var lengthPenalty: Float = 1

    @Option(name: .customLong("early-stopping"), help: "Beam search: true (stop at num_beams finished), false (heuristic) or never.")
    var earlyStopping: String = "false"

    @Option(name: .customLong("stop"), help: "Stop a sequence when its text contains this string (repeatable).")
    var stopStrings: [String] = []

    @Option(help: ArgumentHelp("Weights in memory: auto (as stored; BF16 widened to F32), f32, or f16 (half the bytes read per token, slightly different numbers).", valueName: "dtype"))
    var dtype: String = "auto"

    @Option(parsing: .unconditional, help: "Compute threads (default: every core).")
    var threads = ProcessInfo.processInfo.activeProcessorCount

    @Flag(help: "Print JSON with each sequence's text and token ids (prompt and generated), the settings and timings.")
    var json = false

    func validate() throws {
        if (prompt == nil) == (promptIDs == nil) { throw ValidationError("give exactly one of --prompt and --prompt-ids") }
        if maxLength != nil && maxNewTokens != nil { throw ValidationError("give --max-length or --max-new-tokens, not both") }
        if threads < 1 { throw ValidationError("--threads must be at least 1") }
        if GPT2Weights.Precision(rawValue: dtype) == nil { throw ValidationError("--dtype is auto, f32 or f16") }
        if !["true", "false", "never"].contains(earlyStopping) { throw ValidationError("--early-stopping is true, false or never") }
    }

    /// The options in the schema settings files and workflows share (`GenerationParameters`).
    var parameters: GenerationParameters {
        var parameters = GenerationParameters()
        parameters.maxLength = maxLength
        parameters.maxNewTokens = maxNewTokens
        parameters.numReturnSequences = numReturnSequences
        if greedy || (numBeams ?? 1) > 1 { parameters.doSample = false }
        parameters.numBeams = numBeams
        parameters.temperature = temperature
        parameters.topK = topK
        parameters.topP = topP
        parameters.repetitionPenalty = repetitionPenalty
        parameters.noRepeatNgramSize = noRepeatNgramSize
        parameters.seed = seed
        return parameters
    }

    func makeSettings() throws -> GenerationSettings {
        var settings = try parameters.settings(defaults: .generate)
        settings.lengthPenalty = lengthPenalty
        settings.earlyStopping = earlyStopping == "true" ? .always : earlyStopping == "never" ? .never : .heuristic
        settings.stopStrings = stopStrings
        return settings
    }

    struct Output: Encodable {
        var model: String
        var settings: GenerationSettings
        var sequences: [GeneratedSequence]
        var loadSeconds: Double
        var generateSeconds: Double
    }

    func run() throws {
        // Compute threads are a setting of this call, not of the process (see ComputePool).
        try ComputePool.withThreads(threads) { try generate() }
    }

    private func generate() throws {
        let settings = try makeSettings()
        for warning in settings.warnings { Console.error("warning: " + warning) }
        let loaded = try DownloadProgress.showing { try LoadedModel.load(try model ?? DefaultModel.required(), downloader: HubDownloader(), progress: $0, precision: GPT2Weights.Precision(rawValue: dtype)!) }
        // A model folder without tokenizer files still turns ids into ids, as generate does;
        // text (a --prompt, or text printed) needs the tokenizer, and only then is it missing.
        let ids: [Int]
        if let promptIDs { ids = try TokenIDs.parse(promptIDs) } else { ids = try loaded.requireTokenizer().encode(prompt!) }
        // Refused before anything prints: a request the machine's memory cannot hold.
        let positions = ids.count + ((try? settings.newTokenBudget(promptLength: ids.count, context: loaded.model.config.positions)) ?? 0)
        try Generator.checkMemory(sequences: max(settings.numReturnSequences, settings.numBeams), positions: positions, config: loaded.model.config)
        let streaming = !json
        let tokenizer = streaming ? try loaded.requireTokenizer() : loaded.tokenizer
        var decoder = tokenizer.map { StreamingDecoder(tokenizer: $0) }
        if streaming, let tokenizer { Console.write(tokenizer.decode(ids)) }
        let start = Date()
        let sequences = try loaded.generator.generate(promptIDs: ids, settings: settings) { sequence, id in
            if streaming && sequence == 0, let text = decoder?.append(id) { Console.write(text) }
        }
        let seconds = Date().timeIntervalSince(start)
        if json {
            return try JSONOutput.print(Output(model: loaded.folder, settings: settings, sequences: sequences,
                                               loadSeconds: loaded.loadSeconds, generateSeconds: seconds))
        }
        Console.write((decoder?.finish() ?? "") + "\n")
        for sequence in sequences.dropFirst() { Console.write("---\n" + (sequence.text ?? "") + "\n") }
    }
}

/// Unbuffered writes to standard output, so streamed text appears as it is produced.
/// The line `downloading FILE 12.3 MB / 548.1 MB (2%)` on standard error while a hub model
/// downloads, when standard error is a terminal; nothing otherwise.
enum DownloadProgress {
    static func showing<T>(_ body: (HubDownloader.Progress?) throws -> T) rethrows -> T {
        guard isatty(STDERR_FILENO) == 1 else { return try body(nil) }
        defer { Progress.clear() }
        return try body { file, received, total in
            var line = "downloading \(file) \(Format.bytes(received))"
            if let total, total > 0 { line += " / \(Format.bytes(total)) (\(received * 100 / total)%)" }
            Progress.line(line)
        }
    }
}

/// Token ids typed by users: `15496,11,314` or `15496 11 314`.
enum TokenIDs {
    static func parse(_ text: String) throws -> [Int] {
        let parts = text.split(whereSeparator: { $0 == "," || $0 == " " || $0 == "\n" || $0 == "\t" })
        guard !parts.isEmpty else { throw ValidationError("no token ids in \(text.debugDescription)") }
        return try parts.map { part in
            guard let id = Int(part), id >= 0 else { throw ValidationError("\(String(part).debugDescription) is not a token id") }
            return id
        }
    }
}
