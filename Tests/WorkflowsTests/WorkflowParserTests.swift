import Testing
@testable import Workflows

@Suite struct WorkflowParserTests {
    /// The seed project's workflow, as Gradient users write it.
    static let seed = """
        on:
          github:
            branches:
              only: main
        jobs:
          cloneRepo:
            resources:
              instance-type: C3
            outputs:
              repo:
                type: volume
            uses: git-checkout@v1
            with:
              url: context.event.github.url
              ref: context.event.github.ref
          generateText:
            resources:
              instance-type: P4000
            needs:
              - cloneRepo
            inputs:
              repo: cloneRepo.outputs.repo
            outputs:
              generatedText:
                type: dataset
                with:
                  ref: generated-text
            uses: script@v1
            with:
              script: |-
                cp -R /inputs/repo /nlp
                cd /nlp
                python3 nlp_text_generation.py
                mv output.txt /outputs/generatedText
              image: paperspace/transformers-gpu:0.4.0
        """

    func errors(_ text: String) -> [WorkflowError] {
        do {
            _ = try WorkflowParser.parse(text, file: "w.yaml")
            return []
        } catch let error as WorkflowErrors {
            return error.errors
        } catch {
            Issue.record("unexpected \(error)")
            return []
        }
    }

    /// Input and output names become folders on the host: nothing that climbs out of one passes.
    @Test func inputAndOutputNamesCannotNamePathsOutside() {
        let found = errors("""
            inputs:
              ../../etc: {type: string, with: {value: x}}
            jobs:
              a:
                inputs:
                  "../escape": {type: string, with: {value: x}}
                outputs:
                  "../../../home/me/.ssh": {type: volume}
                  "": {type: string}
                uses: script@v1
                with: {script: "true"}
            """)
        #expect(found.map(\.keyPath).sorted() == ["inputs.../../etc", "jobs.a.inputs.../escape", "jobs.a.outputs.", "jobs.a.outputs.../../../home/me/.ssh"],
                "\(found)")
        #expect(found.allSatisfy { $0.message.contains("use letters, digits, '-' and '_'") })
    }

    /// `env:` names reach sandboxes and container runtimes by name: POSIX names only.
    @Test func environmentNamesArePOSIXNames() {
        let found = errors("""
            defaults:
              env: {"-v": x, GOOD_1: y}
            jobs:
              a:
                env: {"9lives": x, "A=B": y, _ok: z}
                uses: script@v1
                with: {script: "true"}
            """)
        #expect(found.map(\.keyPath).sorted() == ["defaults.env.-v", "jobs.a.env.9lives", "jobs.a.env.A=B"], "\(found)")
    }

    /// wf's `resources: limits:` beside Gradient's instance type: sizes in Kubernetes' units,
    /// a job's own limits over `defaults`, bad values located.
    @Test func resourceLimitsAreReadWithTheirUnits() throws {
        let spec = try WorkflowParser.parse("""
            defaults:
              resources:
                limits: {memory: 2Gi, processes: 100}
            jobs:
              a:
                resources:
                  instance-type: C4
                  limits: {tmp-size: 512Mi, file-size: 1.5G}
                uses: script@v1
                with: {script: "true"}
            """, file: "w.yaml")
        #expect(spec.defaults.limits == ResourceLimits(memory: 2 << 30, processes: 100))
        #expect(spec.jobs[0].limits == ResourceLimits(fileSize: 1_500_000_000, tmpSize: 512 << 20))
        #expect(spec.jobs[0].instanceType == "C4")
        #expect(ResourceLimits.bytes("1048576") == 1 << 20 && ResourceLimits.bytes("4k") == 4000)
        for bad in ["-1Gi", "1Gib", "lots", "", "1e400", "0"] { #expect(ResourceLimits.bytes(bad) == nil, "\(bad)") }
        let problems = errors("""
            jobs:
              a:
                resources:
                  limits: {memory: lots, processes: 0, cpu: 0, gpus: 2}
                uses: script@v1
                with: {script: "true"}
            """)
        #expect(problems.contains { $0.line == 4 && $0.description.contains("memory") && $0.description.contains("not a size") })
        #expect(problems.contains { $0.description.contains("processes") && $0.description.contains("0 is not a number of processes") })
        #expect(problems.contains { $0.description.contains("0 is not a whole number of CPUs from 1 to 4096") })
        #expect(problems.contains { $0.description.contains("gpus") && $0.description.contains("cpu") }, "an unknown key names the known ones")
        #expect(try WorkflowParser.parse("jobs:\n  a:\n    resources: {limits: {cpu: 8}}\n    uses: script@v1\n    with: {script: \"true\"}\n",
                                         file: "w.yaml").jobs[0].limits?.cpu == 8)
    }

    /// 10,000 jobs in a chain: validated in one pass (once super-linear: 4,000 jobs took 69 s),
    /// without deep recursion; a job may read the output of any job it needs through others,
    /// not of one it does not need; a cycle at the end of the chain is found.
    @Test func longChainsValidateAndTheirDAGChecksHold() throws {
        var text = "jobs:\n"
        for index in 0..<10_000 {
            text += "  j\(index):\n"
            if index > 0 { text += "    needs: [j\(index - 1)]\n    inputs: {first: j0.outputs.out}\n" }
            text += "    outputs: {out: {type: volume}}\n    uses: script@v1\n    with: {script: \"true\"}\n"
        }
        let spec = try WorkflowParser.parse(text, file: "w.yaml")
        #expect(WorkflowValidator.layers(of: spec).count == 10_000)
        let stray = text + "  stray:\n    inputs: {x: j5.outputs.out}\n    uses: script@v1\n    with: {script: \"true\"}\n"
        #expect(errors(stray).contains { $0.description.contains("reads j5's output but does not need j5") })
        let cyclic = text.replacingOccurrences(of: "  j0:\n", with: "  j0:\n    needs: [j9999]\n")
        let cyclicErrors = errors(cyclic)
        #expect(cyclicErrors.count == 1 && cyclicErrors[0].description.contains("cycle"), "\(cyclicErrors.prefix(3))")
    }

    @Test func parsesTheSeedWorkflow() throws {
        let spec = try WorkflowParser.parse(Self.seed, file: "nlp.yaml")
        #expect(spec.trigger == Trigger(branches: ["main"], ignoredBranches: [], tags: []))
        #expect(spec.jobs.map(\.name) == ["cloneRepo", "generateText"])
        let generate = try #require(spec.job(named: "generateText"))
        #expect(generate.action == .script && generate.needs == ["cloneRepo"] && generate.instanceType == "P4000")
        #expect(generate.inputs["repo"] == .output(job: "cloneRepo", name: "repo"))
        #expect(generate.outputs["generatedText"] == .dataset(ref: "generated-text"))
        #expect(spec.job(named: "cloneRepo")?.with["url"] == .context("event.github.url"))
        #expect(WorkflowValidator.layers(of: spec) == [["cloneRepo"], ["generateText"]])
    }

    @Test(arguments: ["on:", "'on':", "\"on\":"])
    func acceptsEveryWayRealFilesWriteOn(_ key: String) throws {
        let text = Self.seed.replacingOccurrences(of: "on:\n  github:", with: "\(key)\n  github:")
        #expect(try WorkflowParser.parse(text, file: "w.yaml").trigger?.branches == ["main"])
    }

    @Test func readsCRLFFilesAndKeepsScriptsClean() throws {
        let spec = try WorkflowParser.parse(Self.seed.replacingOccurrences(of: "\n", with: "\r\n"), file: "w.yaml")
        guard case .literal(let script)? = spec.job(named: "generateText")?.with["script"] else { Issue.record("no script"); return }
        #expect(!script.contains("\r") && script.hasPrefix("cp -R /inputs/repo /nlp\ncd /nlp"))
    }

    @Test func readsDefaultsWorkflowInputsSecretsAndInlineInputs() throws {
        let spec = try WorkflowParser.parse("""
            defaults:
              env:
                TOKEN: secret:hf_token
                MODE: fast
              resources:
                instance-type: C4
            inputs:
              corpus:
                type: dataset
                with:
                  ref: shakespeare:v2
            jobs:
              train:
                uses: script@v1
                inputs:
                  data: workflow.inputs.corpus
                  extra:
                    type: dataset
                    with:
                      ref: notes
                  label:
                    type: string
                    with:
                      value: hello
                with:
                  script: echo hi
            """, file: "w.yaml")
        #expect(spec.defaults.env == ["TOKEN": .secret("hf_token"), "MODE": .literal("fast")] && spec.defaults.instanceType == "C4")
        #expect(spec.inputs["corpus"] == WorkflowInput(kind: .dataset, defaultValue: "shakespeare:v2"))
        let train = try #require(spec.job(named: "train"))
        #expect(train.inputs["data"] == .workflowInput("corpus") && train.inputs["extra"] == .dataset(ref: "notes")
                && train.inputs["label"] == .string("hello"))
    }

    @Test func everyErrorNamesTheLineColumnAndKeyPath() {
        let found = errors("""
            jobs:
              a:
                uses: script@v1
                with:
                  script: x
                  bogus: 1
                needs: [missing]
              b:
                uses: teleport@v9
              c:
                uses: script@v1
                colour: blue
                with:
                  script: y
                inputs:
                  repo: a.outputs.nothing
            """)
        let described = found.map(\.description)
        #expect(described.contains("w.yaml:6:7: jobs.a.with.bogus: script@v1 takes image, script"))
        #expect(described.contains { $0.hasPrefix("w.yaml:9:11: jobs.b.uses: unknown action teleport@v9") })
        #expect(described.contains { $0.hasPrefix("w.yaml:12:5: jobs.c.colour: unknown key") })
        #expect(described.contains { $0.hasPrefix("w.yaml:7:5: jobs.a.needs: no job named missing") })
        #expect(described.contains { $0.hasPrefix("w.yaml:16:7: jobs.c.inputs.repo: job a has no output nothing") })
        #expect(described.contains { $0.contains("jobs.c.inputs.repo: reads a's output but does not need a") })
    }

    @Test func cyclesClashesAndBadReferencesAreRefused() {
        let cycle = errors("""
            jobs:
              a:
                uses: script@v1
                needs: [c]
                with: {script: x}
              b:
                uses: script@v1
                needs: [a]
                with: {script: x}
              c:
                uses: script@v1
                needs: [b]
                with: {script: x}
            """)
        #expect(cycle.contains { $0.message.contains("cycle: a → c → b → a") })
        let clash = errors("""
            jobs:
              a:
                uses: script@v1
                with: {script: x}
                outputs:
                  one: {type: dataset, with: {ref: results}}
              b:
                uses: script@v1
                with: {script: x}
                outputs:
                  two: {type: dataset, with: {ref: "results:latest"}}
                  three: {type: dataset, with: {ref: "../escape"}}
            """)
        // Two jobs writing one dataset is allowed (a version each); only the bad name is refused.
        #expect(!clash.contains { $0.keyPath == "jobs.b.outputs.two" }, "\(clash)")
        #expect(clash.contains { $0.keyPath == "jobs.b.outputs.three.with.ref" && $0.message.contains("invalid dataset name") })
        #expect(errors("jobs: {}\njobs: {}").map(\.description) == ["w.yaml:1:1: jobs: appears more than once in its mapping; keep one"])
        #expect(errors("on: [push").first?.message.hasPrefix("invalid YAML") == true)
        // A rejected output is reported once, not again by the job that reads it.
        let rejected = errors("""
            jobs:
              a:
                uses: script@v1
                with: {script: x}
                outputs:
                  model: {type: dataset}
              b:
                uses: container@v1
                needs: [a]
                inputs: {model: a.outputs.model}
                with: {image: "python:3", args: ["python", "-c", "print(1)"]}
            """)
        #expect(rejected.map(\.keyPath) == ["jobs.a.outputs.model.with.ref"])
        #expect(errors("defaults: {}").contains { $0.message.contains("needs a jobs mapping") })
        #expect(errors("").first?.message == "the file is empty")
    }
}
