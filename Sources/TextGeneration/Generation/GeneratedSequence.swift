/// One continuation: the prompt's ids, the new ids, and their text.
public struct GeneratedSequence: Sendable, Equatable, Codable {
    public enum FinishReason: String, Sendable, Codable {
        /// The model produced its end-of-text token (kept in `generatedIDs`).
        case endOfText = "end_of_text"
        case stopString = "stop_string"
        /// `max_length` / `max_new_tokens`, or the model's context.
        case length
    }

    public var promptIDs: [Int]
    public var generatedIDs: [Int]
    /// The prompt's text followed by the continuation's, as the text-generation pipeline
    /// returns it; nil when the model has no tokenizer (ids in, ids out, as `generate` does).
    public var text: String?
    public var continuation: String?
    public var finishReason: FinishReason
    /// Beam search's length-penalised score; nil for sampling and greedy decoding.
    public var score: Float?

    public var ids: [Int] { promptIDs + generatedIDs }
}
