import Foundation
import Testing
import TestSupport

/// `wf train` through the real binary: a tiny model from scratch on a slice of Shakespeare.
@Suite struct TrainCommandTests {
    let scratch = Scratch("wf-train")

    @Test func trainsFromScratchAndWritesEverythingItPromises() throws {
        let corpus = try String(contentsOfFile: Fixtures.shared("corpora/tinyshakespeare.txt"), encoding: .utf8)
        let data = try scratch.write("shakespeare.txt", String(corpus.prefix(40_000)))
        let out = scratch("run")
        let result = try WFBinary.run(["train", "--data", data, "--out", out, "--layers", "1", "--heads", "2", "--embedding", "32",
                                       "--context", "32", "--vocab-size", "300", "--batch-size", "4", "--epochs", "2", "--threads", "1"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("epoch 2: train loss"))
        let metrics = try scratch.read("run/metrics.csv").split(separator: "\n")
        #expect(metrics.count == 3 && metrics[0].hasPrefix("epoch,step,train_loss,val_loss"))
        let losses = metrics.dropFirst().map { Double($0.split(separator: ",")[3])! }
        #expect(losses[1] < losses[0], "validation loss should fall: \(losses)")
        #expect(try scratch.read("run/samples.txt").contains("=== epoch 2"))
        #expect(try scratch.read("run/training.svg").hasPrefix("<svg"))
        for checkpoint in ["best", "last"] {
            for file in ["config.json", "model.safetensors", "vocab.json", "merges.txt", "training-state.json"] {
                #expect(FileManager.default.fileExists(atPath: "\(out)/\(checkpoint)/\(file)"), "\(checkpoint)/\(file)")
            }
        }
        // The checkpoint is a model wf generate loads.
        let generated = try WFBinary.run(["generate", "--model", "\(out)/best", "--prompt", "ROMEO:", "--max-new-tokens", "8", "--json"])
        #expect(generated.status == 0, "\(generated.stderr)")
    }

    /// Fine-tuning starts from the model's weights and tokenizer and keeps its shape.
    @Test func fineTunesAModelFolder() throws {
        let corpus = try String(contentsOfFile: Fixtures.shared("corpora/tinyshakespeare.txt"), encoding: .utf8)
        let data = try scratch.write("text.txt", String(corpus.prefix(20_000)))
        let out = scratch("tuned")
        let result = try WFBinary.run(["train", "--data", data, "--from", Fixtures.path("models/tiny"), "--out", out, "--context", "32",
                                       "--batch-size", "4", "--epochs", "1", "--learning-rate", "1e-3", "--threads", "1"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: "\(out)/tokenizer"), "fine-tuning must not train a tokenizer")
        let original = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: Fixtures.path("models/tiny/config.json")))) as! [String: Any]
        let tuned = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(out)/best/config.json"))) as! [String: Any]
        for key in ["n_layer", "n_head", "n_embd", "n_positions", "vocab_size"] {
            #expect(original[key] as? Int == tuned[key] as? Int, "\(key)")
        }
        #expect(try scratch.read("tuned/best/vocab.json") == (try String(contentsOfFile: Fixtures.path("models/tiny/vocab.json"), encoding: .utf8)))
        let weights = try Data(contentsOf: URL(fileURLWithPath: "\(out)/best/model.safetensors"))
        #expect(weights != (try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("models/tiny/model.safetensors")))))
    }

    /// A run killed after its first epoch and resumed ends with the same weights as a run
    /// that was never interrupted: optimizer state, schedule and batches all continue.
    @Test func aKilledRunResumesExactly() throws {
        let corpus = try String(contentsOfFile: Fixtures.shared("corpora/tinyshakespeare.txt"), encoding: .utf8)
        let data = try scratch.write("shakespeare.txt", String(corpus.prefix(30_000)))
        let common = ["train", "--data", data, "--layers", "1", "--heads", "2", "--embedding", "32", "--context", "32",
                      "--vocab-size", "280", "--batch-size", "4", "--epochs", "3", "--threads", "1", "--seed", "7"]
        #expect(try WFBinary.run(common + ["--out", scratch("straight")]).status == 0)

        let process = try WFBinary.start(common + ["--out", scratch("interrupted")], stdoutFile: scratch("interrupted.log"))
        let state = scratch("interrupted/last/training-state.json")
        while process.isRunning && !FileManager.default.fileExists(atPath: state) { usleep(5_000) }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        try #require(FileManager.default.fileExists(atPath: state), "the run ended before its first checkpoint")
        let resumed = try WFBinary.run(["train", "--data", data, "--out", scratch("interrupted"), "--resume", scratch("interrupted/last"),
                                        "--threads", "1"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stderr.contains("resuming after epoch"))
        let straight = try Data(contentsOf: URL(fileURLWithPath: scratch("straight/last/model.safetensors")))
        let continued = try Data(contentsOf: URL(fileURLWithPath: scratch("interrupted/last/model.safetensors")))
        #expect(straight == continued, "resumed weights differ from an uninterrupted run")
        #expect(try scratch.read("interrupted/metrics.csv").split(separator: "\n").count == 4)
    }

    @Test(arguments: [
        ("empty", "", "it is empty"),
        ("short", "To be, or not to be.", "shorter than one context window"),
    ])
    func refusesDataItCannotTrainOn(_ name: String, _ text: String, _ message: String) throws {
        let data = try scratch.write("\(name).txt", text)
        let result = try WFBinary.run(["train", "--data", data, "--out", scratch("run-\(name)"), "--layers", "1", "--heads", "1",
                                       "--embedding", "16", "--context", "64", "--vocab-size", "260"])
        #expect(result.status != 0)
        #expect(result.stderr.contains(message), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: scratch("run-\(name)/last")))
    }

    @Test func refusesBinaryDataAndBadSettings() throws {
        let binary = try scratch.write("data.bin", bytes: [0x50, 0x4B, 0x03, 0x04, 0x00, 0x00])
        let result = try WFBinary.run(["train", "--data", binary, "--out", scratch("run")])
        #expect(result.status != 0 && result.stderr.contains("looks binary"), "\(result.stderr)")
        let text = try scratch.write("t.txt", "some text")
        let fraction = try WFBinary.run(["train", "--data", text, "--out", scratch("run"), "--validation-fraction", "1"])
        #expect(fraction.status != 0 && fraction.stderr.contains("validation-fraction"), "\(fraction.stderr)")
        let heads = try WFBinary.run(["train", "--data", text, "--out", scratch("run"), "--embedding", "30", "--heads", "4"])
        #expect(heads.status != 0 && heads.stderr.contains("multiple of --heads"), "\(heads.stderr)")
        // A missing file is a missing file (it was called an invalid dataset name), a file as --out
        // says so (it printed a raw NSCocoaErrorDomain message).
        let missing = try WFBinary.run(["train", "--data", scratch("nowhere/x.txt"), "--out", scratch("run")])
        #expect(missing.status == 1 && missing.stderr.contains("no such file") && !missing.stderr.contains("dataset name"), "\(missing.stderr)")
        let outFile = try scratch.write("out-file", "x")
        let asFile = try WFBinary.run(["train", "--data", text, "--out", outFile])
        #expect(asFile.status == 1 && asFile.stderr.contains("is a file; name a folder") && !asFile.stderr.contains("NSCocoaErrorDomain"), "\(asFile.stderr)")
        // What a model needs is computed before allocating: this once aborted (exit 134).
        let huge = try WFBinary.run(["train", "--data", text, "--out", scratch("run"), "--layers", "1000", "--embedding", "16384", "--heads", "16"])
        #expect(huge.status == 1 && huge.stderr.contains("needs about 52625.5 GB of memory"), "\(huge.status): \(huge.stderr)")
    }
}
