import Foundation
import Testing
import TestSupport
import TextGeneration

/// The default model, a `wf train` checkpoint, loads in `transformers` and generates the same
/// greedy text there as in wf (fixture by scripts/make_default_model_fixture.py).
@Suite struct DefaultModelTests {
    struct Fixture: Decodable {
        struct Case: Decodable { var prompt: String; var prompt_ids: [Int]; var output_ids: [Int] }
        var max_new_tokens: Int
        var cases: [Case]
    }

    @Test func greedyOutputEqualsTransformers() throws {
        let fixture = try Fixtures.json(Fixture.self, "training/default-model-greedy.json")
        let root = URL(fileURLWithPath: Fixtures.path("")).deletingLastPathComponent().deletingLastPathComponent().path
        let loaded = try LoadedModel.load("\(root)/models/default")
        for item in fixture.cases {
            #expect(try loaded.requireTokenizer().encode(item.prompt) == item.prompt_ids)
            var settings = GenerationSettings.greedy
            settings.maxNewTokens = fixture.max_new_tokens
            let result = try loaded.generator.generate(promptIDs: item.prompt_ids, settings: settings)
            #expect(result[0].ids == item.output_ids, "\(item.prompt.debugDescription)")
        }
    }
}
