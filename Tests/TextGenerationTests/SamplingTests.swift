import Foundation
import Testing
import TestSupport
@testable import TextGeneration

/// The logits processors and sampling, with transformers' semantics.
@Suite struct SamplingTests {
    func processed(_ values: [Float], _ body: (UnsafeMutableBufferPointer<Float>) -> Void) -> [Float] {
        var copy = values
        copy.withUnsafeMutableBufferPointer { body($0) }
        return copy
    }

    @Test func topKKeepsTiesAtTheCutOff() {
        let out = processed([1, 3, 3, 2, 0]) { LogitsProcessor.applyTopK($0, 2) }
        #expect(out == [-.infinity, 3, 3, -.infinity, -.infinity])
        let withTie = processed([1, 3, 2, 2, 0]) { LogitsProcessor.applyTopK($0, 2) }
        #expect(withTie == [-.infinity, 3, 2, 2, -.infinity])
    }

    @Test func topPKeepsTheTokenThatCrossesTheThreshold() {
        // probabilities 0.5, 0.3, 0.2 (as logits of their logs)
        let logits: [Float] = [log(0.5), log(0.3), log(0.2)]
        #expect(processed(logits) { LogitsProcessor.applyTopP($0, 0.5) }.filter { $0 > -.infinity }.count == 1)
        #expect(processed(logits) { LogitsProcessor.applyTopP($0, 0.6) }.filter { $0 > -.infinity }.count == 2)
        #expect(processed(logits) { LogitsProcessor.applyTopP($0, 0.8) }.filter { $0 > -.infinity }.count == 2)
        #expect(processed(logits) { LogitsProcessor.applyTopP($0, 0.81) }.filter { $0 > -.infinity }.count == 3)
        #expect(processed(logits) { LogitsProcessor.applyTopP($0, 0.01) }.filter { $0 > -.infinity }.count == 1)
    }

    @Test func repetitionPenaltyDividesPositiveAndMultipliesNegative() {
        let out = processed([2, -2, 4]) { LogitsProcessor.applyRepetitionPenalty($0, history: [0, 1, 1], penalty: 2) }
        #expect(out == [1, -4, 4])
    }

    @Test func repeatedNgramsAreBanned() {
        // history 5 6 7 5 6: the bigram (6, 7) exists, so after 6 the token 7 is banned
        let out = processed([0, 0, 0, 0, 0, 0, 0, 0]) { LogitsProcessor.banRepeatedNgrams($0, history: [5, 6, 7, 5, 6], size: 3) }
        #expect(out[7] == -.infinity && out.filter { $0 == -.infinity }.count == 1)
    }

    @Test func samplesFollowTheSoftmaxAndTheSeed() {
        var random = SeededRandom(seed: 7)
        var counts = [0, 0, 0]
        for _ in 0..<20_000 {
            var logits: [Float] = [log(0.2), log(0.3), log(0.5)]
            counts[logits.withUnsafeMutableBufferPointer { LogitsProcessor.sample($0, random: &random) }] += 1
        }
        #expect(abs(Double(counts[0]) / 20_000 - 0.2) < 0.015)
        #expect(abs(Double(counts[2]) / 20_000 - 0.5) < 0.015)
        var a = SeededRandom(seed: 1), b = SeededRandom(seed: 1), c = SeededRandom(seed: 2)
        let first = (0..<5).map { _ in a.next() }
        #expect(first == (0..<5).map { _ in b.next() })
        #expect(first != (0..<5).map { _ in c.next() })
    }

    @Test func generationIsReproducibleAndCountsLengthsLikeGenerate() throws {
        let generator = try LoadedModel.load(Fixtures.path("models/tiny")).generator
        let prompt = [50, 47, 45, 37, 47, 26]
        var settings = GenerationSettings()
        settings.maxLength = 10
        settings.numReturnSequences = 3
        settings.stopAtEndOfText = false
        let first = try generator.generate(promptIDs: prompt, settings: settings)
        #expect(first.count == 3 && first.allSatisfy { $0.generatedIDs.count == 4 && $0.promptIDs == prompt })
        #expect(try generator.generate(promptIDs: prompt, settings: settings) == first)
        settings.seed = 43
        #expect(try generator.generate(promptIDs: prompt, settings: settings) != first)
        settings.maxLength = nil
        settings.maxNewTokens = 7
        #expect(try generator.generate(promptIDs: prompt, settings: settings).allSatisfy { $0.generatedIDs.count == 7 })
        // The context bounds the budget.
        settings.maxNewTokens = 1_000
        #expect(try generator.generate(promptIDs: prompt, settings: settings)[0].ids.count == 128)
    }

    @Test func stopStringsEndASequence() throws {
        let generator = try LoadedModel.load(Fixtures.path("models/tiny")).generator
        var settings = GenerationSettings.greedy
        settings.maxNewTokens = 24
        let free = try generator.generate(promptIDs: [50, 47], settings: settings)[0]
        let stop = String((free.continuation ?? "").prefix(3))
        settings.stopStrings = [stop]
        let stopped = try generator.generate(promptIDs: [50, 47], settings: settings)[0]
        #expect(stopped.finishReason == .stopString)
        #expect((stopped.continuation ?? "").contains(stop) && stopped.generatedIDs.count < free.generatedIDs.count)
    }

    /// Each as transformers 5 rules: `GenerationConfig.validate` raises for max_new_tokens ≤ 0
    /// and for several greedy sequences; `TopPLogitsWarper` for top_p outside [0, 1],
    /// `TemperatureLogitsWarper` for temperature ≤ 0 (both only when sampling).
    @Test func badSettingsAreRejected() {
        let cases: [((inout GenerationSettings) -> Void, String)] = [
            ({ $0.topP = 1.5 }, "top-p must be in [0, 1]"),
            ({ $0.topP = -0.1 }, "top-p must be in [0, 1]"),
            ({ $0.maxNewTokens = -1 }, "max_new_tokens must be greater than 0"),
            ({ $0.maxNewTokens = 0 }, "max_new_tokens must be greater than 0"),
            ({ $0.doSample = false; $0.numReturnSequences = 2 }, "greedy decoding gives one sequence"),
            ({ $0.maxLength = 0 }, "max length must be at least 1"),
            ({ $0.temperature = 0 }, "temperature must be above 0"),
            ({ $0.numReturnSequences = 0 }, "at least 1"),
            ({ $0.numBeams = 2 }, "turn sampling off"),
        ]
        for (change, message) in cases {
            var settings = GenerationSettings()
            change(&settings)
            #expect { try settings.validate() } throws: { "\($0)".contains(message) }
        }
    }

    /// Under greedy decoding, transformers warns about sampling-only settings and ignores them
    /// (`GenerationConfig.validate`: "this flag is only used in sample-based generation modes").
    @Test func samplingSettingsUnderGreedyAreIgnoredWithAWarning() throws {
        var greedy = GenerationSettings.greedy
        greedy.maxNewTokens = 8
        let generator = try LoadedModel.load(Fixtures.path("models/tiny")).generator
        let plain = try generator.generate(promptIDs: [5, 6, 7], settings: greedy)
        var odd = greedy
        odd.temperature = 0
        odd.topP = 0
        odd.topK = 3
        #expect(throws: Never.self) { try odd.validate() }
        #expect(odd.warnings.count == 1 && odd.warnings[0].contains("temperature 0.0, top_p 0.0, top_k 3 are ignored"), "\(odd.warnings)")
        #expect(try generator.generate(promptIDs: [5, 6, 7], settings: odd).map(\.generatedIDs) == plain.map(\.generatedIDs))
        #expect(greedy.warnings.isEmpty)
        // top_p 0 is allowed when sampling: the warper keeps the most likely token (min_tokens_to_keep 1).
        var sampled = GenerationSettings()
        sampled.topP = 0
        sampled.maxNewTokens = 8
        #expect(try generator.generate(promptIDs: [5, 6, 7], settings: sampled).map(\.generatedIDs) == plain.map(\.generatedIDs))
    }

    /// transformers' `_validate_generated_length`: an input as long as `max_length` or longer
    /// raises ("Input length of input_ids is N, but `max_length` is set to M"); wf once
    /// returned the prompt with no new token.
    @Test func aMaxLengthWithinThePromptIsRejected() throws {
        let generator = try LoadedModel.load(Fixtures.path("models/tiny")).generator
        var settings = GenerationSettings()
        settings.maxLength = 3
        #expect { try generator.generate(promptIDs: [5, 6, 7], settings: settings) }
            throws: { "\($0)".contains("the prompt is 3 tokens, but max_length is 3") }
        settings.maxLength = 4
        #expect(try generator.generate(promptIDs: [5, 6, 7], settings: settings)[0].generatedIDs.count == 1)
    }

    @Test func aPromptLongerThanTheContextIsRejected() throws {
        let generator = try LoadedModel.load(Fixtures.path("models/tiny")).generator
        #expect { try generator.generate(promptIDs: Array(repeating: 5, count: 129), settings: GenerationSettings()) }
            throws: { "\($0)".contains("the prompt is 129 tokens but the model's context is 128") }
        #expect(throws: GenerationError.invalidToken(400, vocabulary: 400)) {
            try generator.generate(promptIDs: [400], settings: GenerationSettings())
        }
    }
}
