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
