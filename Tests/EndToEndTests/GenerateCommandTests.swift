import Datasets
import Foundation
import Testing
import TestSupport

/// `wf generate` and `wf tokenize` through the real binary, on the committed tiny model.
@Suite struct GenerateCommandTests {
    let model = Fixtures.path("models/tiny")

    struct Output: Decodable {
        struct Sequence: Decodable { var text: String; var promptIDs: [Int]; var generatedIDs: [Int] }
        var sequences: [Sequence]
    }

    @Test func streamsTheSameTextItReportsInJSON() throws {
        let common = ["generate", "--model", model, "--prompt", "ROMEO:", "--max-length", "20", "--seed", "9", "--threads", "1"]
        let streamed = try WFBinary.run(common)
        #expect(streamed.status == 0, "\(streamed.stderr)")
        let json = try SnakeCaseJSON.decoder.decode(Output.self, from: Data(try WFBinary.run(common + ["--json"]).stdout.utf8))
        #expect(streamed.stdout == json.sequences[0].text + "\n")
        let two = try WFBinary.run(common + ["--json", "--num-return-sequences", "2"])
        let output = try SnakeCaseJSON.decoder.decode(Output.self, from: Data(two.stdout.utf8))
        #expect(output.sequences.count == 2)
        #expect(output.sequences[0].promptIDs == [50, 47, 45, 37, 47, 26])
        #expect(output.sequences.allSatisfy { $0.promptIDs.count + $0.generatedIDs.count == 20 })
    }

    @Test func greedyFromIDsMatchesTransformers() throws {
        struct Reference: Decodable { struct Greedy: Decodable { var prompt: [Int]; var output: [Int] }; var greedy: [Greedy] }
        let reference = try Fixtures.json(Reference.self, "models/tiny/reference/reference.json").greedy[0]
        let result = try WFBinary.run(["generate", "--model", model, "--prompt-ids", reference.prompt.map(String.init).joined(separator: ","),
                                       "--greedy", "--max-new-tokens", "24", "--json"])
        let output = try SnakeCaseJSON.decoder.decode(Output.self, from: Data(result.stdout.utf8))
        #expect(output.sequences[0].promptIDs + output.sequences[0].generatedIDs == reference.output)
    }

    /// A weights file whose 8-byte header length is 2^63 once crashed wf (exit 132): any
    /// header is now a one-line error naming the file, exit 1.
    @Test func aCraftedHeaderLengthIsAnErrorNotACrash() throws {
        let scratch = Scratch("wf-generate-crafted")
        let folder = scratch("model")
        try FileManager.default.copyItem(atPath: model, toPath: folder)
        var bytes = try Data(contentsOf: URL(fileURLWithPath: "\(folder)/model.safetensors"))
        withUnsafeBytes(of: (UInt64(1) << 63).littleEndian) { bytes.replaceSubrange(0..<8, with: $0) }
        try bytes.write(to: URL(fileURLWithPath: "\(folder)/model.safetensors"))
        let result = try WFBinary.run(["generate", "--model", folder, "--prompt", "ROMEO:", "--max-new-tokens", "2"])
        #expect(result.status == 1, "\(result.status): \(result.stderr)")
        #expect(result.stderr.contains("\(folder)/model.safetensors") && result.stderr.contains("over the format's limit"), "\(result.stderr)")
    }

    /// transformers generates ids from ids without a tokenizer; so does wf. Text needs one, and
    /// only then is its absence an error.
    @Test func idsGenerateIdsWithoutATokenizer() throws {
        let scratch = Scratch("wf-no-tokenizer")
        let folder = scratch("model")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for file in ["config.json", "model.safetensors"] {
            try FileManager.default.copyItem(atPath: "\(model)/\(file)", toPath: "\(folder)/\(file)")
        }
        let withTokenizer = try WFBinary.run(["generate", "--model", model, "--prompt-ids", "50,47", "--greedy", "--max-new-tokens", "5", "--json"])
        let without = try WFBinary.run(["generate", "--model", folder, "--prompt-ids", "50,47", "--greedy", "--max-new-tokens", "5", "--json"])
        #expect(without.status == 0, "\(without.stderr)")
        struct Output: Decodable { struct Sequence: Decodable { var generatedIDs: [Int]; var text: String? }; var sequences: [Sequence] }
        let ids = try SnakeCaseJSON.decoder.decode(Output.self, from: Data(without.stdout.utf8)).sequences[0]
        let reference = try SnakeCaseJSON.decoder.decode(Output.self, from: Data(withTokenizer.stdout.utf8)).sequences[0]
        #expect(ids.generatedIDs == reference.generatedIDs && ids.text == nil && reference.text != nil)
        let text = try WFBinary.run(["generate", "--model", folder, "--prompt", "ROMEO:", "--max-new-tokens", "5"])
        #expect(text.status != 0 && text.stderr.contains("no tokenizer in \(folder)"), "\(text.stderr)")
    }

    /// `--json` keys are snake_case, as transformers and the OpenAI API write them.
    @Test func jsonKeysAreSnakeCase() throws {
        let json = try WFBinary.run(["generate", "--model", model, "--prompt", "hi", "--max-new-tokens", "2", "--json"]).stdout
        for key in ["generated_ids", "prompt_ids", "finish_reason", "max_new_tokens", "num_return_sequences", "load_seconds"] {
            #expect(json.contains("\"\(key)\""), "\(key): \(json)")
        }
        let keys = json.split(separator: "\n").compactMap { line -> String? in
            guard let quote = line.firstIndex(of: "\""), let colon = line.range(of: "\" :") else { return nil }
            return String(line[line.index(after: quote)..<colon.lowerBound])
        }
        #expect(!keys.contains { $0.contains { $0.isUppercase } }, "\(keys)")
    }

    @Test func tokenizeAndDecodeRoundTrip() throws {
        let ids = try WFBinary.run(["tokenize", "--model", model, "ROMEO: O"])
        #expect(ids.status == 0)
        #expect(ids.stdout.hasPrefix("50 47 45 37 47 26 "))
        let decoded = try WFBinary.run(["tokenize", "--model", model, "--decode", ids.stdout.trimmingCharacters(in: .whitespacesAndNewlines)])
        #expect(decoded.stdout == "ROMEO: O\n")
    }

    @Test(arguments: [
        (["--top-p", "1.5"], "top-p must be in [0, 1]"),
        (["--max-new-tokens=-1"], "max_new_tokens must be greater than 0"),
        (["--max-new-tokens", "0"], "max_new_tokens must be greater than 0"),
        (["--max-length", "1"], "but max_length is 1, which counts the prompt"),
        // Refused before allocating: it once aborted (exit 134) on a terabyte allocation.
        (["--num-return-sequences", "1000000000", "--max-new-tokens", "5"], "need 9344.0 GB of memory for the KV cache"),
        (["--prompt-ids", String(repeating: "5,", count: 129) + "5"], "the model's context is 128"),
        (["--prompt-ids", "5,x"], "is not a token id"),
    ])
    func badSettingsExitWithAClearError(_ extra: [String], _ message: String) throws {
        var arguments = ["generate", "--model", model]
        if !extra.contains("--prompt-ids") { arguments += ["--prompt", "hi"] }
        let result = try WFBinary.run(arguments + extra)
        #expect(result.status != 0)
        #expect(result.stderr.contains(message), "\(result.stderr)")
    }
}
