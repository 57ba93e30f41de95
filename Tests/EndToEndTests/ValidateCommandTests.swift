import Foundation
import Testing
import TestSupport

/// `wf validate` through the real binary.
@Suite struct ValidateCommandTests {
    let scratch = Scratch("wf-validate")

    @Test func reportsOrderForGoodFilesAndLocatedErrorsForBadOnes() throws {
        let good = try scratch.write("checkout/.gradient/workflows/nlp.yaml", """
            on:
              github:
                branches:
                  only: main
            jobs:
              cloneRepo:
                uses: git-checkout@v1
                outputs:
                  repo: {type: volume}
                with: {url: context.event.github.url}
              generateText:
                uses: script@v1
                needs: [cloneRepo]
                inputs:
                  repo: cloneRepo.outputs.repo
                outputs:
                  generatedText: {type: dataset, with: {ref: generated-text}}
                with: {script: echo hi}
            """)
        let ok = try WFBinary.run(["validate", good])
        #expect(ok.status == 0)
        #expect(ok.stdout == "ok \(good): 2 jobs: cloneRepo → generateText\n")
        // Without arguments: the checkout's .gradient/workflows.
        try FileManager.default.createDirectory(atPath: scratch("checkout/.git"), withIntermediateDirectories: true)
        #expect(try WFBinary.run(["validate"], in: scratch("checkout")).stdout.hasPrefix("ok "))

        let bad = try scratch.write("bad.yaml", "jobs:\n  a:\n    uses: script@v1\n    with: {script: x}\n    needs: [ghost]\n")
        let failed = try WFBinary.run(["validate", good, bad])
        #expect(failed.status == 1)
        #expect(failed.stdout.contains("\(bad):5:5: jobs.a.needs: no job named ghost"), "\(failed.stdout)")
    }

    /// The project's own workflow and every example in workflows/ are valid.
    @Test func theProjectsWorkflowsValidate() throws {
        let examples = try FileManager.default.contentsOfDirectory(atPath: Fixtures.checkout("workflows")).filter { $0.hasSuffix(".yaml") }
        #expect(examples.count >= 3)
        let files = [Fixtures.checkout(".gradient/workflows/nlp-text-generation.yaml")] + examples.map { Fixtures.checkout("workflows/\($0)") }
        let result = try WFBinary.run(["validate"] + files)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.components(separatedBy: "\nok ").count == files.count, "\(result.stdout)")
    }
}
