import Foundation
import Testing
import TestSupport
@testable import TextGeneration

/// Continuous batching is token-exact with `Generator.generate`: requests that join a running
/// batch, wait for slots, finish early or late, sample or decode greedily, get exactly the
/// tokens `generate` gives each of them alone.
@Suite struct ContinuousBatcherTests {
    let scratch = Scratch("wf-batcher")

    /// A random model wide enough that matrix products split over threads (k/64 bands).
    func model() throws -> LoadedModel {
        let folder = scratch("model")
        try RandomModel.write(config: GPT2Config(layers: 2, heads: 4, embedding: 256, positions: 256, vocabulary: 1500), to: folder, seed: 7)
        return try LoadedModel.load(folder)
    }

    static func settings(seed: UInt64, newTokens: Int, sample: Bool = true, sequences: Int = 1) -> GenerationSettings {
        var settings = GenerationSettings()
        settings.maxNewTokens = newTokens
        settings.seed = seed
        settings.doSample = sample
        settings.numReturnSequences = sequences
        settings.temperature = 0.9
        settings.topK = 40
        settings.topP = 0.95
        settings.stopAtEndOfText = false
        return settings
    }

    /// Runs `requests` through a batcher of `slots`, all submitted at once.
    func batched(_ requests: [CompletionRequest], model: LoadedModel, slots: Int) throws -> [[[Int]]] {
        let batcher = ContinuousBatcher(generator: model.generator, slots: slots, queueLimit: requests.count)
        let results = Results(requests.map(\.sequences))
        let finished = DispatchGroup()
        for (index, request) in requests.enumerated() {
            finished.enter()
            _ = try batcher.submit(request) { event in
                switch event {
                case .token(let sequence, let id, _, _, _): results.append(id, request: index, sequence: sequence)
                case .done, .failed: finished.leave()
                case .finished: break
                }
            }
        }
        let thread = Thread { batcher.run() }
        thread.start()
        #expect(finished.wait(timeout: .now() + 120) == .success)
        batcher.stop()
        return results.tokens
    }

    @Test func batchedRequestsGetTheTokensGenerateGivesEachAlone() throws {
        let loaded = try model()
        var requests = [CompletionRequest]()
        for index in 0..<7 {
            let prompt = (0..<(3 + index * 2)).map { ($0 * 37 + index * 11) % 1500 }
            let settings = Self.settings(seed: UInt64(100 + index), newTokens: 5 + (index * 7) % 23, sample: index != 3,
                                         sequences: index == 5 ? 3 : 1)
            requests.append(CompletionRequest(promptIDs: prompt, settings: settings))
        }
        var repetition = requests[6]
        repetition.settings.repetitionPenalty = 1.3
        repetition.settings.noRepeatNgramSize = 2
        requests[6] = repetition
        let expected = try requests.map { request in
            try loaded.generator.generate(promptIDs: request.promptIDs, settings: request.settings).map(\.generatedIDs)
        }
        // 4 slots for 9 sequences: requests wait, join a running batch, and leave it early.
        let got = try batched(requests, model: loaded, slots: 4)
        for index in requests.indices {
            #expect(got[index] == expected[index], "request \(index)")
        }
        // More slots than rows per pass (8): the chunks keep each row's arithmetic.
        #expect(try batched(requests, model: loaded, slots: 12) == expected)
    }

    @Test func aFullQueueRefusesAndACancelledRequestFreesItsSlot() throws {
        let loaded = try model()
        let batcher = ContinuousBatcher(generator: loaded.generator, slots: 1, queueLimit: 2)
        let long = CompletionRequest(promptIDs: [1, 2, 3], settings: Self.settings(seed: 1, newTokens: 200))
        let ended = DispatchGroup()
        ended.enter()
        let first = try batcher.submit(long) { if case .failed = $0 { ended.leave() } else if case .done = $0 { ended.leave() } }
        _ = try batcher.submit(long) { _ in }
        #expect(throws: ContinuousBatcher.SubmitError.queueFull(limit: 2)) { try batcher.submit(long) { _ in } }
        #expect(throws: ContinuousBatcher.SubmitError.self) {
            try batcher.submit(CompletionRequest(promptIDs: [1], settings: Self.settings(seed: 1, newTokens: 2, sequences: 2))) { _ in }
        }
        let thread = Thread { batcher.run() }
        thread.start()
        first.cancel()
        #expect(ended.wait(timeout: .now() + 60) == .success)
        batcher.stop()
    }
}

/// Tokens per request and sequence, appended from the batcher's thread.
final class Results: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [[[Int]]]
    init(_ sequences: [Int]) { values = sequences.map { [[Int]](repeating: [], count: $0) } }
    func append(_ id: Int, request: Int, sequence: Int) { lock.withLock { values[request][sequence].append(id) } }
    var tokens: [[[Int]]] { lock.withLock { values } }
}
