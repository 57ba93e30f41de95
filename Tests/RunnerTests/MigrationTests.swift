import Foundation
import Testing
import TestSupport
import Workflows
@testable import Runner

/// `wf migrate`'s edit of the Gradient tutorial's workflow: only the job's `uses:` and `with:`.
struct MigrationTests {
    let scratch = Scratch("wf-migration")

    @Test func theTutorialsJobMovesToTextGenerationKeepingEverythingElse() throws {
        let checkout = scratch("tutorial")
        try Shell.run("git", ["clone", "-q", Fixtures.shared("seed-repos/NLP-Text-Generation.bundle"), checkout])
        let file = "\(checkout)/.gradient/workflows/nlp-text-generation.yaml"
        let text = try String(contentsOfFile: file, encoding: .utf8)
        let spec = try WorkflowParser.parse(text, file: file)
        let found = PipelineMigration.find(in: spec, checkout: checkout)
        #expect(found == [PipelineMigration(job: "generateText", input: "repo", script: "nlp_text_generation.py", pipelineLine: 27, model: "gpt2")])
        let migration = try #require(found.first)
        let job = try #require(spec.job(named: "generateText"))
        let migrated = try migration.apply(to: text, job: job)
        let after = try WorkflowParser.parse(migrated, file: file)
        let moved = try #require(after.job(named: "generateText"))
        #expect(moved.action == .textGeneration && moved.with == ["settings": .literal("repo/nlp_text_generation.py")])
        #expect(moved.needs == job.needs && moved.inputs == job.inputs && moved.outputs == job.outputs && moved.instanceType == job.instanceType)
        #expect(after.job(named: "cloneRepo") == spec.job(named: "cloneRepo"))
        // Every line but the script's is kept, comments included.
        let removed = Set(text.components(separatedBy: "\n")).subtracting(migrated.components(separatedBy: "\n"))
        #expect(removed.allSatisfy { $0.contains("uses: script@v1") || $0.hasPrefix("        ") || $0.contains("image:") || $0.contains("script: |-") },
                "\(removed)")
        #expect(migrated.contains("# Appendix: Extra details") && migrated.contains("# YAML file for Paperspace Gradient"))
        #expect(try migration.replacement(in: text, job: job).hasSuffix("    uses: text-generation@v1\n    with:\n      settings: repo/nlp_text_generation.py"))
    }

    @Test func scriptLinesNameThePythonFile() {
        #expect(PipelineMigration.pythonFiles(in: "cd /nlp\npython3 nlp_text_generation.py\nmv output.txt /outputs/x") == ["nlp_text_generation.py"])
        #expect(PipelineMigration.pythonFiles(in: "python -u 'run.py' --fast") == ["run.py"])
        #expect(PipelineMigration.pythonFiles(in: "pip3 install -U transformers") == [])
    }
}
