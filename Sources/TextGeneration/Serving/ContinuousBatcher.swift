import Foundation

/// One prompt to continue, as `Generator.generate` would continue it (no beam search).
public struct CompletionRequest: Sendable {
    public var promptIDs: [Int]
    public var settings: GenerationSettings
    /// Log-probabilities to report per generated token: the chosen token's and the `top`
    /// most likely (OpenAI's `logprobs`); nil: none. They are log-softmax of the model's
    /// logits before any processor or warper, as vLLM and OpenAI report them.
    public var logprobs: Int?

    public init(promptIDs: [Int], settings: GenerationSettings, logprobs: Int? = nil) {
        self.promptIDs = promptIDs
        self.settings = settings
        self.logprobs = logprobs
    }

    /// Sequences the request decodes side by side: `num_return_sequences` when sampling, one
    /// for greedy decoding (whose sequences would all be the same), as `generate` does.
    public var sequences: Int { settings.doSample ? settings.numReturnSequences : 1 }
}

/// What a request sees as its sequences advance.
public enum CompletionEvent: Sendable {
    /// A new token of `sequence`: its id, the text it completes (possibly empty: bytes of a
    /// character wait for the next token), and, when asked for, its log-probability and the
    /// `top` alternatives (id, log-probability), most likely first.
    case token(sequence: Int, id: Int, text: String, logprob: Float?, top: [(id: Int, logprob: Float)])
    /// `sequence` ended: `.endOfText`, `.stopString` or `.length`; `text` is what its decoder
    /// still held.
    case finished(sequence: Int, reason: GeneratedSequence.FinishReason, text: String)
    /// Every sequence ended; the request's slots are free.
    case done(CompletionTimings)
    /// The request could not run (it was cancelled, or the batcher stopped).
    case failed(String)
}

public struct CompletionTimings: Sendable, Equatable {
    /// Waiting in the queue, prefilling the prompt, until the first token, and in all (s).
    public var queued: Double
    public var prefill: Double
    public var firstToken: Double
    public var total: Double
    public var promptTokens: Int
    public var generatedTokens: Int
}

/// Continuous batching, as vLLM and text-generation-inference schedule: the batcher owns the
/// model and `slots` rows of one KV cache (`KVCache`, a length per slot). Each step, waiting
/// requests that fit in free slots are prefilled into them (a request with n sequences takes
/// n slots, its prompt run once and copied), then every running sequence advances one token
/// in one batched forward pass, and sequences that finish leave at once: nobody waits for the
/// longest sequence of a batch.
///
/// Output is token-exact with `Generator.generate` for the same prompt, settings and seed,
/// whatever else is in the batch: each request keeps its own random stream, drawn in the
/// order `generate` draws (its sequences in turn, unfinished ones only), and the forward pass
/// runs in chunks of at most `MatrixMultiply.smallRows` rows, where each row's arithmetic is
/// the same whatever rows are beside it.
///
/// The queue is bounded (`queueLimit`): `submit` refuses beyond it, so load beyond capacity
/// is answered at once (HTTP 503) instead of growing memory.
public final class ContinuousBatcher: @unchecked Sendable {
    public enum SubmitError: Error, Equatable, CustomStringConvertible {
        /// The queue holds `queueLimit` requests already.
        case queueFull(limit: Int)
        /// The request can never run here (more sequences than slots, beam search, a token
        /// out of range, settings `generate` refuses).
        case invalid(String)
        case stopped

        public var description: String {
            switch self {
            case .queueFull(let limit): return "the queue is full (\(limit) requests wait already); retry shortly"
            case .invalid(let reason): return reason
            case .stopped: return "the server is stopping"
            }
        }
    }

    /// Cancels its request (a client that went away): its slots are freed at the next step.
    public final class Ticket: @unchecked Sendable {
        fileprivate let lock = NSLock()
        fileprivate var cancelled = false
        public func cancel() { lock.withLock { cancelled = true } }
        var isCancelled: Bool { lock.withLock { cancelled } }
    }

    public let generator: Generator
    public let slots: Int
    public let queueLimit: Int
    public let context: Int
    private let cache: KVCache
    private let condition = NSCondition()
    private var waiting = [Pending]()
    private var running = [Running]()
    private var stopping = false
    private var freeSlots: [Int]

    /// Requests waiting for slots, and sequences decoding, now.
    public var load: (queued: Int, runningSequences: Int) {
        condition.withLock { (waiting.count, runningSequenceCount) }
    }
    /// Counted on the batcher's thread after each step (a `Running`'s state is that thread's alone).
    private var runningSequenceCount = 0

    /// - Parameters:
    ///   - slots: sequences decoded side by side (`--parallel`).
    ///   - queueLimit: requests that may wait for slots.
    ///   - context: positions per slot (default: the model's context, 1,024 for GPT-2); the
    ///     cache takes slots × context × layers × 2 × C floats.
    public init(generator: Generator, slots: Int, queueLimit: Int, context: Int? = nil) {
        self.generator = generator
        self.slots = max(1, slots)
        self.queueLimit = max(0, queueLimit)
        self.context = min(context ?? generator.model.config.positions, generator.model.config.positions)
        cache = generator.model.makeCache(batch: self.slots, capacity: self.context)
        freeSlots = Array((0..<self.slots).reversed())
    }

    /// Queues `request`; `onEvent` is called on the batcher's thread, in order, until
    /// `.done` or `.failed`.
    /// - Throws: `SubmitError` (nothing is queued then).
    public func submit(_ request: CompletionRequest, onEvent: @escaping @Sendable (CompletionEvent) -> Void) throws -> Ticket {
        let settings = request.settings
        do { try settings.validate() } catch { throw SubmitError.invalid("\(error)") }
        guard settings.numBeams == 1 else { throw SubmitError.invalid("beam search is not served; use wf generate --num-beams") }
        guard request.sequences <= slots else {
            throw SubmitError.invalid("\(request.sequences) sequences need as many slots, and this server has \(slots) (--parallel)")
        }
        guard !request.promptIDs.isEmpty else { throw SubmitError.invalid("the prompt is empty") }
        let vocabulary = generator.model.config.vocabulary
        if let bad = request.promptIDs.first(where: { $0 < 0 || $0 >= vocabulary }) {
            throw SubmitError.invalid("token id \(bad) is out of range for a vocabulary of \(vocabulary)")
        }
        if generator.tokenizer == nil && !settings.stopStrings.isEmpty {
            throw SubmitError.invalid("stop strings are text, and this model has no tokenizer files to decode with")
        }
        let budget: Int
        do { budget = try settings.newTokenBudget(promptLength: request.promptIDs.count, context: context) } catch {
            throw SubmitError.invalid("\(error)")
        }
        let ticket = Ticket()
        try condition.withLock {
            guard !stopping else { throw SubmitError.stopped }
            guard waiting.count < queueLimit else { throw SubmitError.queueFull(limit: queueLimit) }
            waiting.append(Pending(request: request, budget: budget, ticket: ticket, onEvent: onEvent, enqueued: Date()))
            condition.signal()
        }
        return ticket
    }

    /// Schedules until `stop()`: call it on a thread of its own.
    public func run() {
        while true {
            let admitted: [Pending]
            condition.lock()
            while !stopping && waiting.isEmpty && running.isEmpty { condition.wait() }
            if stopping {
                let left = waiting
                waiting.removeAll()
                condition.unlock()
                for pending in left { pending.onEvent(.failed("the server is stopping")) }
                for request in running { request.onEvent(.failed("the server is stopping")) }
                running.removeAll()
                return
            }
            // First come, first served: a request that does not fit yet holds the line.
            waiting.removeAll { pending in
                if pending.ticket.isCancelled { pending.onEvent(.failed("cancelled")); return true }
                return false
            }
            var taken = [Pending]()
            while var next = waiting.first, next.request.sequences <= freeSlots.count {
                waiting.removeFirst()
                next.slots = (0..<next.request.sequences).map { _ in freeSlots.removeLast() }
                taken.append(next)
            }
            admitted = taken
            condition.unlock()

            for pending in admitted { prefill(pending) }
            step()
            condition.withLock { runningSequenceCount = running.reduce(0) { $0 + $1.unfinishedCount } }
        }
    }

    /// Ends `run()`: waiting and running requests get `.failed`.
    public func stop() {
        condition.withLock {
            stopping = true
            condition.broadcast()
        }
    }

    // MARK: steps

    private struct Pending {
        var request: CompletionRequest
        var budget: Int
        var ticket: Ticket
        var onEvent: @Sendable (CompletionEvent) -> Void
        var enqueued: Date
        var slots = [Int]()
    }

    /// A request in its slots: per sequence, the tokens so far, the logits to choose from,
    /// the decoder, whether it ended.
    private final class Running {
        let request: CompletionRequest
        let budget: Int
        let ticket: Ticket
        let onEvent: @Sendable (CompletionEvent) -> Void
        let slots: [Int]
        var random: SeededRandom
        var generated: [[Int]]
        var logits: [[Float]]
        var decoders: [StreamingDecoder]
        var continuations: [String]
        var finished: [Bool]
        var timings: CompletionTimings
        let started: Date

        init(_ pending: Pending, logits: [Float], decoder: StreamingDecoder?, prefillSeconds: Double) {
            request = pending.request
            budget = pending.budget
            ticket = pending.ticket
            onEvent = pending.onEvent
            slots = pending.slots
            let n = slots.count
            random = SeededRandom(seed: pending.request.settings.seed)
            generated = [[Int]](repeating: [], count: n)
            self.logits = [[Float]](repeating: logits, count: n)
            decoders = decoder.map { [StreamingDecoder](repeating: $0, count: n) } ?? []
            continuations = [String](repeating: "", count: n)
            finished = [Bool](repeating: false, count: n)
            started = pending.enqueued
            let queued = Date().timeIntervalSince(pending.enqueued) - prefillSeconds
            timings = CompletionTimings(queued: queued, prefill: prefillSeconds, firstToken: 0, total: 0,
                                        promptTokens: pending.request.promptIDs.count, generatedTokens: 0)
        }

        var unfinishedCount: Int { finished.lazy.filter { !$0 }.count }
    }

    /// Runs the prompt once into the request's first slot, copies it to the others.
    private func prefill(_ pending: Pending) {
        let start = Date()
        let first = pending.slots[0]
        cache.reset(slot: first)
        let logits = generator.model.forward([pending.request.promptIDs], cache: cache, slots: [first])
        cache.copy(slot: first, to: pending.slots)
        let running = Running(pending, logits: logits, decoder: generator.tokenizer.map(StreamingDecoder.init(tokenizer:)),
                              prefillSeconds: Date().timeIntervalSince(start))
        condition.withLock { self.running.append(running) }
    }

    /// Chooses each running sequence's next token, then advances them all one position.
    private func step() {
        let requests = condition.withLock { running }
        var rows = [(request: Running, sequence: Int, token: Int)]()
        let endOfTextID = generator.endOfTextID
        for request in requests {
            if request.ticket.isCancelled {
                finish(request, event: .failed("cancelled"))
                continue
            }
            let settings = request.request.settings
            let endOfText = settings.stopAtEndOfText ? settings.endOfTextID ?? endOfTextID : nil
            for s in 0..<request.slots.count where !request.finished[s] {
                let history = request.request.promptIDs + request.generated[s]
                var logprob: Float?, top = [(id: Int, logprob: Float)]()
                let next = request.logits[s].withUnsafeMutableBufferPointer { row -> Int in
                    var raw: [Float]?
                    if request.request.logprobs != nil { raw = Array(row) }
                    let chosen = generator.choose(from: row, history: history, settings: settings, random: &request.random)
                    if let raw, let count = request.request.logprobs {
                        (logprob, top) = Self.logProbabilities(raw, chosen: chosen, top: count)
                    }
                    return chosen
                }
                request.generated[s].append(next)
                let text = request.decoders.isEmpty ? "" : request.decoders[s].append(next)
                request.continuations[s] += text
                if request.timings.generatedTokens == 0 { request.timings.firstToken = Date().timeIntervalSince(request.started) }
                request.timings.generatedTokens += 1
                request.onEvent(.token(sequence: s, id: next, text: text, logprob: logprob, top: top))
                var reason: GeneratedSequence.FinishReason?
                if next == endOfText {
                    reason = .endOfText
                } else if settings.stopStrings.contains(where: { request.continuations[s].contains($0) }) {
                    reason = .stopString
                } else if request.generated[s].count >= request.budget {
                    reason = .length
                }
                if let reason {
                    request.finished[s] = true
                    let rest = request.decoders.isEmpty ? "" : request.decoders[s].finish()
                    request.onEvent(.finished(sequence: s, reason: reason, text: rest))
                } else {
                    rows.append((request, s, next))
                }
            }
            if request.finished.allSatisfy({ $0 }) { finish(request, event: nil) }
        }
        // One forward pass per chunk of rows that each keep their own arithmetic.
        var offset = 0
        while offset < rows.count {
            let chunk = rows[offset..<min(rows.count, offset + MatrixMultiply.smallRows)]
            let logits = generator.model.forward(chunk.map { [$0.token] }, cache: cache, slots: chunk.map { $0.request.slots[$0.sequence] })
            let vocabulary = generator.model.config.vocabulary
            for (index, row) in chunk.enumerated() {
                row.request.logits[row.sequence] = Array(logits[index * vocabulary..<(index + 1) * vocabulary])
            }
            offset += chunk.count
        }
    }

    /// Frees a request's slots and sends its last event.
    private func finish(_ request: Running, event: CompletionEvent?) {
        condition.withLock {
            running.removeAll { $0 === request }
            freeSlots.append(contentsOf: request.slots)
        }
        request.timings.total = Date().timeIntervalSince(request.started)
        request.onEvent(event ?? .done(request.timings))
    }

    /// log-softmax of `raw` at `chosen`, and the `top` largest (id, log-probability).
    static func logProbabilities(_ raw: [Float], chosen: Int, top: Int) -> (Float, [(id: Int, logprob: Float)]) {
        let maximum = raw.max() ?? 0
        var sum: Double = 0
        for value in raw { sum += Double(Foundation.exp(value - maximum)) }
        let logSum = Float(Foundation.log(sum)) + maximum
        var best = [(id: Int, logprob: Float)]()
        if top > 0 {
            best = raw.indices.sorted { raw[$0] > raw[$1] }.prefix(top).map { ($0, raw[$0] - logSum) }
        }
        return (raw[chosen] - logSum, best)
    }
}
