import Foundation
import TextGeneration

/// The model `wf serve` answers with: loaded once on a thread of its own (the server listens,
/// and `/health` says 503, meanwhile), then a `ContinuousBatcher` on its own thread owns it.
/// Requests reach the batcher as `AsyncStream`s of its events; a stream its consumer drops
/// (a client that went away) cancels its request, which frees its slots at the next step.
public final class GenerationEngine: @unchecked Sendable {
    public struct Options: Sendable {
        /// Sequences decoded side by side.
        public var slots = 4
        /// Requests that may wait for a slot; beyond it, 503 with Retry-After.
        public var queue = 16
        /// Positions per slot (default: the model's context).
        public var context: Int?
        /// Compute threads of the batcher's forward passes (its own, whatever else the
        /// process runs: see ComputePool).
        public var threads = 1

        public init(slots: Int = 4, queue: Int = 16, context: Int? = nil, threads: Int = 1) {
            self.slots = slots
            self.queue = queue
            self.context = context
            self.threads = threads
        }
    }

    enum State {
        case loading
        case ready(LoadedModel, ContinuousBatcher)
        case failed(String)
    }

    /// The id `/v1/models` lists and responses name.
    public let modelID: String
    public let options: Options
    let metrics: ServeMetrics
    private let lock = NSLock()
    private var state = State.loading
    private var batcherThread: Thread?
    private let stopped = DispatchSemaphore(value: 0)

    public init(modelID: String, options: Options, metrics: ServeMetrics) {
        self.modelID = modelID
        self.options = options
        self.metrics = metrics
    }

    /// Loads `load()`'s model on a background thread and starts the batcher; `onReady` gets
    /// the model or the error.
    public func start(load: @escaping @Sendable () throws -> LoadedModel, onReady: @escaping @Sendable (Result<LoadedModel, Error>) -> Void) {
        Thread.detachNewThread { [self] in
            do {
                let loaded = try load()
                let batcher = ContinuousBatcher(generator: loaded.generator, slots: options.slots, queueLimit: options.queue, context: options.context)
                let threads = options.threads
                let thread = Thread { ComputePool.withThreads(threads) { batcher.run() } }
                thread.name = "wf.batcher"
                thread.stackSize = 8 << 20
                lock.withLock {
                    state = .ready(loaded, batcher)
                    batcherThread = thread
                }
                thread.start()
                onReady(.success(loaded))
            } catch {
                lock.withLock { state = .failed("\(error)") }
                onReady(.failure(error))
            }
        }
    }

    /// Ends the batcher: waiting and running requests end with `.failed`.
    public func stop() {
        if case .ready(_, let batcher) = lock.withLock({ state }) { batcher.stop() }
        stopped.signal()
    }

    /// The engine as a Service of the server's ServiceGroup: placed before the HTTP server, it
    /// stops after it, once the requests in flight have been answered.
    public var service: LoopService {
        LoopService(name: "generation", loop: { [self] in
            // The batcher runs on its own thread from `start`; the service lasts until it stops.
            stopped.wait()
            stopped.signal()
        }, stop: { [self] in stop() })
    }

    var ready: (LoadedModel, ContinuousBatcher)? {
        if case .ready(let model, let batcher) = lock.withLock({ state }) { return (model, batcher) }
        return nil
    }

    /// nil when ready; otherwise why not (still loading, or the load failed).
    var unavailableReason: APIError? {
        switch lock.withLock({ state }) {
        case .loading: return APIError.unavailable("the model is loading", code: "model_loading")
        case .failed(let reason): return APIError.unavailable("the model failed to load: \(reason)", code: "model_failed")
        case .ready: return nil
        }
    }

    /// Submits one request; the stream ends after `.done` or `.failed`.
    /// - Throws: `APIError` 503 (loading, or the queue is full) or 400 (a request that can
    ///   never run).
    func submit(_ request: CompletionRequest) throws -> AsyncStream<CompletionEvent> {
        if let reason = unavailableReason { throw reason }
        guard let (_, batcher) = ready else { throw APIError.unavailable("the model is loading", code: "model_loading") }
        let (stream, continuation) = AsyncStream<CompletionEvent>.makeStream(bufferingPolicy: .unbounded)
        let metrics = self.metrics
        let ticket: ContinuousBatcher.Ticket
        do {
            ticket = try batcher.submit(request) { event in
                continuation.yield(event)
                switch event {
                case .done(let timings):
                    metrics.completed(timings)
                    continuation.finish()
                case .failed(let reason):
                    if reason == "cancelled" { metrics.requestCancelled() }
                    continuation.finish()
                default: break
                }
            }
        } catch let error as ContinuousBatcher.SubmitError {
            switch error {
            case .queueFull: throw APIError.unavailable(error.description, code: "queue_full")
            case .stopped: throw APIError.unavailable(error.description, code: "stopping")
            case .invalid(let reason):
                // The engine's reasons name transformers' settings; the API's parameters differ.
                let param = reason.contains("max_new_tokens") || reason.contains("max length") ? "max_tokens"
                    : reason.contains("sequences") ? "n" : "prompt"
                throw APIError.invalid(param, reason)
            }
        }
        continuation.onTermination = { termination in
            if case .cancelled = termination { ticket.cancel() }
        }
        return stream
    }
}
