import Datasets
import Foundation
import Testing
import TestSupport

/// `wf run` through the real binary, in a real git repository made in a temporary folder.
@Suite struct RunCommandTests {
    let scratch = Scratch("wf-run")

    static let workflow = """
        on:
          github:
            branches:
              only: main
        jobs:
          cloneRepo:
            outputs:
              repo:
                type: volume
            uses: git-checkout@v1
            with:
              url: context.event.github.url
          generateText:
            needs: [cloneRepo]
            inputs:
              repo: cloneRepo.outputs.repo
            outputs:
              generatedText:
                type: dataset
                with:
                  ref: generated-text
            uses: text-generation@v1
            with:
              settings: repo/settings.json
        """

    /// A repository with `workflow`, a settings file and the tiny fixture model, committed.
    func makeRepository(settings: String = WorkflowRepository.defaultSettings, workflow: String = RunCommandTests.workflow) throws -> WorkflowRepository {
        try WorkflowRepository(in: scratch, workflow: workflow, settings: settings)
    }

    func history(_ home: String) throws -> [VersionInfo] {
        try SnakeCaseJSON.decoder.decode([VersionInfo].self, from: Data(try WFBinary.run(["datasets", "ls", "generated-text", "--json", "--home", home]).stdout.utf8))
    }

    @Test func runsTheWorkflowAndCommitsAVersionTracedToTheCommit() throws {
        let repo = try makeRepository()
        let home = scratch("home")
        let first = try WFBinary.run(["run", repo.workflowFile, "--home", home])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.hasPrefix("committed generated-text:"))
        let version = try #require(try history(home).first), commit = try repo.git("rev-parse", "HEAD")
        #expect(version.provenance.commit == commit)
        #expect(version.provenance.workflow == ".gradient/workflows/nlp.yaml" && version.provenance.job == "generateText")
        #expect(version.provenance.settingsDigest != nil && version.provenance.modelDigest != nil)
        let text = try WFBinary.run(["datasets", "cat", "generated-text", "outputs.txt", "--home", home]).stdout
        // The Gradient tutorial's layout: ---, Output i of n, ---, a blank line, the text.
        #expect(text.hasPrefix("---\nOutput 1 of 2\n---\n\nROMEO:") && text.contains("\n\n---\nOutput 2 of 2\n---\n\nROMEO:"), "\(text)")

        // The same settings and seed give the same content: the same tree.
        #expect(try WFBinary.run(["run", repo.workflowFile, "--home", home]).status == 0)
        let twice = try history(home)
        #expect(twice.count == 2 && twice[0].tree == twice[1].tree)

        // A push that changes the settings gives new text, traced to the new commit.
        try scratch.write("repo/settings.json", #"{"prompt": "JULIET:", "seed": 7, "max_length": 20, "model": "models/tiny"}"#)
        try repo.git("commit", "-q", "-am", "new prompt")
        #expect(try WFBinary.run(["run", repo.workflowFile, "--home", home]).status == 0)
        let third = try history(home), head = try repo.git("rev-parse", "HEAD")
        #expect(third[0].tree != third[1].tree && third[0].provenance.commit == head)
        #expect(try WFBinary.run(["datasets", "diff", "generated-text~1", "generated-text", "--home", home]).stdout.contains("+JULIET:"))
    }

    /// The store and the repository are two things: with `WF_HOME` set elsewhere (as the
    /// daemon's docs suggest), `wf run` and `wf validate` still find the workflows of the
    /// checkout the user stands in, and the versions go to `WF_HOME`.
    @Test func theHomeAndTheCheckoutStayApart() throws {
        let repo = try makeRepository()
        let home = scratch("elsewhere")
        let validated = try WFBinary.run(["validate"], environment: ["WF_HOME": home], in: repo.path)
        #expect(validated.status == 0 && validated.stdout.contains("ok .gradient/workflows/nlp.yaml"), "\(validated.stdout)\(validated.stderr)")
        let ran = try WFBinary.run(["run"], environment: ["WF_HOME": home], in: repo.path)
        #expect(ran.status == 0, "\(ran.stderr)")
        #expect(try history(home).count == 1)
        #expect(!FileManager.default.fileExists(atPath: "\(repo.path)/datasets"))
    }

    @Test func unsupportedStepsAndBadSettingsFailClearlyAndCommitNothing() throws {
        let repo = try makeRepository(settings: #"{"prompt": "x", "temprature": 0.5}"#)
        let home = scratch("home")
        let bad = try WFBinary.run(["run", repo.workflowFile, "--home", home])
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("settings file repo/settings.json: unknown key temprature"), "\(bad.stderr)")
        let s3 = RunCommandTests.workflow.replacingOccurrences(of: "uses: text-generation@v1\n    with:\n      settings: repo/settings.json",
                                                               with: "uses: s3-download@v1\n    with:\n      url: s3://bucket/data")
        try repo.write(workflow: s3)
        let refused = try WFBinary.run(["run", repo.workflowFile, "--home", home],
                                       environment: ["AWS_ACCESS_KEY_ID": "", "AWS_SHARED_CREDENTIALS_FILE": scratch("no-credentials"), "AWS_PROFILE": ""])
        #expect(refused.status != 0 && refused.stderr.contains("no S3 credentials"), "\(refused.stderr)")
        let listed = try WFBinary.run(["datasets", "ls", "--json", "--home", home]).stdout
        #expect(!listed.contains("generated-text"), "a failed run committed: \(listed)")
    }

    /// A script step reads its input volume, writes a dataset output, cannot write the
    /// system or reach the network, and a failing script fails the run with nothing committed.
    @Test(.enabled(if: WorkflowRepository.sandboxWorks, "bubblewrap cannot create a sandbox here"))
    func scriptStepsRunInTheSandbox() throws {
        let workflow = """
            jobs:
              cloneRepo:
                outputs:
                  repo: {type: volume}
                uses: git-checkout@v1
                with: {url: context.event.github.url}
              count:
                needs: [cloneRepo]
                inputs: {repo: cloneRepo.outputs.repo}
                outputs:
                  report: {type: dataset, with: {ref: report}}
                env: {GREETING: hello}
                uses: script@v1
                with:
                  image: python:3.11
                  script: |-
                    wc -c < /inputs/repo/settings.json > /outputs/report/bytes.txt
                    echo "$GREETING from the sandbox" > /outputs/report/greeting.txt
                    if touch /usr/escape 2>/dev/null; then echo writable > /outputs/report/system.txt; fi
                    if touch /inputs/repo/escape 2>/dev/null; then echo writable > /outputs/report/input.txt; fi
                    if getent hosts example.com >/dev/null 2>&1; then echo online > /outputs/report/network.txt; fi
                    echo done
            """
        let repo = try makeRepository(workflow: workflow)
        let home = scratch("home")
        let result = try WFBinary.run(["run", repo.workflowFile, "--runtime", "bwrap", "--home", home])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("[count] done") && result.stderr.contains("image python:3.11 is recorded, not run"))
        let files = try WFBinary.run(["datasets", "show", "report", "--json", "--home", home]).stdout
        #expect(files.contains("bytes.txt") && files.contains("greeting.txt"))
        #expect(!files.contains("system.txt") && !files.contains("input.txt") && !files.contains("network.txt"), "\(files)")
        #expect(try WFBinary.run(["datasets", "cat", "report", "greeting.txt", "--home", home]).stdout == "hello from the sandbox\n")

        let failing = workflow.replacingOccurrences(of: "echo done", with: "exit 3")
        try repo.write(workflow: failing)
        let failed = try WFBinary.run(["run", repo.workflowFile, "--runtime", "bwrap", "--home", home])
        #expect(failed.status != 0 && failed.stderr.contains("job count failed: the script exited with status 3"), "\(failed.stderr)")
        let history = try WFBinary.run(["datasets", "ls", "report", "--json", "--home", home]).stdout
        #expect(history.components(separatedBy: "\"sequence\"").count == 2, "a failed run must commit nothing")
    }

    /// An output file whose name is not UTF-8 is named in the error (it was once reported as an
    /// empty output: the walk that looked for files had turned the name into text).
    @Test(.enabled(if: WorkflowRepository.sandboxWorks, "bubblewrap cannot create a sandbox here"))
    func anOutputNameThatIsNotUTF8IsNamed() throws {
        let repo = try makeRepository(workflow: """
            jobs:
              j:
                outputs:
                  out: {type: dataset, with: {ref: odd}}
                uses: script@v1
                with:
                  script: printf x > "/outputs/out/bad$(printf '\\377').txt"
            """)
        let home = scratch("home")
        let result = try WFBinary.run(["run", repo.workflowFile, "--runtime", "bwrap", "--home", home])
        #expect(result.status != 0 && result.stderr.contains("out/bad\\xFF.txt: its name is not valid UTF-8"), "\(result.stderr)")
        #expect(!result.stderr.contains("is empty"))
    }

    /// Several jobs may write one dataset (experiments adding to one results dataset): a
    /// version each, committed in the workflow's job order (`wf validate` once refused this).
    @Test(.enabled(if: WorkflowRepository.sandboxWorks, "bubblewrap cannot create a sandbox here"))
    func severalJobsMayWriteOneDataset() throws {
        let workflow = """
            jobs:
              second:
                outputs:
                  out: {type: dataset, with: {ref: results}}
                uses: script@v1
                with: {script: "echo second > /outputs/out/who.txt"}
              first:
                outputs:
                  out: {type: dataset, with: {ref: results}}
                uses: script@v1
                with: {script: "echo first > /outputs/out/who.txt"}
            """
        let repo = try makeRepository(workflow: workflow)
        let home = scratch("home")
        #expect(try WFBinary.run(["validate", repo.workflowFile]).status == 0)
        let result = try WFBinary.run(["run", repo.workflowFile, "--runtime", "bwrap", "--home", home])
        #expect(result.status == 0, "\(result.stderr)")
        // File order: `second` is written first, so `first` is the newest version.
        #expect(try WFBinary.run(["datasets", "cat", "results~1", "who.txt", "--home", home]).stdout == "second\n")
        #expect(try WFBinary.run(["datasets", "cat", "results", "who.txt", "--home", home]).stdout == "first\n")
    }

    /// SIGTERM during a step stops the sandboxed script with wf and commits nothing.
    @Test(.enabled(if: WorkflowRepository.sandboxWorks, "bubblewrap cannot create a sandbox here"))
    func aTerminatedRunLeavesNoVersionAndNoStep() throws {
        let workflow = """
            jobs:
              slow:
                outputs:
                  result: {type: dataset, with: {ref: slow-result}}
                uses: script@v1
                with:
                  script: |-
                    echo started > /outputs/result/partial.txt
                    echo started
                    sleep 30
            """
        let repo = try makeRepository(workflow: workflow)
        let home = scratch("home")
        let process = try WFBinary.start(["run", repo.workflowFile, "--home", home], stdoutFile: scratch("out.txt"))
        // Wait until the script has started (its log says so), then stop wf.
        var log: String?
        for _ in 0..<400 where process.isRunning {
            log = (try? FileManager.default.subpathsOfDirectory(atPath: "\(home)/runs"))?.first { $0.hasSuffix("log.txt") }
            if let log, let text = try? String(contentsOfFile: "\(home)/runs/\(log)", encoding: .utf8), text.contains("started") { break }
            usleep(25_000)
        }
        try #require(log != nil, "the step never started")
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        #expect(process.terminationStatus != 0)
        // The sandbox dies with wf (bubblewrap's --die-with-parent); on a loaded machine its
        // teardown takes a moment, so look for a few seconds, far less than the script's 30.
        var outlived = true
        for _ in 0..<50 where outlived {
            outlived = try Shell.run("pgrep", ["-f", "sleep 30"]).status != 1
            if outlived { usleep(100_000) }
        }
        #expect(!outlived, "the sandboxed script outlived wf")
        let listed = try WFBinary.run(["datasets", "ls", "--json", "--home", home]).stdout
        #expect(!listed.contains("slow-result"), "a stopped run committed: \(listed)")
        // The record outlives the process and says the run was cut off.
        let runs = try WFBinary.run(["runs", "ls", "--json", "--home", home]).stdout
        #expect(runs.contains(#""status" : "interrupted""#), "\(runs)")
    }
}
