import Foundation

/// Continues prompts with a model, with `transformers`' `generate` semantics: greedy or
/// sampled decoding of `numReturnSequences` sequences as one batch, or beam search.
public final class Generator: @unchecked Sendable {
    public let model: GPT2Model
    /// nil: ids in, ids out; text and stop strings need a tokenizer.
    public let tokenizer: BPETokenizer?

    public init(model: GPT2Model, tokenizer: BPETokenizer?) {
        self.model = model
        self.tokenizer = tokenizer
    }

    public var endOfTextID: Int? { model.config.endOfTextID ?? tokenizer?.endOfTextID }

    /// Continues `promptIDs`. `onToken(sequence, id)` sees every new token of every
    /// sequence as it is chosen (not for beam search, whose beams change until the end).
    public func generate(promptIDs: [Int], settings: GenerationSettings,
                         onToken: ((Int, Int) -> Void)? = nil) throws -> [GeneratedSequence] {
        try settings.validate()
        if tokenizer == nil && !settings.stopStrings.isEmpty {
            throw GenerationError.invalidSetting("stop strings are text, and this model has no tokenizer files to decode with")
        }
        for id in promptIDs where id < 0 || id >= model.config.vocabulary {
            throw GenerationError.invalidToken(id, vocabulary: model.config.vocabulary)
        }
        let budget = try settings.newTokenBudget(promptLength: promptIDs.count, context: model.config.positions)
        try Self.checkMemory(sequences: max(settings.numReturnSequences, settings.numBeams), positions: promptIDs.count + budget, config: model.config)
        if settings.numBeams > 1 {
            return try BeamSearch(generator: self, settings: settings).run(promptIDs: promptIDs, budget: budget)
        }
        let batch = settings.doSample ? settings.numReturnSequences : 1
        let promptCache = model.makeCache(batch: 1, capacity: promptIDs.count + budget)
        let promptLogits = model.forward([promptIDs], cache: promptCache)
        let cache = batch == 1 ? promptCache : promptCache.expanded(to: batch)
        let vocabulary = model.config.vocabulary
        var logits = [Float](repeating: 0, count: batch * vocabulary)
        for s in 0..<batch { for i in 0..<vocabulary { logits[s * vocabulary + i] = promptLogits[i] } }

        var random = SeededRandom(seed: settings.seed)
        var generated = [[Int]](repeating: [], count: batch)
        var finish = [GeneratedSequence.FinishReason?](repeating: nil, count: batch)
        var decoders = tokenizer.map { [StreamingDecoder](repeating: StreamingDecoder(tokenizer: $0), count: batch) } ?? []
        var continuations = [String](repeating: "", count: batch)
        let endOfText = settings.stopAtEndOfText ? settings.endOfTextID ?? endOfTextID : nil

        for _ in 0..<budget {
            var next = [Int](repeating: endOfTextID ?? 0, count: batch)
            for s in 0..<batch where finish[s] == nil {
                let history = promptIDs + generated[s]
                next[s] = logits.withUnsafeMutableBufferPointer { all in
                    let row = UnsafeMutableBufferPointer(rebasing: all[s * vocabulary..<(s + 1) * vocabulary])
                    return choose(from: row, history: history, settings: settings, random: &random)
                }
                generated[s].append(next[s])
                onToken?(s, next[s])
                if !decoders.isEmpty { continuations[s] += decoders[s].append(next[s]) }
                if next[s] == endOfText {
                    finish[s] = .endOfText
                } else if settings.stopStrings.contains(where: { continuations[s].contains($0) }) {
                    finish[s] = .stopString
                }
            }
            if finish.allSatisfy({ $0 != nil }) || generated[0].count == budget { break }
            logits = model.forward(next.map { [$0] }, cache: cache)
        }
        return (0..<batch).map { s in
            GeneratedSequence(promptIDs: promptIDs, generatedIDs: generated[s], text: tokenizer?.decode(promptIDs + generated[s]),
                              continuation: tokenizer?.decode(generated[s]), finishReason: finish[s] ?? .length, score: nil)
        }
    }

    /// Refuses, before allocating, a request whose KV cache and logits would not fit in this
    /// machine's memory (`--num-return-sequences 1000000000` once aborted on a terabyte
    /// allocation). The cache is [sequences, positions, C] keys and values per layer, in F32.
    public static func checkMemory(sequences: Int, positions: Int, config: GPT2Config,
                            available: UInt64 = ProcessInfo.processInfo.physicalMemory) throws {
        let perSequence = Double(config.layers) * 2 * Double(min(positions, config.positions)) * Double(config.embedding) * 4
            + Double(config.vocabulary) * 4 * 2
        let needed = Double(sequences) * perSequence
        guard needed <= Double(available) else {
            func gb(_ bytes: Double) -> String { String(format: "%.1f GB", bytes / 1e9) }
            let fitting = max(1, Int(Double(available) / perSequence))
            throw GenerationError.invalidSetting("\(sequences) sequences of \(positions) positions need \(gb(needed)) of memory for the KV cache and logits, "
                                                 + "more than this machine's \(gb(Double(available))); ask for at most \(fitting) sequences, or fewer tokens")
        }
    }

    /// Processors, warpers, then a draw (or argmax for greedy decoding).
    func choose(from logits: UnsafeMutableBufferPointer<Float>, history: [Int], settings: GenerationSettings,
                random: inout SeededRandom) -> Int {
        LogitsProcessor.applyRepetitionPenalty(logits, history: history, penalty: settings.repetitionPenalty)
        LogitsProcessor.banRepeatedNgrams(logits, history: history, size: settings.noRepeatNgramSize)
        guard settings.doSample else { return LogitsProcessor.argmax(UnsafeBufferPointer(logits)) }
        LogitsProcessor.applyTemperature(logits, settings.temperature)
        LogitsProcessor.applyTopK(logits, settings.topK)
        LogitsProcessor.applyTopP(logits, settings.topP)
        return LogitsProcessor.sample(logits, random: &random)
    }
}
