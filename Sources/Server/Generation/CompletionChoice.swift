import TextGeneration

/// One choice of a completion as it streams in: the text so far, cut at the first stop
/// string (OpenAI returns the text before it, without it), what may be sent yet (text that
/// could be the start of a stop string waits), the tokens with their log-probabilities, and
/// why it ended.
struct CompletionChoice {
    let index: Int
    let stop: [String]
    /// The prompt's text, when `echo` asks for it before the continuation.
    let echoed: String
    private(set) var text = ""
    private(set) var sent = 0
    private(set) var stoppedAt: Int?
    private(set) var finishReason: String?
    var tokens = [(id: Int, text: String, logprob: Float?, top: [(id: Int, logprob: Float)])]()

    init(index: Int, stop: [String], echoed: String = "") {
        self.index = index
        self.stop = stop
        self.echoed = echoed
    }

    /// Adds a token's text; returns what may be streamed now.
    mutating func append(_ delta: String) -> String {
        guard stoppedAt == nil else { return "" }
        text += delta
        return releasable()
    }

    /// The sequence ended: `rest` is what its decoder still held.
    mutating func finish(_ reason: GeneratedSequence.FinishReason, rest: String) -> String {
        if stoppedAt == nil { text += rest }
        let delta = releasable(final: true)
        finishReason = reason == .length && stoppedAt == nil ? "length" : "stop"
        return delta
    }

    /// The continuation as returned: up to the first stop string.
    var finalText: String { echoed + String(text.prefix(stoppedAt ?? text.count)) }

    private mutating func releasable(final: Bool = false) -> String {
        var end = text.count
        if let range = stop.compactMap({ text.range(of: $0) }).min(by: { $0.lowerBound < $1.lowerBound }) {
            stoppedAt = text.distance(from: text.startIndex, to: range.lowerBound)
            end = stoppedAt!
        } else if !final {
            end -= heldBack()
        }
        guard end > sent else { return "" }
        let start = text.index(text.startIndex, offsetBy: sent), stopIndex = text.index(text.startIndex, offsetBy: end)
        sent = end
        return String(text[start..<stopIndex])
    }

    /// Characters at the end that could begin a stop string.
    private func heldBack() -> Int {
        var held = 0
        for candidate in stop {
            for length in stride(from: min(candidate.count - 1, text.count), to: held, by: -1)
            where text.hasSuffix(String(candidate.prefix(length))) {
                held = length
                break
            }
        }
        return held
    }
}

/// Every choice of one completions request, built from the batcher's events of each prompt
/// (greedy decoding gives one sequence, copied to each of the `n` choices): the one place
/// both the streamed and the whole answer come from.
struct CompletionChoices {
    typealias Token = (id: Int, text: String, logprob: Float?, top: [(id: Int, logprob: Float)])

    /// What an event changed for one choice: the text that may be sent now, the token it
    /// added (for logprobs), and the finish reason when it ended.
    struct Update {
        var index: Int
        var text: String
        var token: Token?
        var finishReason: String?
    }

    let n: Int
    let sampled: Bool
    let stop: [String]
    /// Per prompt, the text `echo` puts before its choices ("" without echo).
    let echoes: [String]
    let tokenizer: BPETokenizer?
    private(set) var choices = [Int: CompletionChoice]()
    private(set) var completionTokens = 0
    private(set) var failure: String?

    mutating func apply(prompt: Int, _ event: CompletionEvent) -> [Update] {
        func indices(_ sequence: Int) -> [Int] { sampled ? [prompt * n + sequence] : (0..<n).map { prompt * n + $0 } }
        var updates = [Update]()
        switch event {
        case .token(let sequence, let id, let text, let logprob, let top):
            for index in indices(sequence) {
                var choice = choices[index] ?? CompletionChoice(index: index, stop: stop, echoed: echoes[prompt])
                let first = choice.tokens.isEmpty && choice.sent == 0
                let delta = (first ? choice.echoed : "") + choice.append(text)
                let token: Token = (id, tokenizer?.decode([id]) ?? "", logprob, top)
                choice.tokens.append(token)
                choices[index] = choice
                completionTokens += 1
                updates.append(Update(index: index, text: delta, token: token))
            }
        case .finished(let sequence, let reason, let rest):
            for index in indices(sequence) {
                var choice = choices[index] ?? CompletionChoice(index: index, stop: stop, echoed: echoes[prompt])
                let delta = choice.finish(reason, rest: rest)
                choices[index] = choice
                updates.append(Update(index: index, text: delta, finishReason: choice.finishReason))
            }
        case .done: break
        case .failed(let reason): failure = reason
        }
        return updates
    }
}
