import Datasets
import Foundation
import Testing
import TestSupport

/// The repository this product exists for, the Gradient NLP text-generation tutorial
/// (`../shared/seed-repos/`), run as its users would.
@Suite(.serialized) struct TutorialTests {
    let scratch = Scratch("wf-tutorial")

    /// A clone of the tutorial.
    func clone(_ name: String = "work") throws -> String {
        let path = scratch(name)
        try Shell.run("git", ["clone", "-q", Fixtures.shared("seed-repos/NLP-Text-Generation.bundle"), path])
        return path
    }

    func git(_ path: String, _ arguments: String...) throws -> String {
        try Shell.run("git", ["-C", path, "-c", "user.name=test", "-c", "user.email=test@localhost"] + arguments).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// A Hugging Face cache holding the tiny fixture model under the hub id `gpt2`, laid out as
    /// `huggingface_hub` lays it out.
    func hubCache() throws -> String {
        let cache = scratch("hf-cache")
        let commit = String(repeating: "a", count: 40)
        let snapshot = "\(cache)/models--gpt2/snapshots/\(commit)"
        try FileManager.default.createDirectory(atPath: "\(cache)/models--gpt2/refs", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: (snapshot as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Fixtures.path("models/tiny"), toPath: snapshot)
        try commit.write(toFile: "\(cache)/models--gpt2/refs/main", atomically: true, encoding: .utf8)
        return cache
    }

    /// Push a seed change to the linked tutorial: a new version of `demo-dataset` whose
    /// `outputs.txt` holds 5 outputs in the tutorial's layout, made with the script's
    /// settings, traced to the commit and the script's digest.
    @Test func aPushThatChangesTheScriptsSeedMakesANewVersion() throws {
        let work = try clone()
        let remote = scratch("remote.git")
        try Shell.run("git", ["init", "-q", "--bare", "-b", "main", remote])
        // The one change a user makes: generateText becomes text-generation@v1 (wf migrate).
        let workflow = "\(work)/.gradient/workflows/nlp-text-generation.yaml"
        let migrated = try WFBinary.run(["migrate", workflow])
        #expect(migrated.status == 0 && migrated.stdout.contains("migrated generateText: text-generation@v1 with settings: repo/nlp_text_generation.py"),
                "\(migrated.stderr)")
        _ = try git(work, "commit", "-q", "-am", "Run generateText natively with wf")
        _ = try git(work, "remote", "add", "wf", remote)
        _ = try git(work, "push", "-q", "wf", "HEAD:main")

        let home = scratch("home")
        let environment = ["HF_HUB_CACHE": try hubCache(), "HF_HUB_OFFLINE": "1"]
        #expect(try WFBinary.run(["link", remote, "--name", "tutorial", "--branch", "main", "--poll", "1", "--home", home]).status == 0)
        let daemon = try DaemonProcess(home: home, scratch: scratch, environment: environment)
        #expect(try eventually { daemon.log.contains("wf daemon in") })

        let script = "\(work)/nlp_text_generation.py"
        let edited = try String(contentsOfFile: script, encoding: .utf8).replacingOccurrences(of: "random_seed = 42", with: "random_seed = 7")
        try edited.write(toFile: script, atomically: true, encoding: .utf8)
        _ = try git(work, "commit", "-q", "-am", "A new seed")
        _ = try git(work, "push", "-q", "wf", "HEAD:main")
        let commit = try git(work, "rev-parse", "HEAD")

        func versions() throws -> [VersionInfo] {
            let listed = try WFBinary.run(["datasets", "ls", "demo-dataset", "--json", "--home", home])
            return listed.status == 0 ? try SnakeCaseJSON.decoder.decode([VersionInfo].self, from: Data(listed.stdout.utf8)) : []
        }
        #expect(try eventually { try versions().count == 1 }, "no version; daemon log:\n\(daemon.log)")
        let version = try #require(try versions().first)
        #expect(version.provenance.commit == commit && version.provenance.repository == remote)
        let digest = ObjectID.of(Array(edited.utf8)).hex
        #expect(version.provenance.settingsDigest == digest, "provenance names the script's sha256")
        #expect(version.provenance.modelSource?.hasPrefix("gpt2 = ") == true, "\(String(describing: version.provenance.modelSource))")

        let text = try WFBinary.run(["datasets", "cat", "demo-dataset", "outputs.txt", "--home", home]).stdout
        for index in 1...5 { #expect(text.contains("---\nOutput \(index) of 5\n---\n\nHello, I'm a language model,"), "\(text)") }
        #expect(!text.contains("Output 6"))
        let json = try WFBinary.run(["datasets", "cat", "demo-dataset", "outputs.json", "--home", home]).stdout
        let outputs = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let settings = try #require(outputs["settings"] as? [String: Any])
        #expect(settings["seed"] as? Int == 7 && settings["max_length"] as? Int == 30 && settings["num_return_sequences"] as? Int == 5)
        #expect(settings["temperature"] as? Double == 0.7 && settings["top_k"] as? Int == 50 && settings["do_sample"] as? Bool == true)
        let sources = try #require(outputs["sources"] as? [String: String])
        #expect(sources["seed"] == "repo/nlp_text_generation.py:21" && sources["max_length"] == "repo/nlp_text_generation.py:22", "\(sources)")
        #expect(sources["temperature"] == "default of the text-generation pipeline (transformers 5)", "\(sources)")
        let sequences = try #require(outputs["sequences"] as? [[String: Any]])
        #expect(sequences.count == 5 && sequences.allSatisfy { ($0["prompt_ids"] as? [Int] ?? []).count + ($0["generated_ids"] as? [Int] ?? []).count <= 30 })
        daemon.stop()
    }

    /// `wf validate` recognises the tutorial's script job and prints the job that replaces it;
    /// the model is never silently another one.
    @Test func validateSuggestsTheNativeJobAndAMissingModelSaysWhatToDo() throws {
        let work = try clone()
        let workflow = "\(work)/.gradient/workflows/nlp-text-generation.yaml"
        let validated = try WFBinary.run(["validate", workflow])
        #expect(validated.status == 0)
        #expect(validated.stdout.contains("job generateText runs nlp_text_generation.py, which builds a transformers text-generation pipeline (line 27)"),
                "\(validated.stdout)")
        #expect(validated.stdout.contains("    uses: text-generation@v1\n    with:\n      settings: repo/nlp_text_generation.py"), "\(validated.stdout)")
        // Run on this machine's system, the unchanged job fails (no transformers here); wf says what to do.
        if WorkflowRepository.sandboxWorks {
            let failed = try WFBinary.run(["run", "--runtime", "bwrap", "--home", scratch("bwrap-home")], in: work)
            #expect(failed.status != 0 && failed.stderr.contains("(or run `wf migrate "), "\(failed.stderr)")
        }

        #expect(try WFBinary.run(["migrate", workflow]).status == 0)
        let home = scratch("home")
        let offline = ["HF_HUB_CACHE": scratch("empty-cache"), "HF_HUB_OFFLINE": "1"]
        let missing = try WFBinary.run(["run", "--home", home], environment: offline, in: work)
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("model gpt2 (named in repo/nlp_text_generation.py:27) cannot be loaded")
                && missing.stderr.contains("--model gpt2=PATH"), "\(missing.stderr)")
        // Mapped to a local folder, the same run works, and provenance says where gpt2 came from.
        let mapped = try WFBinary.run(["run", "--home", home, "--model", "gpt2=\(Fixtures.path("models/tiny"))"], environment: offline, in: work)
        #expect(mapped.status == 0, "\(mapped.stderr)")
        let show = try WFBinary.run(["datasets", "show", "demo-dataset", "--home", home]).stdout
        #expect(show.contains("model from gpt2 = \(Fixtures.path("models/tiny")) (--model)"), "\(show)")
        // The migration is not committed: provenance says the content is not the commit's alone.
        #expect(show.contains("with uncommitted changes"), "\(show)")
    }

    /// Each mistake in a script config: one line naming the file, line and name, nothing committed.
    @Test func badScriptConfigsFailWithOneLineAndCommitNothing() throws {
        let work = try clone()
        #expect(try WFBinary.run(["migrate", "\(work)/.gradient/workflows/nlp-text-generation.yaml"]).status == 0)
        _ = try git(work, "commit", "-q", "-am", "native")
        let script = "\(work)/nlp_text_generation.py"
        let original = try String(contentsOfFile: script, encoding: .utf8)
        let home = scratch("home")
        let cases: [(String, String, String)] = [
            ("max_length = 30", "max_length = 10 * 3", "nlp_text_generation.py:22"),
            ("num_return_sequences = num_return_sequences)", "num_return_sequences = num_return_sequences, beams = 2)", "beams"),
            ("generator = pipeline('text-generation', model='gpt2')", "generator = None", "pipeline"),
            ("initial_sentence = \"Hello, I'm a language model,\"", "initial_sentence = open('prompt.txt').read()", "initial_sentence"),
        ]
        for (old, new, named) in cases {
            try original.replacingOccurrences(of: old, with: new).write(toFile: script, atomically: true, encoding: .utf8)
            let result = try WFBinary.run(["run", "--home", home, "--model", "gpt2=\(Fixtures.path("models/tiny"))"], in: work)
            #expect(result.status != 0, "\(new)")
            let line = result.stderr.split(separator: "\n").first { $0.contains("nlp_text_generation.py") } ?? ""
            #expect(line.contains(named), "\(new): \(result.stderr)")
            // wf validate reads the script as the run does, and finds the same problem.
            let validated = try WFBinary.run(["validate"], in: work)
            #expect(validated.status != 0 && validated.stdout.contains(named), "\(new): \(validated.stdout)")
        }
        #expect(!(try WFBinary.run(["datasets", "ls", "--home", home]).stdout.contains("demo-dataset")))
    }
}
