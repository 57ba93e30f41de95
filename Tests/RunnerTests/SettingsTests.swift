import Foundation
import Testing
import TestSupport
import TextGeneration
import Workflows
@testable import Runner

/// The settings schemas: `with:` decoded by type with located errors, and the settings files
/// a text-generation job reads (JSON, YAML, the repository's pipeline script).
struct SettingsTests {
    static let tutorialScript = """
        from transformers import pipeline, set_seed

        # Settings
        random_seed = 42
        max_length = 30
        num_return_sequences = 5
        initial_sentence = "Hello, I'm a language model,"

        generator = pipeline('text-generation', model='gpt2')
        set_seed(random_seed)
        output = generator(initial_sentence, max_length = max_length, num_return_sequences = num_return_sequences)
        """

    func job(_ yaml: String) throws -> Job {
        try #require(WorkflowParser.parse("jobs:\n  gen:\n" + yaml, file: "w.yaml").jobs.first)
    }

    @Test func withIsDecodedByTypeAndErrorsNameTheLineAndKey() throws {
        let good = try job("""
                outputs: {out: {type: dataset, with: {ref: text}}}
                uses: text-generation@v1
                with:
                  prompt: "ROMEO:"
                  top_k: 40
                  do_sample: yes
            """)
        guard case .textGeneration(let settings) = try StepSettings.decode(good, file: "w.yaml") else { Issue.record("not text generation"); return }
        #expect(settings.prompt == "ROMEO:" && settings.parameters.topK == 40 && settings.parameters.doSample == true)

        let bad = try job("""
                outputs: {out: {type: dataset, with: {ref: text}}}
                uses: text-generation@v1
                with:
                  prompt: "ROMEO:"
                  top_k: forty
            """)
        #expect(throws: WorkflowErrors.self) { try StepSettings.decode(bad, file: "w.yaml") }
        do { _ = try StepSettings.decode(bad, file: "w.yaml") } catch {
            #expect("\(error)" == "w.yaml:7:14: jobs.gen.with.top_k: expected a whole number, not forty")
        }
        let train = try job("""
                outputs: {out: {type: dataset, with: {ref: m}}}
                uses: train@v1
                with: {data: x/y.txt, epochs: 2, learning_rate: 3e-4}
            """)
        guard case .train(let trainSettings) = try StepSettings.decode(train, file: "w.yaml") else { Issue.record("not train"); return }
        #expect(trainSettings.epochs == 2 && trainSettings.learningRate == 3e-4)
    }

    /// What a step would find wrong at run time and the file already decides is found when
    /// the workflow is read (`wf validate` once said ok to a create-model@v1 job with no input).
    @Test func jobsShapedWrongForTheirActionAreRefusedBeforeRunning() throws {
        func problem(_ yaml: String) -> String {
            do { _ = try StepSettings.decode(try job(yaml), file: "w.yaml"); return "ok" } catch { return "\(error)" }
        }
        #expect(problem("""
                outputs: {id: {type: string}}
                uses: create-model@v1
                with: {name: m, type: Custom}
            """).contains("jobs.gen.inputs: create-model@v1 takes one input, the model folder"))
        #expect(problem("""
                outputs: {v: {type: volume}}
                uses: text-generation@v1
                with: {prompt: x}
            """).contains("jobs.gen.outputs: text-generation@v1 needs a dataset output"))
        #expect(problem("""
                outputs: {a: {type: volume}, b: {type: volume}}
                uses: git-checkout@v1
            """).contains("writes into one dataset or volume output; this job has a, b"))
        #expect(problem("""
                outputs: {m: {type: dataset, with: {ref: m}}}
                uses: train@v1
                with: {epochs: 1}
            """).contains("train@v1 needs with: data"))
    }

    /// Every key the parser allows is one the schema reads, and the other way round.
    @Test func theSchemasCoverTheKeysTheParserAllows() throws {
        let decoder = KeyRecorder()
        for action in Action.allCases {
            decoder.keys = []
            switch action {
            case .gitCheckout: _ = try? GitCheckoutSettings(from: decoder)
            case .script: _ = try? ScriptSettings(from: decoder)
            case .container: _ = try? ContainerSettings(from: decoder)
            case .createModel: _ = try? CreateModelSettings(from: decoder)
            case .s3Download: _ = try? S3DownloadSettings(from: decoder)
            case .textGeneration: _ = try? TextGenerationSettings(from: decoder)
            case .train: _ = try? TrainSettings(from: decoder)
            }
            #expect(decoder.keys == action.allowedKeys, "\(action.rawValue)")
        }
    }

    @Test func thePipelineScriptGivesItsSettingsWithTheirLines() throws {
        let read = try SettingsFileReader.read(Data(Self.tutorialScript.utf8), path: "repo/nlp_text_generation.py")
        #expect(read.isPipelineScript)
        #expect(read.values["prompt"] == .literal("Hello, I'm a language model,") && read.values["model"] == .literal("gpt2"))
        #expect(read.values["seed"] == .literal("42") && read.values["max_length"] == .literal("30"))
        #expect(read.values["num_return_sequences"] == .literal("5"))
        #expect(read.origins["max_length"] == "repo/nlp_text_generation.py:5" && read.origins["seed"] == "repo/nlp_text_generation.py:4")
        #expect(read.origins["model"] == "repo/nlp_text_generation.py:9")
        // The pipeline's defaults fill what the script leaves out (transformers 5).
        let parameters = try TextGenerationSettings(from: WithDecoder(values: read.values)).parameters
        let used = parameters.filled(defaults: .textGenerationPipeline)
        #expect(used.doSample == true && used.temperature == 0.7 && used.topK == 50 && used.maxLength == 30 && used.maxNewTokens == nil)
        #expect(try parameters.settings(defaults: .textGenerationPipeline).seed == 42)
        // Silent on lengths: 256 new tokens, as the pipeline's own default.
        #expect(GenerationParameters().filled(defaults: .textGenerationPipeline).maxNewTokens == 256)
        #expect(GenerationParameters().filled(defaults: .generate).maxNewTokens == 50)
    }

    @Test func badScriptsAreOneLineNamingTheFileLineAndName() throws {
        func error(_ source: String) -> String {
            do { _ = try SettingsFileReader.read(Data(source.utf8), path: "repo/s.py"); return "no error" } catch { return "\(error)" }
        }
        let computed = Self.tutorialScript.replacingOccurrences(of: "max_length = 30", with: "max_length = int('30')")
        #expect(error(computed).contains("repo/s.py:5") && error(computed).contains("max_length"), "\(error(computed))")
        let unknown = Self.tutorialScript.replacingOccurrences(of: "num_return_sequences = num_return_sequences)",
                                                               with: "num_return_sequences = num_return_sequences, pad_token_id = 50256)")
        #expect(error(unknown).contains("repo/s.py:11") && error(unknown).contains("pad_token_id"), "\(error(unknown))")
        let noPipeline = "print('hello')\n"
        #expect(error(noPipeline).contains("repo/s.py") && error(noPipeline).contains("pipeline"), "\(error(noPipeline))")
        let fString = Self.tutorialScript.replacingOccurrences(of: "initial_sentence = \"Hello, I'm a language model,\"",
                                                               with: "initial_sentence = f\"Hello, {random_seed}\"")
        #expect(error(fString).contains("repo/s.py") && error(fString).contains("f-string"), "\(error(fString))")
        let fromFile = Self.tutorialScript.replacingOccurrences(of: "initial_sentence = \"Hello, I'm a language model,\"",
                                                                with: "initial_sentence = open('prompt.txt').read()")
        #expect(error(fromFile).contains("initial_sentence"), "\(error(fromFile))")
        for message in [error(computed), error(unknown), error(noPipeline), error(fString), error(fromFile)] {
            #expect(!message.contains("\n"), "one line: \(message)")
        }
    }

    /// `if __name__ == "__main__":` is how scripts are written to be run, and they are read as run.
    @Test func theMainGuardReadsAsTheTopLevel() throws {
        let guarded = "from transformers import pipeline, set_seed\nif __name__ == \"__main__\":\n"
            + Self.tutorialScript.split(separator: "\n", omittingEmptySubsequences: false).dropFirst().map { "    " + $0 }.joined(separator: "\n")
        let read = try SettingsFileReader.read(Data(guarded.utf8), path: "s.py")
        #expect(read.values["max_length"] == .literal("30") && read.values["seed"] == .literal("42"), "\(read.values)")
        let elsewhere = guarded.replacingOccurrences(of: "__name__ == \"__main__\"", with: "True")
        #expect(throws: RunError.self) { try SettingsFileReader.read(Data(elsewhere.utf8), path: "s.py") }
    }

    @Test func jsonAndYAMLFilesReadTheSameKeys() throws {
        let json = try SettingsFileReader.read(Data(#"{"prompt": "ROMEO:", "seed": 7, "temperature": 0.9, "do_sample": true}"#.utf8), path: "s.json")
        #expect(json.values["seed"] == .literal("7") && json.values["temperature"] == .literal("0.9") && json.values["do_sample"] == .literal("true"))
        let yaml = try SettingsFileReader.read(Data("prompt: 'ROMEO:'\nseed: 7\ntemperature: 0.9\ndo_sample: yes\n".utf8), path: "s.yaml")
        #expect(yaml.values["seed"] == .literal("7") && yaml.origins["temperature"] == "s.yaml:3")
        #expect(try TextGenerationSettings(from: WithDecoder(values: yaml.values)).parameters.doSample == true)
        #expect(throws: RunError.self) { try SettingsFileReader.read(Data(#"{"prompt": "x", "temprature": 1}"#.utf8), path: "s.json") }
        #expect(throws: RunError.self) { try SettingsFileReader.read(Data(#"{"prompt": ["x"]}"#.utf8), path: "s.json") }
    }

    @Test func outputsFollowTheTutorialsLayout() {
        // What the tutorial's loop of print() calls writes for two outputs.
        #expect(TextGenerationStep.outputsText(["a b", "c"]) == "---\nOutput 1 of 2\n---\n\na b\n\n---\nOutput 2 of 2\n---\n\nc\n")
    }
}

/// A decoder that records the keys a type asks for.
final class KeyRecorder: Decoder, @unchecked Sendable {
    var keys = Set<String>()
    var codingPath: [CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }
    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> { KeyedDecodingContainer(Container(recorder: self)) }
    func unkeyedContainer() throws -> UnkeyedDecodingContainer { throw CancellationError() }
    func singleValueContainer() throws -> SingleValueDecodingContainer { throw CancellationError() }

    struct Container<Key: CodingKey>: KeyedDecodingContainerProtocol {
        let recorder: KeyRecorder
        var codingPath: [CodingKey] { [] }
        var allKeys: [Key] { [] }
        func contains(_ key: Key) -> Bool { recorder.keys.insert(key.stringValue); return false }
        func decodeNil(forKey key: Key) throws -> Bool { recorder.keys.insert(key.stringValue); return true }
        func decode(_ type: String.Type, forKey key: Key) throws -> String { recorder.keys.insert(key.stringValue); return "" }
        func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
            recorder.keys.insert(key.stringValue)
            throw DecodingError.keyNotFound(key, .init(codingPath: [], debugDescription: ""))
        }
        func nestedContainer<N: CodingKey>(keyedBy type: N.Type, forKey key: Key) throws -> KeyedDecodingContainer<N> { throw CancellationError() }
        func nestedUnkeyedContainer(forKey key: Key) throws -> UnkeyedDecodingContainer { throw CancellationError() }
        func superDecoder() throws -> Decoder { recorder }
        func superDecoder(forKey key: Key) throws -> Decoder { recorder }
    }
}

/// A workflow's `image:` reaches a container runtime's command line only as an image.
struct ImageReferenceTests {
    @Test func realReferencesPassAndAnythingElseIsRefused() throws {
        for image in ["python:3.11", "paperspace/transformers-gpu:0.4.0", "localhost/wf-test/busybox:1", "127.0.0.1:5000/wf-test/busybox:pulled-1",
                      "ghcr.io/org/app@sha256:" + String(repeating: "a", count: 64), "registry.example.com:443/a/b/c:v1.2_3"] {
            #expect(throws: Never.self) { try ImageReference.check(image) }
        }
        for image in ["", "--privileged", "-v=/:/host", "Not A Valid//Image::name", "python:3 11", "UPPER/case", "a/b:c:d", "a@sha256:xyz", "a/", "/a"] {
            #expect(throws: WithDecoder.Problem.self, "\(image)") { try ImageReference.check(image) }
        }
    }
}
