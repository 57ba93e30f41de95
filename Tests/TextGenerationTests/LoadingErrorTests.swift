import Foundation
import Testing
import TestSupport
@testable import TextGeneration

/// One clear line per broken model, naming the file and the tensor.
@Suite struct LoadingErrorTests {
    let scratch = Scratch("wf-model-errors")

    /// A copy of the tiny model that a test may break.
    func copyOfTiny() throws -> String {
        let folder = scratch("model")
        try FileManager.default.copyItem(atPath: Fixtures.path("models/tiny"), toPath: folder)
        return folder
    }

    func loadError(_ folder: String) -> String {
        do { _ = try LoadedModel.load(folder); return "loaded" } catch { return "\(error)" }
    }

    @Test func missingFilesAreNamed() throws {
        let folder = try copyOfTiny()
        try FileManager.default.removeItem(atPath: "\(folder)/model.safetensors")
        #expect(loadError(folder).contains("\(folder)/model.safetensors is missing"))
        try FileManager.default.removeItem(atPath: "\(folder)/config.json")
        #expect(loadError(folder).contains("\(folder)/config.json is missing"))
        #expect(loadError(scratch("nothing-here")).contains("is missing"))
    }

    @Test func aTruncatedFileIsReportedAsTruncated() throws {
        let folder = try copyOfTiny()
        let path = "\(folder)/model.safetensors"
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: path))
        let message = loadError(folder)
        #expect(message.contains(path) && message.contains("(truncated, or bytes after the last tensor)"), "\(message)")
        try bytes.prefix(100).write(to: URL(fileURLWithPath: path))
        #expect(loadError(folder).contains("header claims"))
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: path))
        #expect(loadError(folder).contains("shorter than the 8-byte header length"))
    }

    @Test func aGarbledHeaderIsNotJSON() throws {
        let folder = try copyOfTiny()
        let path = "\(folder)/model.safetensors"
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        bytes[9] = UInt8(ascii: "#")
        try bytes.write(to: URL(fileURLWithPath: path))
        #expect(loadError(folder).contains("header is not valid safetensors JSON"), "\(loadError(folder))")
    }

    /// The header length is a u64 read from the file: 2^63 and above once trapped (exit 132).
    @Test func anyHeaderLengthIsAnErrorNotACrash() throws {
        let folder = try copyOfTiny()
        let path = "\(folder)/model.safetensors"
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        for length: UInt64 in [1 << 63, UInt64.max, 100_000_001, UInt64(bytes.count)] {
            withUnsafeBytes(of: length.littleEndian) { bytes.replaceSubrange(0..<8, with: $0) }
            try bytes.write(to: URL(fileURLWithPath: path))
            #expect(loadError(folder).contains("header claims"), "\(length): \(loadError(folder))")
        }
    }

    /// Numbers in config.json, vocab.json and tokenizer.json size arrays and products: each is
    /// checked before use, so a crafted value is an error naming the file and key, never a trap.
    @Test func everyNumberInTheModelFilesIsCheckedBeforeUse() throws {
        let folder = try copyOfTiny()
        let configPath = "\(folder)/config.json"
        let original = try Data(contentsOf: URL(fileURLWithPath: configPath))
        for (key, value, expected) in [("n_embd", "4611686018427387904", "n_embd is 4611686018427387904, over wf's limit"),
                                       ("n_layer", "100000", "n_layer is 100000, over wf's limit"),
                                       ("n_positions", "1099511627776", "n_positions is 1099511627776"),
                                       ("n_head", "0", "n_embd must be a positive multiple of n_head"),
                                       ("vocab_size", "-3", "sizes positive")] {
            var config = try JSONSerialization.jsonObject(with: original) as! [String: Any]
            config[key] = try JSONSerialization.jsonObject(with: Data(value.utf8), options: .fragmentsAllowed)
            try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: configPath))
            #expect(loadError(folder).contains(expected), "\(key)=\(value): \(loadError(folder))")
        }
        try original.write(to: URL(fileURLWithPath: configPath))

        // The tiny model reads its tokenizer from tokenizer.json; its ids are checked the same way.
        let tokenizerPath = "\(folder)/tokenizer.json"
        let tokenizer = try String(contentsOfFile: tokenizerPath, encoding: .utf8)
        var object = try JSONSerialization.jsonObject(with: Data(tokenizer.utf8)) as! [String: Any]
        var added = (object["added_tokens"] as? [[String: Any]]) ?? []
        added.append(["id": -5, "content": "<|evil|>", "special": true])
        object["added_tokens"] = added
        try JSONSerialization.data(withJSONObject: object).write(to: URL(fileURLWithPath: tokenizerPath))
        #expect(loadError(folder).contains("has id -5, outside 0..<10000000"), "\(loadError(folder))")
        added[added.count - 1]["id"] = 1 << 62
        object["added_tokens"] = added
        try JSONSerialization.data(withJSONObject: object).write(to: URL(fileURLWithPath: tokenizerPath))
        #expect(loadError(folder).contains("outside 0..<10000000"), "\(loadError(folder))")
    }

    @Test func shapesMustMatchTheConfig() throws {
        let folder = try copyOfTiny()
        let configPath = "\(folder)/config.json"
        var config = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: configPath))) as! [String: Any]
        config["vocab_size"] = 401
        try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: configPath))
        let message = loadError(folder)
        #expect(message.contains("transformer.wte.weight has shape [400, 64] but config.json implies [401, 64]"), "\(message)")
        config["vocab_size"] = 400
        config["n_layer"] = 3
        try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: configPath))
        #expect(loadError(folder).contains("has no tensor transformer.h.2.ln_1.weight"))
    }

    @Test func unsupportedDTypesAndArchitecturesAreNamed() throws {
        let folder = try copyOfTiny()
        let path = "\(folder)/model.safetensors"
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        let headerLength = Int(bytes.prefix(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) })
        var header = String(decoding: bytes[8..<8 + headerLength], as: UTF8.self)
        let wte = header.range(of: "\"transformer.wte.weight\":{\"dtype\":\"F32\"")!
        header.replaceSubrange(wte, with: "\"transformer.wte.weight\":{\"dtype\":\"I32\"")
        bytes.replaceSubrange(8..<8 + headerLength, with: Data(header.utf8))
        try bytes.write(to: URL(fileURLWithPath: path))
        #expect(loadError(folder).contains("tensor transformer.wte.weight has dtype I32; wf reads F32, F16 and BF16"))

        let configPath = "\(folder)/config.json"
        var config = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: configPath))) as! [String: Any]
        config["model_type"] = "llama"
        try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: configPath))
        #expect(loadError(folder).contains("model_type llama is not supported"))
    }

    @Test func hubIDsResolveInTheCacheLayout() throws {
        let cache = scratch("hub")
        let snapshot = "\(cache)/models--openai-community--gpt2/snapshots/0123456789abcdef0123456789abcdef01234567"
        try FileManager.default.createDirectory(atPath: "\(cache)/models--openai-community--gpt2/refs", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Fixtures.path("models/tiny"), toPath: snapshot)
        try "0123456789abcdef0123456789abcdef01234567".write(toFile: "\(cache)/models--openai-community--gpt2/refs/main",
                                                           atomically: true, encoding: .utf8)
        let hub = HubCache(environment: ["HF_HUB_CACHE": cache])
        #expect(try LoadedModel.resolve("openai-community/gpt2", cache: hub) == snapshot)
        #expect(try LoadedModel.resolve("openai-community/gpt2@0123456789abcdef0123456789abcdef01234567", cache: hub) == snapshot)
        #expect(HubCache(environment: ["HF_HOME": "/h"]).root == "/h/hub")
        #expect(throws: ModelError.self) { try LoadedModel.resolve("openai-community/gpt2@v2", cache: hub) }
        #expect(throws: ModelError.self) { try LoadedModel.resolve("../escape", cache: hub) }
        #expect(throws: ModelError.self) { try LoadedModel.resolve("a/b/c", cache: hub) }
    }
}
