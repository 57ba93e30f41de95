import Foundation
import Testing
import TestSupport
@testable import TextGeneration

/// Logits and greedy continuations equal to `transformers` on the committed tiny models.
@Suite struct ModelParityTests {
    static let models = ["tiny", "tiny-f16", "tiny-bf16", "tiny-4head", "tiny-untied", "tiny-hubstyle", "tiny-sharded"]

    @Test(arguments: models)
    func logitsMatchWithin1e4(_ name: String) throws {
        let loaded = try LoadedModel.load(Fixtures.path("models/\(name)"))
        let reference = try ReferenceFile.load(name)
        for set in reference.input_sets {
            let expected = try Fixtures.floats("models/\(name)/reference/\(set.file)")
            let cache = loaded.model.makeCache(batch: set.inputs.count, capacity: set.inputs[0].count)
            let logits = loaded.model.forward(set.inputs, cache: cache, allPositions: true)
            #expect(logits.count == expected.count, "\(name) \(set.description)")
            let worst = zip(logits, expected).map { abs($0 - $1) }.max() ?? 0
            #expect(worst < 1e-4, "\(name) \(set.description): largest difference \(worst)")
        }
    }

    /// `--dtype`: F32 weights rounded to F16 at load stay close to the reference; F16 weights
    /// widened to F32 give the F16 reference exactly as the F16 kernels do.
    @Test func precisionConversionsAtLoad() throws {
        let reference = try ReferenceFile.load("tiny").input_sets[1]
        let expected = try Fixtures.floats("models/tiny/reference/\(reference.file)")
        func logits(_ name: String, _ precision: GPT2Weights.Precision) throws -> [Float] {
            let loaded = try LoadedModel.load(Fixtures.path("models/\(name)"), precision: precision)
            #expect(loaded.model.weights.layers[0].fcWeight.isHalf == (precision == .f16 || (precision == .asStored && name == "tiny-f16")))
            let cache = loaded.model.makeCache(batch: 1, capacity: reference.inputs[0].count)
            return loaded.model.forward(reference.inputs, cache: cache, allPositions: true)
        }
        let rounded = try logits("tiny", .f16)
        let worst = zip(rounded, expected).map { abs($0 - $1) }.max()!
        #expect(worst > 0 && worst < 1e-2, "F16 rounding moved logits by \(worst)")
        let halfReference = try Fixtures.floats("models/tiny-f16/reference/\(reference.file)")
        let widened = try logits("tiny-f16", .f32)
        #expect(zip(widened, halfReference).map { abs($0 - $1) }.max()! < 1e-4)
    }

    @Test func twoComputeThreadsGiveTheSameLogits() throws {
        let loaded = try LoadedModel.load(Fixtures.path("models/tiny"))
        let tokens = [[50, 47, 45, 37, 47, 26], [1, 2, 3, 4, 5, 6]]
        func logits(threads: Int) -> [Float] {
            ComputePool.withThreads(threads) {
                let cache = loaded.model.makeCache(batch: 2, capacity: 8)
                _ = loaded.model.forward(tokens, cache: cache)
                return loaded.model.forward([[7], [8]], cache: cache)  // two rows: the decode kernels
            }
        }
        let one = logits(threads: 1), two = logits(threads: 2)
        #expect(zip(one, two).map { abs($0 - $1) }.max()! < 1e-5)
    }

    @Test func theCacheGivesTheSameLogitsAsOneLongPass() throws {
        let loaded = try LoadedModel.load(Fixtures.path("models/tiny"))
        let reference = try ReferenceFile.load("tiny")
        let set = reference.input_sets[1]  // 17 tokens
        let expected = try Fixtures.floats("models/tiny/reference/\(set.file)")
        let cache = loaded.model.makeCache(batch: 1, capacity: 17)
        var stepwise = [Float]()
        stepwise += loaded.model.forward([Array(set.inputs[0].prefix(5))], cache: cache, allPositions: true)
        for token in set.inputs[0].dropFirst(5) { stepwise += loaded.model.forward([[token]], cache: cache) }
        #expect(zip(stepwise, expected).map { abs($0 - $1) }.max()! < 1e-4)
    }

    @Test(arguments: models)
    func greedyContinuationsMatch(_ name: String) throws {
        let generator = try LoadedModel.load(Fixtures.path("models/\(name)")).generator
        for case_ in try ReferenceFile.load(name).greedy {
            var settings = GenerationSettings.greedy
            settings.maxNewTokens = case_.settings.max_new_tokens
            settings.repetitionPenalty = case_.settings.repetition_penalty ?? 1
            settings.noRepeatNgramSize = case_.settings.no_repeat_ngram_size ?? 0
            let result = try generator.generate(promptIDs: case_.prompt, settings: settings)
            #expect(result[0].ids == case_.output, "\(name) \(case_.settings)")
        }
    }
}

/// Beam search sequences and scores equal to `transformers`.
@Suite struct BeamSearchParityTests {
    @Test(arguments: ModelParityTests.models)
    func beamSearchMatches(_ name: String) throws {
        let generator = try LoadedModel.load(Fixtures.path("models/\(name)")).generator
        for case_ in try ReferenceFile.load(name).beam {
            // With pad id 0 ≠ eos, transformers infers an attention mask that hides the prompt's
            // 0 tokens as padding; the [0] prompt of runs (e)–(g) then sees no context at all.
            if case_.settings.eos_token_id != 0 && case_.prompt.contains(0) { continue }
            var settings = GenerationSettings.greedy
            settings.maxNewTokens = case_.settings.max_new_tokens
            settings.numBeams = case_.settings.num_beams ?? 1
            settings.numReturnSequences = case_.settings.num_return_sequences ?? 1
            settings.lengthPenalty = case_.settings.length_penalty ?? 1
            switch case_.settings.early_stopping {
            case .flag(true): settings.earlyStopping = .always
            case .never: settings.earlyStopping = .never
            default: settings.earlyStopping = .heuristic
            }
            settings.endOfTextID = case_.settings.eos_token_id
            let results = try generator.generate(promptIDs: case_.prompt, settings: settings)
            // transformers pads shorter sequences to the longest with the end-of-text id (pad id 0 is falsy).
            let longest = results.map(\.ids.count).max()!
            let padded = results.map { $0.ids + Array(repeating: case_.settings.eos_token_id, count: longest - $0.ids.count) }
            #expect(padded == case_.outputs, "\(name) \(case_.settings)")
            for (score, expected) in zip(results.compactMap(\.score), case_.sequences_scores) {
                #expect(abs(score - expected) < 1e-4, "\(name) \(case_.settings): score \(score) vs \(expected)")
            }
        }
    }
}
