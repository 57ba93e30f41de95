import Crypto
import Foundation
import Testing
import TestSupport
@testable import TextGeneration

/// A model is loaded and hashed once per process, and anew when its weights file changes.
@Suite struct ModelRegistryTests {
    let scratch = Scratch("wf-registry")

    @Test func aModelIsLoadedOnceAndReloadedWhenReplaced() throws {
        let folder = scratch("model")
        try RandomModel.write(config: GPT2Config(layers: 1, heads: 2, embedding: 32, positions: 16, vocabulary: 50), to: folder, seed: 1)
        let registry = ModelRegistry(capacity: 2)
        let first = try registry.load(folder: folder)
        let again = try registry.load(folder: folder)
        #expect(first.model.model === again.model.model, "the same weights, mapped once")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: "\(folder)/model.safetensors"))
        #expect(first.digest == SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined())

        // Replaced on disk (a new file, as a push or a training run writes it): loaded anew.
        try RandomModel.write(config: GPT2Config(layers: 1, heads: 2, embedding: 32, positions: 16, vocabulary: 50), to: folder, seed: 2)
        let replaced = try registry.load(folder: folder)
        #expect(replaced.model.model !== first.model.model && replaced.digest != first.digest)
        #expect(throws: ModelError.self) { try registry.load(folder: scratch("empty")) }
    }
}
