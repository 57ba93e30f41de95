import Datasets
import Foundation
import Testing
import TestSupport

/// `wf run` beyond one job: parallel jobs, failures that stop dependents, string outputs,
/// workflow inputs, secrets, train@v1 and create-model@v1, and the records `wf runs` shows.
@Suite struct RunJobsTests {
    let scratch = Scratch("wf-jobs")

    func runRecord(_ id: String, home: String) throws -> RunRecord {
        let shown = try WFBinary.run(["runs", "show", id, "--json", "--home", home])
        #expect(shown.status == 0, "\(shown.stderr)")
        return try SnakeCaseJSON.decoder.decode(RunRecord.self, from: Data(shown.stdout.utf8))
    }

    func latestRun(home: String) throws -> RunRecord {
        let listed = try SnakeCaseJSON.decoder.decode([RunRecord].self, from: Data(try WFBinary.run(["runs", "ls", "--json", "--home", home]).stdout.utf8))
        return try #require(listed.first)
    }

    static let parallelWorkflow = """
        jobs:
          first:
            outputs:
              word: {type: string}
            uses: script@v1
            with:
              script: |-
                sleep 1
                echo alpha > /outputs/word
          second:
            outputs:
              other: {type: volume}
            uses: script@v1
            with:
              script: |-
                sleep 1
                echo beta > /outputs/other/word.txt
          third:
            needs: [first]
            inputs:
              word: first.outputs.word
              note: {type: string, with: {value: from an inline input}}
            outputs:
              result: {type: dataset, with: {ref: words}}
            uses: script@v1
            with:
              script: |-
                cat /inputs/word > /outputs/result/word.txt
                cat /inputs/note > /outputs/result/note.txt
          fourth:
            needs: [second]
            inputs: {other: second.outputs.other}
            outputs:
              copy: {type: dataset, with: {ref: copies}}
            uses: script@v1
            with:
              script: cp /inputs/other/word.txt /outputs/copy/
        """

    @Test(.enabled(if: WorkflowRepository.sandboxWorks, "bubblewrap cannot create a sandbox here"))
    func independentJobsRunSideBySideAndStringOutputsFeedLaterJobs() throws {
        let repo = try WorkflowRepository(in: scratch, workflow: Self.parallelWorkflow)
        let home = scratch("home")
        let result = try WFBinary.run(["run", repo.workflowFile, "--home", home])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("first.word = alpha"), "\(result.stdout)")
        #expect(try WFBinary.run(["datasets", "cat", "words", "word.txt", "--home", home]).stdout == "alpha\n")  // the file as the job wrote it
        #expect(try WFBinary.run(["datasets", "cat", "words", "note.txt", "--home", home]).stdout == "from an inline input")
        #expect(try WFBinary.run(["datasets", "cat", "copies", "word.txt", "--home", home]).stdout == "beta\n")

        let run = try latestRun(home: home)
        #expect(run.status == .succeeded && run.jobs.count == 4 && run.jobs.allSatisfy { $0.status == .succeeded })
        let first = try #require(run.jobs.first { $0.name == "first" }), second = try #require(run.jobs.first { $0.name == "second" })
        // Each sleeps a second; side by side, each starts before the other ends.
        #expect(first.started! < second.finished! && second.started! < first.finished!, "\(first) \(second)")
        #expect(first.outputs["word"] == "alpha")
        #expect(run.jobs.first { $0.name == "third" }?.outputs["result"]?.hasPrefix("words:") == true)

        // One job at a time: they no longer overlap.
        #expect(try WFBinary.run(["run", repo.workflowFile, "--home", home, "--parallel", "1"]).status == 0)
        let serial = try latestRun(home: home).jobs
        for (a, b) in zip(serial, serial.dropFirst()) { #expect(a.finished! <= b.started!, "\(a.name) and \(b.name) overlapped") }
    }

    @Test(.enabled(if: WorkflowRepository.sandboxWorks, "bubblewrap cannot create a sandbox here"))
    func aFailedJobStopsItsDependentsAndTheRunCommitsNothing() throws {
        let failing = Self.parallelWorkflow.replacingOccurrences(of: "echo beta > /outputs/other/word.txt", with: "echo going wrong; exit 4")
        let repo = try WorkflowRepository(in: scratch, workflow: failing)
        let home = scratch("home")
        let result = try WFBinary.run(["run", repo.workflowFile, "--home", home])
        #expect(result.status != 0)
        #expect(result.stderr.contains("failed; nothing was committed"), "\(result.stderr)")
        #expect(result.stderr.contains("job second failed: the script exited with status 4"), "\(result.stderr)")
        #expect(result.stderr.contains("job fourth was not run: it needs second"), "\(result.stderr)")
        #expect(!(try WFBinary.run(["datasets", "ls", "--json", "--home", home]).stdout.contains("words")), "a failed run committed")

        let run = try latestRun(home: home)
        let states = Dictionary(uniqueKeysWithValues: run.jobs.map { ($0.name, $0.status) })
        #expect(run.status == .failed && run.summary?.contains("job second failed") == true)
        #expect(states == ["first": .succeeded, "second": .failed, "third": .succeeded, "fourth": .skipped])
        let logs = try WFBinary.run(["runs", "logs", String(run.id.prefix(12)), "--job", "second", "--home", home])
        #expect(logs.stdout.contains("==> second (failed) <==") && logs.stdout.contains("going wrong"), "\(logs.stdout)")
        let table = try WFBinary.run(["runs", "ls", "--home", home]).stdout
        #expect(table.contains(run.id) && table.contains("failed") && table.contains("2/4"), "\(table)")
        #expect(try WFBinary.run(["runs", "show", "run-none", "--home", home]).stderr.contains("no run 'run-none'"))
    }

    /// A run's dataset outputs are committed all or none: the second output holds a FIFO,
    /// which cannot be stored, so the first (committed first, by name) is not committed either.
    @Test(.enabled(if: WorkflowRepository.sandboxWorks, "bubblewrap cannot create a sandbox here"))
    func anOutputThatCannotBeCommittedCommitsNoOtherOutput() throws {
        let fixedWorkflow = """
            jobs:
              write:
                outputs:
                  a: {type: dataset, with: {ref: first-output}}
                  b: {type: dataset, with: {ref: second-output}}
                uses: script@v1
                with:
                  script: |-
                    echo fine > /outputs/a/a.txt
                    echo fine > /outputs/b/b.txt
            """
        let repo = try WorkflowRepository(in: scratch, workflow: fixedWorkflow + "\n        mkfifo /outputs/b/pipe")
        let home = scratch("home")
        let result = try WFBinary.run(["run", repo.workflowFile, "--home", home])
        #expect(result.status != 0 && result.stderr.contains("pipe"), "\(result.stderr)")
        let listed = try WFBinary.run(["datasets", "ls", "--json", "--home", home]).stdout
        #expect(!listed.contains("first-output") && !listed.contains("second-output"), "a failed run committed: \(listed)")
        let run = try latestRun(home: home)
        #expect(run.status == .failed && run.summary?.contains("none was committed") == true, "\(run)")

        // Fixed, the same workflow commits both in one go, and the run record names them.
        try Data(fixedWorkflow.utf8).write(to: URL(fileURLWithPath: repo.workflowFile))
        #expect(try WFBinary.run(["run", repo.workflowFile, "--home", home]).status == 0)
        let fixed = try latestRun(home: home)
        #expect(fixed.status == .succeeded && fixed.jobs[0].outputs.keys.sorted() == ["a", "b"], "\(fixed)")
    }

    /// A script step's sandbox: an /etc of its own (no shadow, no host names), no
    /// capabilities, and the job's limits on processes, file size and /tmp enforced.
    @Test(.enabled(if: WorkflowRepository.sandboxWorks, "bubblewrap cannot create a sandbox here"))
    func aSandboxedStepSeesAMinimalEtcHasNoCapabilitiesAndKeepsItsLimits() throws {
        let repo = try WorkflowRepository(in: scratch, workflow: """
            jobs:
              probe:
                resources:
                  limits: {processes: 32, file-size: 1Mi, tmp-size: 2Mi}
                outputs:
                  report: {type: dataset, with: {ref: report}}
                uses: script@v1
                with:
                  script: |-
                    ls /etc > /outputs/report/etc.txt
                    grep CapEff /proc/self/status > /outputs/report/caps.txt
                    df -k /tmp | tail -1 | awk '{print $2}' > /outputs/report/tmp.txt
                    if dd if=/dev/zero of=/outputs/report/big bs=1k count=2048 2>/dev/null; then echo wrote > /outputs/report/big.txt; fi
                    rm -f /outputs/report/big
                    sh -c 'for i in $(seq 1 64); do sleep 2 & done; wait' 2>/outputs/report/forks.txt || true
            """)
        let home = scratch("home")
        let result = try WFBinary.run(["run", repo.workflowFile, "--home", home])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("limits: memory"), "\(result.stderr)")
        func file(_ name: String) throws -> String { try WFBinary.run(["datasets", "cat", "report", name, "--home", home]).stdout }
        let etc = try file("etc.txt").split(separator: "\n")
        #expect(etc.contains("passwd") && etc.contains("ld.so.cache") && !etc.contains("shadow") && !etc.contains("hostname"), "\(etc)")
        #expect(try file("caps.txt").contains("0000000000000000"))
        #expect(try file("tmp.txt") == "2048\n")
        #expect(try WFBinary.run(["datasets", "cat", "report", "big.txt", "--home", home]).status != 0, "a 2 MiB file was written under a 1 MiB limit")
        #expect(try file("forks.txt").contains("fork"), "64 processes under a limit of 32")
    }

    static let inputsWorkflow = """
        inputs:
          corpus: {type: dataset}
          greeting:
            type: string
            with: {value: hi}
        jobs:
          greet:
            inputs:
              corpus: workflow.inputs.corpus
              greeting: workflow.inputs.greeting
            outputs:
              report: {type: dataset, with: {ref: greeting-report}}
            env:
              TOKEN: secret:API_TOKEN
            uses: script@v1
            with:
              script: |-
                echo "token is $TOKEN"
                printf '%s, %s lines\\n' "$(cat /inputs/greeting)" "$(wc -l < /inputs/corpus/lines.txt)" > /outputs/report/report.txt
                test "$TOKEN" = "s3cr3t-value" && echo token-ok > /outputs/report/token.txt
        """

    @Test(.enabled(if: WorkflowRepository.sandboxWorks, "bubblewrap cannot create a sandbox here"))
    func workflowInputsAndSecretsReachTheStepAndSecretsNeverShow() throws {
        let repo = try WorkflowRepository(in: scratch, workflow: Self.inputsWorkflow)
        let home = scratch("home"), secrets = scratch("secrets")
        let environment = ["WF_SECRETS": secrets]
        try scratch.write("corpus/lines.txt", "one\ntwo\nthree\n")
        #expect(try WFBinary.run(["datasets", "put", "corpus", scratch("corpus/lines.txt"), "--home", home]).status == 0)

        // No secret yet, no corpus given: each refused before anything runs, saying what to do.
        let noCorpus = try WFBinary.run(["run", repo.workflowFile, "--home", home], environment: environment)
        #expect(noCorpus.stderr.contains("workflow input corpus: it has no default") && noCorpus.stderr.contains("--input corpus=VALUE"), "\(noCorpus.stderr)")
        let unknown = try WFBinary.run(["run", repo.workflowFile, "--home", home, "--input", "corpus=corpus", "--input", "colour=red"], environment: environment)
        #expect(unknown.status != 0 && unknown.stderr.contains("workflow input colour"), "\(unknown.stderr)")
        let noSecret = try WFBinary.run(["run", repo.workflowFile, "--home", home, "--input", "corpus=corpus"], environment: environment)
        #expect(noSecret.status != 0 && noSecret.stderr.contains("wf secrets set API_TOKEN"), "\(noSecret.stderr)")
        #expect(try WFBinary.run(["runs", "ls", "--json", "--home", home]).stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "[\n\n]")

        let set = try WFBinary.run(["secrets", "set", "API_TOKEN"], environment: environment, input: "s3cr3t-value\n")
        #expect(set.status == 0 && !set.stdout.contains("s3cr3t"), "\(set.stderr)")
        let attributes = try FileManager.default.attributesOfItem(atPath: "\(secrets)/API_TOKEN")
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        #expect(try WFBinary.run(["secrets", "ls"], environment: environment).stdout == "API_TOKEN\n")
        #expect(try WFBinary.run(["secrets", "set", "bad-name"], environment: environment, input: "x").status != 0)

        let run = try WFBinary.run(["run", repo.workflowFile, "--home", home, "--input", "corpus=corpus", "--input", "greeting=hello"],
                                   environment: environment)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try WFBinary.run(["datasets", "cat", "greeting-report", "report.txt", "--home", home]).stdout == "hello, 3 lines\n")
        #expect(try WFBinary.run(["datasets", "cat", "greeting-report", "token.txt", "--home", home]).stdout == "token-ok\n")
        #expect(run.stderr.contains("token is ***") && !run.stderr.contains("s3cr3t"), "\(run.stderr)")
        let record = try latestRun(home: home)
        #expect(record.inputs == ["corpus": "corpus", "greeting": "hello"])
        let logs = try WFBinary.run(["runs", "logs", record.id, "--home", home]).stdout
        #expect(logs.contains("token is ***") && !logs.contains("s3cr3t"), "\(logs)")
        let saved = try String(contentsOfFile: try #require(record.jobs.first?.log), encoding: .utf8)
        #expect(!saved.contains("s3cr3t"))
        #expect(try WFBinary.run(["secrets", "rm", "API_TOKEN"], environment: environment).status == 0)
        #expect(try WFBinary.run(["secrets", "ls"], environment: environment).stdout.contains("no secrets"))
    }

    /// train@v1 makes a model from a dataset, create-model@v1 commits it, and
    /// text-generation@v1 writes with it: the "train then generate" workflow.
    @Test func aWorkflowTrainsThenGeneratesWithTheModel() throws {
        let workflow = try String(contentsOfFile: Fixtures.checkout("workflows/train-then-generate.yaml"), encoding: .utf8)
            .replacingOccurrences(of: "epochs: 1", with: "epochs: 1\n      layers: 1\n      heads: 2\n      embedding: 16\n      context: 16\n      vocab_size: 300\n      batch_size: 4")
        let repo = try WorkflowRepository(in: scratch, workflow: workflow)
        let home = scratch("home")
        let text = try String(contentsOfFile: Fixtures.shared("corpora/tinyshakespeare.txt"), encoding: .utf8)
        try scratch.write("corpus/input.txt", String(text.prefix(20_000)))
        #expect(try WFBinary.run(["datasets", "put", "shakespeare", scratch("corpus/input.txt"), "--home", home]).status == 0)
        let result = try WFBinary.run(["run", repo.workflowFile, "--home", home, "--input", "corpus=shakespeare", "--no-sandbox"])
        #expect(result.status == 0, "\(result.stderr)")
        let model = try WFBinary.run(["datasets", "show", "shakespeare-model", "--json", "--home", home]).stdout
        for file in ["config.json", "model.safetensors", "vocab.json", "merges.txt", "metrics.csv", "samples.txt", "training.svg"] {
            #expect(model.contains("\"\(file)\""), "the model version lacks \(file)")
        }
        #expect(!model.contains("optimizer.safetensors"))
        let generated = try WFBinary.run(["datasets", "cat", "shakespeare-text", "outputs.txt", "--home", home]).stdout
        #expect(generated.contains("---\n\nROMEO:") && generated.count > 30, "\(generated)")
        let record = try latestRun(home: home)
        let modelID = try #require(record.jobs.first { $0.name == "registerModel" }?.outputs["modelId"])
        #expect(modelID.hasPrefix("shakespeare-model:"))
        #expect(result.stdout.contains("registerModel.modelId = \(modelID)"), "\(result.stdout)")
        let versions = try SnakeCaseJSON.decoder.decode([VersionInfo].self, from: Data(try WFBinary.run(["datasets", "ls", "shakespeare-text", "--json", "--home", home]).stdout.utf8))
        #expect(versions.first?.provenance.modelDigest != nil && versions.first?.provenance.job == "generate")
    }

    @Test func scriptsRunUnconfinedOnlyWhenAsked() throws {
        let workflow = """
            jobs:
              write:
                outputs:
                  out: {type: dataset, with: {ref: unconfined}}
                uses: script@v1
                with:
                  script: echo "outside the sandbox" > "$OUTPUTS_DIR/out/where.txt"
              read:
                needs: [write]
                inputs: {previous: write.outputs.out}
                outputs:
                  copy: {type: dataset, with: {ref: unconfined-copy}}
                uses: script@v1
                with:
                  script: cp "$INPUTS_DIR/previous/where.txt" "$OUTPUTS_DIR/copy/"
            """
        let repo = try WorkflowRepository(in: scratch, workflow: workflow)
        let home = scratch("home")
        let result = try WFBinary.run(["run", repo.workflowFile, "--home", home, "--no-sandbox"])
        #expect(result.status == 0 && result.stderr.contains("running without a sandbox"), "\(result.stderr)")
        #expect(try WFBinary.run(["datasets", "cat", "unconfined", "where.txt", "--home", home]).stdout == "outside the sandbox\n")
        #expect(try WFBinary.run(["datasets", "cat", "unconfined-copy", "where.txt", "--home", home]).stdout == "outside the sandbox\n")

        // The timeout stops a script's background children too, not just the script.
        try repo.write(workflow: """
            jobs:
              linger:
                uses: script@v1
                with:
                  script: |-
                    sleep 31 &
                    sleep 32
            """)
        let started = Date()
        let timedOut = try WFBinary.run(["run", repo.workflowFile, "--home", home, "--no-sandbox", "--timeout", "1"])
        #expect(timedOut.status != 0 && timedOut.stderr.contains("killed after 1 s"), "\(timedOut.stderr)")
        #expect(Date().timeIntervalSince(started) < 20)
        #expect(try Shell.run("pgrep", ["-f", "sleep 31"]).status == 1, "a background child outlived the timeout")
    }

    /// git-checkout@v1 with a url clones that repository at `ref` through libgit2.
    @Test func aCheckoutOfAnotherRepositoryTakesTheRef() throws {
        let library = try WorkflowRepository(in: Scratch("wf-library"), workflow: "jobs: {}")
        try library.scratch.write("repo/version.txt", "v1\n")
        try library.git("add", "-A")
        try library.git("commit", "-q", "-m", "v1")
        try library.git("tag", "v1")
        try library.scratch.write("repo/version.txt", "v2\n")
        try library.git("commit", "-q", "-am", "v2")
        let workflow = """
            jobs:
              fetch:
                outputs:
                  library: {type: volume}
                uses: git-checkout@v1
                with: {url: \(library.path), ref: v1}
              record:
                needs: [fetch]
                inputs: {library: fetch.outputs.library}
                outputs:
                  version: {type: dataset, with: {ref: library-version}}
                uses: script@v1
                with:
                  script: cp "$INPUTS_DIR/library/version.txt" "$OUTPUTS_DIR/version/"
            """
        let repo = try WorkflowRepository(in: scratch, workflow: workflow)
        let home = scratch("home")
        let result = try WFBinary.run(["run", repo.workflowFile, "--home", home, "--no-sandbox"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try WFBinary.run(["datasets", "cat", "library-version", "version.txt", "--home", home]).stdout == "v1\n")

        try repo.write(workflow: workflow.replacingOccurrences(of: library.path, with: scratch("nowhere")))
        let missing = try WFBinary.run(["run", repo.workflowFile, "--home", home, "--no-sandbox"])
        #expect(missing.status != 0 && missing.stderr.contains("job fetch failed") && missing.stderr.contains(scratch("nowhere")), "\(missing.stderr)")
    }

    /// A cycle or an input naming a missing output stops `wf run` before anything runs or is recorded.
    @Test func brokenWorkflowsAreRefusedBeforeAnythingRuns() throws {
        let workflow = """
            jobs:
              a:
                needs: [b]
                uses: script@v1
                with: {script: "true"}
              b:
                needs: [a]
                inputs: {x: a.outputs.missing}
                uses: script@v1
                with: {script: "true"}
            """
        let repo = try WorkflowRepository(in: scratch, workflow: workflow)
        let home = scratch("home")
        let result = try WFBinary.run(["run", repo.workflowFile, "--home", home])
        #expect(result.status != 0)
        #expect(result.stderr.contains("nlp.yaml:3:5: jobs.a.needs: the jobs need each other in a cycle: a → b → a"), "\(result.stderr)")
        #expect(result.stderr.contains("jobs.b.inputs.x: job a has no output missing; it has no outputs"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: "\(home)/runs"))
    }

    /// A symbolic link in a dataset output that points out of it would copy a host file into
    /// the store: the job fails instead.
    @Test(.enabled(if: WorkflowRepository.sandboxWorks, "bubblewrap cannot create a sandbox here"))
    func aDatasetOutputCannotLinkToHostFiles() throws {
        let workflow = """
            jobs:
              leak:
                outputs:
                  data: {type: dataset, with: {ref: leaked}}
                uses: script@v1
                with:
                  script: |-
                    echo fine > /outputs/data/fine.txt
                    ln -s fine.txt /outputs/data/inside.txt
                    ln -s /etc/hostname /outputs/data/host.txt
            """
        let repo = try WorkflowRepository(in: scratch, workflow: workflow)
        let home = scratch("home")
        let result = try WFBinary.run(["run", repo.workflowFile, "--home", home])
        #expect(result.status != 0 && result.stderr.contains("dataset output data holds host.txt, a symbolic link to outside it"), "\(result.stderr)")
        #expect(!(try WFBinary.run(["datasets", "ls", "--json", "--home", home]).stdout.contains("leaked")))
    }
}
