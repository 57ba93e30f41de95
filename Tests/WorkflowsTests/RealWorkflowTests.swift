import Foundation
import Testing
import TestSupport
@testable import Workflows

/// Real Gradient workflow files copied verbatim from public repositories (see
/// `Tests/Fixtures/workflows/real/SOURCES.md`). Each case pins down what the parser does with
/// the file today: it parses (with the jobs and trigger it should read), or it fails with
/// exactly these located errors. A failure here means the parser's behaviour on real input changed.
@Suite struct RealWorkflowTests {
    struct ExpectedError: Sendable {
        var line: Int
        var column: Int
        var keyPath: String
        /// A distinctive part of the message.
        var message: String
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var file: String
        /// When the file parses: its jobs in file order.
        var jobs: [String] = []
        /// When the file parses: `on.github.branches.only`, or nil for no `on:` key.
        var branches: [String]? = nil
        /// When the file parses: `defaults.resources.instance-type`.
        var defaultInstanceType: String? = nil
        /// When the file fails: every error, in the order the parser reports them.
        var errors: [ExpectedError] = []

        var testDescription: String { file }
        var parses: Bool { errors.isEmpty }
    }

    static func error(_ line: Int, _ column: Int, _ keyPath: String, _ message: String) -> ExpectedError {
        ExpectedError(line: line, column: column, keyPath: keyPath, message: message)
    }

    static let cases: [Case] = [
        // container@v1 `args:` is a list, as in every real file.
        Case(file: "01-mnist-sample.yaml", jobs: ["CloneRepo", "TrainModel"], branches: ["main"]),
        Case(file: "02-first-order-model.yaml", jobs: ["PrepareModel", "ValidateModel"], branches: ["master"]),
        // `on:` indented by one space; one job left, the rest commented out.
        Case(file: "03-numerai-models.yaml", jobs: ["cloneNumeraiModelsRepo"], branches: ["main"], defaultInstanceType: "P4000"),
        // The file itself is broken: `url:` under `with:` is indented by 3 spaces.
        Case(file: "04-stylegan2-ada.yaml", errors: [
            error(10, 4, "", "invalid YAML: did not find expected key"),
        ]),
        Case(file: "05-clmbot.yaml", jobs: ["CloneRepo", "HelloWorld"], branches: ["main"]),
        Case(file: "06-llama2c.yaml", jobs: ["CloneRepo", "TrainModel"], branches: ["main"], defaultInstanceType: "P6000"),
        Case(file: "07-llm-from-scratch.yaml", jobs: ["CloneRepo", "TrainModel"], branches: ["main"]),
        Case(file: "08-plasma-jl.yaml", jobs: ["CloneRepo", "HelloWorld"], branches: ["master"]),
        // Dataset input and output by `with: id:`, the older Gradient spelling of `ref:`.
        Case(file: "09-object-detection-segmentation.yaml", jobs: ["cloneRepo", "maskRCNN", "uploadModel", "runDeploy"],
             branches: ["main"]),
        // Five `script:` keys in one `with:`: a broken file, located at the first duplicate.
        Case(file: "10-kniffel.yaml", errors: [
            error(24, 7, "script", "appears more than once in its mapping; keep one"),
        ]),
        Case(file: "11-novel-defect-detection.yaml", jobs: ["cloneRepo", "generateText"], branches: ["main"]),
        Case(file: "12-stylegan2-download-and-extract-data.yaml", jobs: ["getCatImageDatabase", "cloneStyleGAN2Repo", "extractImages"],
             defaultInstanceType: "C5"),
        Case(file: "13-nuvoola.yaml", jobs: ["CloneRepo", "EfficientNet-B2"], branches: ["main"]),
        // Same `args:` list as 01.
        Case(file: "14-model-test.yaml", jobs: ["CloneRepo", "TrainModel"], branches: ["main"]),
        // Four-space indentation throughout.
        Case(file: "15-paper-rl-trading-bot.yaml", jobs: ["CloneRepo", "TrainModel"], branches: ["main"]),
        // container@v1 written like a Docker build/deployment spec, with no image.
        Case(file: "16-visual-assistant-deployment.yaml", errors: [
            error(24, 7, "jobs.BuildAndDeploy.with.context", "container@v1 takes args, command, image"),
            error(25, 7, "jobs.BuildAndDeploy.with.dockerfile", "container@v1 takes args, command, image"),
            error(26, 7, "jobs.BuildAndDeploy.with.build_args", "container@v1 takes args, command, image"),
            error(29, 7, "jobs.BuildAndDeploy.with.ports", "container@v1 takes args, command, image"),
            error(32, 7, "jobs.BuildAndDeploy.with.env", "container@v1 takes args, command, image"),
            error(22, 11, "jobs.BuildAndDeploy.with.image", "container@v1 needs with: image"),
        ]),
        Case(file: "17-ml-workflow-primer.yaml", jobs: ["CloneRepo", "Primer"]),
        Case(file: "18-land-classification.yaml", jobs: ["CloneRepo", "HelloWorld"], branches: ["gradient_workflow"]),
        Case(file: "19-nebula3-sprint4.yaml", jobs: ["cloneStyleGAN2Repo", "printEnv1", "printEnv2"]),
    ]

    static func text(_ file: String) throws -> String {
        try String(contentsOfFile: Fixtures.path("workflows/real/\(file)"), encoding: .utf8)
    }

    @Test(arguments: cases) func realWorkflow(_ c: Case) throws {
        let text = try Self.text(c.file)
        if c.parses {
            let spec = try WorkflowParser.parse(text, file: c.file)
            #expect(spec.jobs.map(\.name) == c.jobs)
            #expect(spec.trigger == c.branches.map { Trigger(branches: $0, ignoredBranches: [], tags: []) })
            #expect(spec.defaults.instanceType == c.defaultInstanceType)
            return
        }
        let errors: [WorkflowError]
        do {
            _ = try WorkflowParser.parse(text, file: c.file)
            Issue.record("\(c.file) parsed, but it should fail with \(c.errors.count) error(s)")
            return
        } catch let failure as WorkflowErrors {
            errors = failure.errors
        }
        #expect(errors.count == c.errors.count, "\(errors.map(\.description))")
        for (actual, expected) in zip(errors, c.errors) {
            let prefix = "\(c.file):\(expected.line):\(expected.column): \(expected.keyPath.isEmpty ? "" : expected.keyPath + ": ")"
            #expect(actual.file == c.file)
            #expect(actual.line == expected.line && actual.column == expected.column, "\(actual)")
            #expect(actual.keyPath == expected.keyPath, "\(actual)")
            #expect(actual.description.hasPrefix(prefix), "\(actual)")
            #expect(actual.message.contains(expected.message), "\(actual)")
        }
    }

    /// Every fixture in the folder has a case, so a new file cannot be left unchecked.
    @Test func everyFixtureHasACase() throws {
        let folder = Fixtures.path("workflows/real")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".yaml") }.sorted()
        #expect(files == Self.cases.map(\.file).sorted())
    }

    /// Values that real files spell with secrets and context references are read as such.
    @Test func secretsAndContextValues() throws {
        let clmbot = try WorkflowParser.parse(Self.text("05-clmbot.yaml"), file: "05-clmbot.yaml")
        let clone = try #require(clmbot.job(named: "CloneRepo"))
        #expect(clone.action == .gitCheckout)
        #expect(clone.with["url"] == .context("event.github.url"))
        #expect(clone.with["username"] == .secret("GITHUB_USERNAME"))
        #expect(clone.with["password"] == .secret("GITHUB_PASSWORD"))

        let llama = try WorkflowParser.parse(Self.text("06-llama2c.yaml"), file: "06-llama2c.yaml")
        #expect(llama.defaults.env == ["UPLOAD_URL_BASE": .secret("UPLOAD_URL_BASE"), "UPLOAD_KEY": .secret("UPLOAD_KEY")])
        #expect(llama.job(named: "TrainModel")?.outputs["model"] == .dataset(ref: "demo-dataset"))

        let defect = try WorkflowParser.parse(Self.text("11-novel-defect-detection.yaml"), file: "11-novel-defect-detection.yaml")
        #expect(defect.job(named: "cloneRepo")?.with["ref"] == .context("event.github.ref"))
        #expect(defect.job(named: "generateText")?.instanceType == "A4000")
    }

    /// Inline dataset inputs, job env and per-job instance types as real files write them.
    @Test func inputsAndEnv() throws {
        let nuvoola = try WorkflowParser.parse(Self.text("13-nuvoola.yaml"), file: "13-nuvoola.yaml")
        let train = try #require(nuvoola.job(named: "EfficientNet-B2"))
        #expect(train.inputs == ["repo": .output(job: "CloneRepo", name: "repo"), "vehciles_tdg_test2": .dataset(ref: "dsrz5za640fptze")])

        let plasma = try WorkflowParser.parse(Self.text("08-plasma-jl.yaml"), file: "08-plasma-jl.yaml")
        #expect(plasma.job(named: "HelloWorld")?.env == ["JULIA_PROJECT": .literal("inputs/repo/")])

        let sprint = try WorkflowParser.parse(Self.text("19-nebula3-sprint4.yaml"), file: "19-nebula3-sprint4.yaml")
        #expect(sprint.job(named: "printEnv2")?.env == ["PIPELINE_ID": .literal("12345678")])
        #expect(WorkflowValidator.layers(of: sprint) == [["cloneStyleGAN2Repo"], ["printEnv1", "printEnv2"]])

        let bot = try WorkflowParser.parse(Self.text("15-paper-rl-trading-bot.yaml"), file: "15-paper-rl-trading-bot.yaml")
        #expect(bot.jobs.map(\.instanceType) == ["Free-GPU", "Free-GPU"])
    }
}
