import Datasets
import Foundation
import Testing
import TestSupport
import Workflows
import Yams
@testable import Runner

/// `ArgoWorkflow.make`: a multi-job plan as an Argo Workflow (the DAG, artifact passing,
/// content-addressed keys, secrets, resources) and what it refuses. The end-to-end
/// `ArgoExportTests` validate real exports against Argo's JSON Schema.
@Suite struct ArgoExportTests {
    let scratch = Scratch("wf-argo")

    static let workflow = """
        defaults:
          env:
            MODE: fast
        jobs:
          Prep_Data:
            uses: script@v1
            inputs:
              corpus:
                type: dataset
                with:
                  ref: corpus
              greeting:
                type: string
                with:
                  value: "yes"
              scratch:
                type: volume
            outputs:
              cleaned:
                type: volume
              count:
                type: string
            env:
              API_TOKEN: secret:HF_TOKEN
              REPO: context.event.github.url
              REF: context.event.github.ref
            with:
              image: python:3.11
              script: |
                cp -r /inputs/corpus/. /outputs/cleaned/
                ls /outputs/cleaned | wc -l > /outputs/count
          stats:
            uses: container@v1
            needs: [Prep_Data]
            inputs:
              data: Prep_Data.outputs.cleaned
            outputs:
              report:
                type: dataset
                with:
                  ref: reports
            resources:
              instance-type: C4
              limits:
                memory: 2Gi
                cpu: 2
            with:
              image: busybox:1.36
              command: [sh, -c]
              args: ["wc -l /inputs/data/* > /outputs/report/wc.txt"]
          checkout:
            uses: git-checkout@v1
            outputs:
              repo:
                type: volume
            with:
              url: context.event.github.url
          other:
            uses: git-checkout@v1
            outputs:
              repo:
                type: volume
            with:
              url: https://github.com/example/private
              password: secret:GIT_TOKEN
          generate:
            uses: text-generation@v1
            needs: [checkout, stats]
            inputs:
              repo: checkout.outputs.repo
              report: stats.outputs.report
            outputs:
              text:
                type: dataset
                with:
                  ref: generated
            resources:
              instance-type: P4000
            with:
              settings: repo/settings.json
          summary:
            uses: script@v1
            needs: [generate]
            inputs:
              count: Prep_Data.outputs.count
            with:
              image: alpine:3.20
              script: cat /inputs/count
        """

    static let runID = "run-1764558000000-1a2b3c4d"
    static let commit = String(repeating: "c0ffee", count: 7).prefix(40).description

    /// The plan `wf run` would make of `workflow`, with a `corpus` version in a fresh store.
    func plan(_ text: String = ArgoExportTests.workflow) throws -> (RunPlan, VersionInfo) {
        let store = try DatasetStore(home: scratch("home"))
        try scratch.write("corpus/a.txt", "to be or not to be\n")
        let version = try store.commit(dataset: "corpus", paths: [scratch("corpus")], message: "corpus")
        let spec = try WorkflowParser.parse(text, file: ".gradient/workflows/My_Pipeline.yaml")
        let plan = try Planner(store: store).plan(spec, runID: Self.runID, repository: "https://github.com/example/nlp", commit: Self.commit, options: RunOptions())
        return (plan, version)
    }

    func template(_ workflow: ArgoWorkflow, _ name: String) throws -> ArgoWorkflow.Template {
        try #require(workflow.spec.templates.first { $0.name == name }, "no template \(name)")
    }

    func task(_ workflow: ArgoWorkflow, _ name: String) throws -> ArgoWorkflow.Task {
        try #require(workflow.spec.templates.first?.dag?.tasks.first { $0.name == name }, "no task \(name)")
    }

    @Test func aPlanBecomesADAGWithArtifactsPassedBetweenTasks() throws {
        let (plan, _) = try plan()
        let workflow = try ArgoWorkflow.make(plan: plan)
        #expect(workflow.apiVersion == "argoproj.io/v1alpha1" && workflow.kind == "Workflow")
        #expect(workflow.metadata.generateName == "wf-my-pipeline-" && workflow.metadata.labels.run == Self.runID && workflow.metadata.namespace == nil)
        #expect(workflow.spec.entrypoint == "main" && workflow.spec.templates.first?.name == "main")
        #expect(workflow.spec.artifactRepositoryRef == ArgoWorkflow.ArtifactRepositoryRef(configMap: "artifact-repositories", key: "wf"))

        // One task per job, in the workflow's order, named for Argo; dependencies are the needs.
        let tasks = try #require(workflow.spec.templates.first?.dag?.tasks)
        #expect(tasks.map(\.name) == ["prep-data", "stats", "checkout", "other", "generate", "summary"])
        #expect(tasks.map(\.template) == tasks.map { "job-\($0.name)" })
        #expect(Set(workflow.spec.templates.map(\.name)) == Set(["main"] + tasks.map(\.template)))
        #expect(try task(workflow, "prep-data").dependencies == nil)
        #expect(try task(workflow, "stats").dependencies == ["prep-data"])
        #expect(try task(workflow, "generate").dependencies == ["checkout", "stats"])
        // An output read through a chain of needs: its job is listed too (an ancestor already).
        #expect(try task(workflow, "summary").dependencies == ["generate", "prep-data"])

        // Another job's output: the task says where from, the template where it goes.
        #expect(try task(workflow, "generate").arguments?.artifacts == [
            ArgoWorkflow.Artifact(name: "repo", from: "{{tasks.checkout.outputs.artifacts.repo}}"),
            ArgoWorkflow.Artifact(name: "report", from: "{{tasks.stats.outputs.artifacts.report}}"),
        ])
        #expect(try task(workflow, "summary").arguments?.artifacts == [ArgoWorkflow.Artifact(name: "count", from: "{{tasks.prep-data.outputs.artifacts.count}}")])
        #expect(try template(workflow, "job-stats").inputs?.artifacts == [ArgoWorkflow.Artifact(name: "data", path: "/inputs/data")])

        // Every task's from names one of its dependencies, and an output that template declares.
        for task in tasks {
            for argument in task.arguments?.artifacts ?? [] {
                let parts = try #require(argument.from?.dropFirst(2).dropLast(2).split(separator: "."))
                #expect(parts.count == 5 && parts[0] == "tasks" && parts[2] == "outputs" && parts[3] == "artifacts")
                #expect(task.dependencies?.contains(String(parts[1])) == true, "\(task.name) reads \(parts[1]) without depending on it")
                #expect(try template(workflow, "job-\(parts[1])").outputs?.artifacts.contains { $0.name == String(parts[4]) } == true)
            }
        }
    }

    @Test func inputsAndOutputsUseContentAddressedKeysRawDataAndScratchVolumes() throws {
        let (plan, version) = try plan()
        let prep = try template(try ArgoWorkflow.make(plan: plan), "job-prep-data")
        #expect(ArgoArtifactKeys.version(dataset: "corpus", id: version.id.hex) == "wf/versions/corpus/\(version.id.hex).tgz")
        #expect(version.id.hex.count == 64)
        #expect(prep.inputs?.artifacts == [
            ArgoWorkflow.Artifact(name: "corpus", path: "/inputs/corpus", s3: ArgoWorkflow.S3(key: "wf/versions/corpus/\(version.id.hex).tgz")),
            ArgoWorkflow.Artifact(name: "greeting", path: "/inputs/greeting", raw: ArgoWorkflow.Raw(data: "yes")),
        ])
        #expect(prep.outputs?.artifacts == [
            ArgoWorkflow.Artifact(name: "cleaned", path: "/outputs/cleaned", s3: ArgoWorkflow.S3(key: "wf/runs/\(Self.runID)/Prep_Data/cleaned.tgz")),
            ArgoWorkflow.Artifact(name: "count", path: "/outputs/count", s3: ArgoWorkflow.S3(key: "wf/runs/\(Self.runID)/Prep_Data/count.tgz")),
        ])
        #expect(ArgoArtifactKeys.output(run: Self.runID, job: "Prep_Data", output: "count") == "wf/runs/\(Self.runID)/Prep_Data/count.tgz")
        // The empty volume input, /outputs, and the folder output (not the string one) are emptyDirs.
        let mounts = try #require(prep.container?.volumeMounts)
        #expect(mounts.map(\.mountPath) == ["/inputs/scratch", "/outputs", "/outputs/cleaned"])
        #expect(Set(mounts.map(\.name)) == Set(try #require(prep.volumes).map(\.name)) && mounts.count == prep.volumes?.count)

        // The script as wf runs it, the image it names.
        let container = try #require(prep.container)
        #expect(container.image == "python:3.11" && container.command == ["/bin/sh", "-e", "-c"])
        #expect(container.args == ["cp -r /inputs/corpus/. /outputs/cleaned/\nls /outputs/cleaned | wc -l > /outputs/count\n"])
        // container@v1: Kubernetes' own command and args.
        let stats = try #require(try template(try ArgoWorkflow.make(plan: plan), "job-stats").container)
        #expect(stats.image == "busybox:1.36" && stats.command == ["sh", "-c"] && stats.args == ["wc -l /inputs/data/* > /outputs/report/wc.txt"])
    }

    @Test func environmentSecretsAndResources() throws {
        let (plan, _) = try plan()
        var settings = ArgoWorkflow.Settings()
        settings.secret = "ml-secrets"
        settings.namespace = "ml"
        let workflow = try ArgoWorkflow.make(plan: plan, settings: settings)
        #expect(workflow.metadata.namespace == "ml")
        let prep = try #require(try template(workflow, "job-prep-data").container)
        typealias Env = ArgoWorkflow.EnvVar
        let secret = { (name: String, key: String) in
            Env(name: name, valueFrom: ArgoWorkflow.EnvVarSource(secretKeyRef: ArgoWorkflow.SecretKeySelector(name: "ml-secrets", key: key)))
        }
        #expect(prep.env == [secret("API_TOKEN", "HF_TOKEN"), Env(name: "MODE", value: "fast"),
                             Env(name: "REF", value: Self.commit), Env(name: "REPO", value: "https://github.com/example/nlp")])
        // A secret in a built-in action's with: is the variable of its name, as `wf job exec --staged` reads it.
        let other = try #require(try template(workflow, "job-other").container)
        #expect(other.env == [secret("GIT_TOKEN", "GIT_TOKEN"), Env(name: "MODE", value: "fast")])

        #expect(try template(workflow, "job-stats").container?.resources == ArgoWorkflow.Resources(limits: ArgoWorkflow.Limits(cpu: "2", memory: "2Gi")))
        #expect(try template(workflow, "job-generate").container?.resources == ArgoWorkflow.Resources(limits: ArgoWorkflow.Limits(gpu: "1")))
        #expect(prep.resources == nil)
        #expect(ArgoWorkflow.quantity(bytes: 8 << 30) == "8Gi" && ArgoWorkflow.quantity(bytes: 1_500_000) == "1500000" && ArgoWorkflow.quantity(bytes: 3 << 19) == "1536Ki")
    }

    @Test func builtInActionsRunWfJobExecOnTheEmbeddedPlan() throws {
        let (plan, _) = try plan()
        var settings = ArgoWorkflow.Settings()
        settings.wfImage = "registry.example/wf:1.2"
        let workflow = try ArgoWorkflow.make(plan: plan, settings: settings)
        let generate = try template(workflow, "job-generate")
        #expect(generate.container?.image == "registry.example/wf:1.2")
        #expect(generate.container?.command == ["wf", "job", "exec", "/wf/plan.json", "generate", "--staged"] && generate.container?.args == nil)
        let planArtifact = try #require(generate.inputs?.artifacts.first { $0.name == "wf-plan" })
        #expect(planArtifact.path == "/wf/plan.json")
        let file = try JSONDecoder().decode(JobPlanFile.self, from: Data(try #require(planArtifact.raw?.data).utf8))
        #expect(file.plan == plan && file.home == nil && file.checkout == "/wf/checkout" && file.options.secretsFolder == "/wf/secrets")
        #expect(planArtifact.raw?.data == String(decoding: try JobPlanFile(plan: plan, home: nil, checkout: "/wf/checkout", options: settings.jobOptions).encoded(), as: UTF8.self))
        // The run's own repository is checked out at its commit; another repository is cloned by the step.
        #expect(try template(workflow, "job-checkout").inputs?.artifacts.last == ArgoWorkflow.Artifact(
            name: "wf-checkout", path: "/wf/checkout", git: ArgoWorkflow.Git(repo: "https://github.com/example/nlp", revision: Self.commit)))
        #expect(try template(workflow, "job-other").inputs?.artifacts.map(\.name) == ["wf-plan"])
        // Built-in steps make their own output folders: /outputs only.
        #expect(generate.container?.volumeMounts?.map(\.mountPath) == ["/outputs"])
    }

    @Test func yamlAndJSONReadBackAsTheSameWorkflow() throws {
        let (plan, _) = try plan()
        let workflow = try ArgoWorkflow.make(plan: plan)
        let yaml = try workflow.yaml()
        #expect(yaml.hasPrefix("apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata:\n  generateName: wf-my-pipeline-\n"), "\(yaml.prefix(300))")
        #expect(yaml.contains("wf.run: \(Self.runID)") && yaml.contains("nvidia.com/gpu: '1'") && yaml.contains("cpu: '2'"), "\(yaml)")
        #expect(try YAMLDecoder().decode(ArgoWorkflow.self, from: yaml) == workflow)
        // Quoted where YAML 1.1 would read something else: the string input "yes" stays a string.
        let untyped = try #require(try Yams.load(yaml: yaml) as? [String: Any])
        let templates = try #require((untyped["spec"] as? [String: Any])?["templates"] as? [[String: Any]])
        let prep = try #require(templates.first { $0["name"] as? String == "job-prep-data" })
        let inputs = try #require((prep["inputs"] as? [String: Any])?["artifacts"] as? [[String: Any]])
        #expect((inputs[1]["raw"] as? [String: Any])?["data"] as? String == "yes", "\(inputs)")
        let json = try workflow.json()
        #expect(json.hasPrefix("{\n  \"apiVersion\" : \"argoproj.io/v1alpha1\""), "\(json.prefix(200))")
        #expect(try JSONDecoder().decode(ArgoWorkflow.self, from: Data(json.utf8)) == workflow)
    }

    @Test func refusesWhatAClusterCannotRun() throws {
        let (plan, _) = try plan()
        // A volume workflow input given as a folder on this machine.
        var hostFolder = plan
        hostFolder.jobs[0].inputs["scratch"] = .hostFolder("/home/me/data")
        #expect(throws: RunError.unsupported(job: "Prep_Data", detail: "input scratch is the folder /home/me/data on this machine, which a cluster cannot reach; "
                                             + "put it in a dataset (wf datasets put NAME /home/me/data) and give that dataset as the input")) {
            try ArgoWorkflow.make(plan: hostFolder)
        }
        // A script without an image: Kubernetes has no "this machine's system".
        var imageless = plan
        imageless.jobs[5].settings = .script(ScriptSettings(script: "cat /inputs/count", image: nil))
        do {
            _ = try ArgoWorkflow.make(plan: imageless)
            Issue.record("an image-less script was exported")
        } catch {
            #expect("\(error)".hasPrefix("job summary: script@v1 needs an image on Kubernetes") && "\(error)".contains("add image:"), "\(error)")
            #expect(!"\(error)".contains("\n"))
        }
        // Two jobs with one Argo name.
        let colliding = try self.plan("""
            jobs:
              a_b:
                uses: script@v1
                with: {image: alpine, script: "true"}
              A-B:
                uses: script@v1
                with: {image: alpine, script: "true"}
            """).0
        #expect(throws: RunError.unsupported(job: "A-B", detail: "its Argo task name would be a-b, as job a_b's is (Argo names are lowercase letters, digits and '-'); rename one of them")) {
            try ArgoWorkflow.make(plan: colliding)
        }
        // A checkout of a repository only this machine has.
        var local = plan
        local.repository = "/home/me/nlp"
        #expect(throws: RunError.self) { try ArgoWorkflow.make(plan: local) }
        // create-model@v1 commits into wf's store, which a pod does not have.
        let committing = try self.plan("""
            jobs:
              register:
                inputs: {model: {type: volume}}
                outputs: {id: {type: string}}
                uses: create-model@v1
                with: {name: my-model, type: custom}
            """).0
        #expect { try ArgoWorkflow.make(plan: committing) } throws: { "\($0)".contains("create-model@v1 commits into wf's store, which a pod does not have") }
    }

    @Test func namesAreValidForArgoAndKubernetes() {
        #expect(ArgoWorkflow.taskName("Train_Model") == "train-model")
        #expect(ArgoWorkflow.taskName("_x_") == "x" && ArgoWorkflow.taskName("__") == "job")
        #expect(ArgoWorkflow.taskName(String(repeating: "a", count: 80)).count == 59)
        #expect(ArgoWorkflow.generateName(workflow: ".gradient/workflows/NLP Text_Generation.yaml") == "wf-nlp-text-generation-")
        #expect(ArgoWorkflow.generateName(workflow: "___.yml") == "wf-workflow-")
        #expect(ArgoWorkflow.generateName(workflow: String(repeating: "x", count: 100) + ".yaml").count == 58)
        #expect(ArgoWorkflow.labelValue("run-1764558000000-1a2b3c4d") == "run-1764558000000-1a2b3c4d")
        #expect(ArgoWorkflow.labelValue("-run/1-") == "run-1")
    }
}
