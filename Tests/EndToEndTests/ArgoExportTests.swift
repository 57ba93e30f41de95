import Datasets
import Foundation
import Runner
import Testing
import TestSupport
import Workflows
import Yams

/// `wf export argo` through the real binary, on workflows committed in a real git repository:
/// a diamond of script jobs, text generation after a script and after a git checkout, a
/// dataset input and a secret. Every manifest (YAML and JSON) is validated against Argo's
/// published JSON Schema (`../shared/argo/workflow.schema.json`) by `scripts/validate-argo.py`
/// with the PyPI `jsonschema` package, and checked for meaning here: each `from` names a
/// dependency's declared output, every artifact key is the content address `ArgoArtifactKeys`
/// gives, every task's template exists, the dependency graph is the workflow's `needs`.
@Suite struct ArgoExportTests {
    let scratch = Scratch("wf-argo-export")

    /// `$WF_JSONSCHEMA_PYTHON`, else the virtual environment `.ci/run` makes; one that imports jsonschema and yaml.
    static let python: String? = {
        let candidates = [ProcessInfo.processInfo.environment["WF_JSONSCHEMA_PYTHON"], Fixtures.checkout(".build/venv-jsonschema/bin/python")]
        return candidates.compactMap { $0 }.first { FileManager.default.isExecutableFile(atPath: $0)
            && (try? Shell.run($0, ["-c", "import jsonschema, yaml"]).status) == 0 }
    }()
    static let schema = Fixtures.shared("argo/workflow.schema.json")
    static let validator = Fixtures.checkout("scripts/validate-argo.py")
    static let canValidate = python != nil && FileManager.default.fileExists(atPath: schema)
    static let skipReason: Comment = "NO JSONSCHEMA: the Argo manifest schema test is skipped; .ci/run makes .build/venv-jsonschema (python3 -m venv .build/venv-jsonschema && .build/venv-jsonschema/bin/pip install jsonschema pyyaml), and ../shared/argo must hold the schema"

    static let diamond = """
        jobs:
          Start:
            uses: script@v1
            outputs:
              seed:
                type: volume
            with:
              image: alpine:3.20
              script: echo 42 > /outputs/seed/n
          left_branch:
            uses: script@v1
            needs: [Start]
            inputs:
              seed: Start.outputs.seed
            outputs:
              doubled:
                type: string
            with:
              image: alpine:3.20
              script: echo $(( $(cat /inputs/seed/n) * 2 )) > /outputs/doubled
          right-branch:
            uses: script@v1
            needs: [Start]
            inputs:
              seed: Start.outputs.seed
            outputs:
              squared:
                type: string
            with:
              image: alpine:3.20
              script: |
                n=$(cat /inputs/seed/n)
                echo $(( n * n )) > /outputs/squared
          Join:
            uses: script@v1
            needs: [left_branch, right-branch]
            inputs:
              a: left_branch.outputs.doubled
              b: right-branch.outputs.squared
            outputs:
              sum:
                type: dataset
                with:
                  ref: sums
            resources:
              limits:
                memory: 256Mi
                cpu: 1
            with:
              image: alpine:3.20
              script: echo $(( $(cat /inputs/a) + $(cat /inputs/b) )) > /outputs/sum/sum.txt
        """

    /// Text generation after a script job that writes its settings.
    static let generate = """
        jobs:
          prepare:
            uses: script@v1
            outputs:
              config:
                type: volume
            with:
              image: python:3.11-slim
              script: |
                echo '{"prompt": "ROMEO:", "seed": 1, "max_length": 12, "model": "gpt2"}' > /outputs/config/settings.json
          generate:
            uses: text-generation@v1
            needs: [prepare]
            inputs:
              config: prepare.outputs.config
            outputs:
              text:
                type: dataset
                with:
                  ref: generated-text
            resources:
              instance-type: P4000
            with:
              settings: config/settings.json
        """

    /// A dataset given as a workflow input, a string input, and secrets in the environment.
    static let dataset = """
        inputs:
          corpus:
            type: dataset
          greeting:
            type: string
            with:
              value: "yes"
        jobs:
          count:
            uses: script@v1
            inputs:
              corpus: workflow.inputs.corpus
              greeting: workflow.inputs.greeting
              pinned:
                type: dataset
                with:
                  ref: corpus
            outputs:
              stats:
                type: dataset
                with:
                  ref: corpus-stats
            env:
              HF_TOKEN: secret:HF_TOKEN
              STAGE: "on"
            with:
              image: alpine:3.20
              script: wc -c /inputs/corpus/* > /outputs/stats/wc.txt
          upload:
            uses: container@v1
            needs: [count]
            inputs:
              stats: count.outputs.stats
            env:
              AWS_SECRET_ACCESS_KEY: secret:AWS_SECRET
            with:
              image: amazon/aws-cli:2.17.0
              command: [aws]
              args: [s3, cp, --recursive, /inputs/stats, "s3://bucket/stats/"]
        """

    /// A repository holding every workflow, committed, with an origin a cluster could clone.
    func makeRepository() throws -> WorkflowRepository {
        let repo = try WorkflowRepository(in: scratch, workflow: RunCommandTests.workflow)
        for (name, text) in [("diamond", Self.diamond), ("generate", Self.generate), ("dataset", Self.dataset)] {
            try scratch.write("repo/.gradient/workflows/\(name).yaml", text)
        }
        try repo.git("add", "-A")
        try repo.git("commit", "-q", "-m", "workflows")
        try repo.git("remote", "add", "origin", "https://git.example.com/ml/nlp.git")
        return repo
    }

    /// One export: the manifest as wf wrote it, parsed, and what it was made from.
    struct Export {
        var file: String
        var workflowFile: String
        var manifest: ArgoWorkflow
        var text: String
    }

    /// `wf export argo` of each workflow (the last with --format json), written with --out.
    func exportAll(_ repo: WorkflowRepository, home: String, corpus: String) throws -> [Export] {
        var exports = [Export]()
        let cases: [(String, [String])] = [("nlp", []), ("diamond", []), ("generate", []),
                                           ("dataset", ["--input", "corpus=\(corpus)", "--secret", "ml-secrets"]),
                                           ("dataset", ["--input", "corpus=\(corpus)", "--format", "json", "--namespace", "ml"])]
        for (index, (name, arguments)) in cases.enumerated() {
            let workflowFile = "\(repo.path)/.gradient/workflows/\(name).yaml"
            let json = arguments.contains("json")
            let out = scratch("manifests/\(index)-\(name).\(json ? "json" : "yaml")")
            try FileManager.default.createDirectory(atPath: scratch("manifests"), withIntermediateDirectories: true)
            let result = try WFBinary.run(["export", "argo", workflowFile, "--home", home, "--out", out] + arguments)
            #expect(result.status == 0, "\(name): \(result.stderr)")
            #expect(result.stdout.isEmpty && result.stderr.contains("as run run-"), "\(result.stdout)\n\(result.stderr)")
            let text = try String(contentsOfFile: out, encoding: .utf8)
            let manifest = json ? try JSONDecoder().decode(ArgoWorkflow.self, from: Data(text.utf8)) : try YAMLDecoder().decode(ArgoWorkflow.self, from: text)
            exports.append(Export(file: out, workflowFile: workflowFile, manifest: manifest, text: text))
        }
        return exports
    }

    /// A home with a `corpus` version and the secrets set (their values must never reach a manifest).
    func prepareHome() throws -> (home: String, corpus: VersionInfo, secrets: [String: String]) {
        let home = scratch("home")
        try scratch.write("corpus/shakespeare.txt", "ROMEO: But soft, what light through yonder window breaks?\n")
        let put = try WFBinary.run(["datasets", "put", "corpus", scratch("corpus"), "--home", home])
        #expect(put.status == 0, "\(put.stderr)")
        let versions = try SnakeCaseJSON.decoder.decode([VersionInfo].self, from: Data(try WFBinary.run(["datasets", "ls", "corpus", "--json", "--home", home]).stdout.utf8))
        let secrets = ["WF_SECRETS": scratch("secrets")]
        #expect(try WFBinary.run(["secrets", "set", "HF_TOKEN"], environment: secrets, input: "hf-super-secret-value").status == 0)
        return (home, try #require(versions.first), secrets)
    }

    @Test func exportedManifestsMeanWhatTheWorkflowsSay() throws {
        let repo = try makeRepository()
        let (home, corpus, _) = try prepareHome()
        let exports = try exportAll(repo, home: home, corpus: "corpus")
        let head = try repo.git("rev-parse", "HEAD")
        for export in exports {
            try checkMeaning(export, head: head, versions: ["corpus": corpus.id.hex], inputs: ["corpus": "corpus"])
            #expect(!export.text.contains("hf-super-secret-value"))
        }
        // The dataset workflow: both inputs read the version by its content address; the secrets come from the Kubernetes secret.
        let dataset = exports[3].manifest, count = try #require(dataset.spec.templates.first { $0.name == "job-count" })
        let key = "wf/versions/corpus/\(corpus.id.hex).tgz"
        #expect(count.inputs?.artifacts.compactMap(\.s3?.key) == [key, key])
        #expect(count.inputs?.artifacts.first { $0.name == "greeting" }?.raw?.data == "yes")
        #expect(count.container?.env?.first { $0.name == "HF_TOKEN" }?.valueFrom?.secretKeyRef == ArgoWorkflow.SecretKeySelector(name: "ml-secrets", key: "HF_TOKEN"))
        #expect(count.container?.env?.first { $0.name == "STAGE" }?.value == "on")
        #expect(exports[4].manifest.metadata.namespace == "ml" && exports[3].manifest.metadata.namespace == nil)
        // A GPU instance type asks for a GPU; the diamond's limits are Kubernetes quantities.
        #expect(exports[2].manifest.spec.templates.first { $0.name == "job-generate" }?.container?.resources?.limits.gpu == "1")
        #expect(exports[1].manifest.spec.templates.first { $0.name == "job-join" }?.container?.resources?.limits == ArgoWorkflow.Limits(cpu: "1", memory: "256Mi"))
        // The checkout a git-checkout@v1 of this repository copies: this commit, from its origin.
        let checkout = exports[0].manifest.spec.templates.first { $0.name == "job-clonerepo" }?.inputs?.artifacts.first { $0.name == "wf-checkout" }
        #expect(checkout?.git == ArgoWorkflow.Git(repo: "https://git.example.com/ml/nlp.git", revision: head) && checkout?.path == "/wf/checkout")

        // Standard output is the manifest alone when there is no --out.
        let printed = try WFBinary.run(["export", "argo", "\(repo.path)/.gradient/workflows/diamond.yaml", "--home", home])
        #expect(printed.status == 0 && printed.stdout.hasPrefix("apiVersion: argoproj.io/v1alpha1\n"), "\(printed.stderr)")
        let again = try YAMLDecoder().decode(ArgoWorkflow.self, from: printed.stdout)
        #expect(again.spec.templates == exports[1].manifest.spec.templates.map { template in
            // Only the run id differs between two exports.
            var template = template
            if var outputs = template.outputs {
                outputs.artifacts = outputs.artifacts.map { artifact in
                    var artifact = artifact
                    let key = artifact.s3?.key ?? ""
                    artifact.s3 = ArgoWorkflow.S3(key: key.replacingOccurrences(of: exports[1].manifest.metadata.labels.run, with: again.metadata.labels.run))
                    return artifact
                }
                template.outputs = outputs
            }
            return template
        })
    }

    @Test(.enabled(if: ArgoExportTests.canValidate, ArgoExportTests.skipReason))
    func exportedManifestsConformToArgosSchema() throws {
        let repo = try makeRepository()
        let (home, _, _) = try prepareHome()
        let exports = try exportAll(repo, home: home, corpus: "corpus")
        let result = try validate(exports.map(\.file))
        #expect(result.status == 0, "\(result.stdout)")
        #expect(result.stdout.split(separator: "\n").count == exports.count && result.stdout.split(separator: "\n").allSatisfy { $0.hasPrefix("ok ") }, "\(result.stdout)")
    }

    /// The validator passes Argo's own examples and fails a broken manifest: the schema test can fail.
    @Test(.enabled(if: ArgoExportTests.canValidate, ArgoExportTests.skipReason))
    func theValidatorAcceptsArgosExamplesAndRejectsABrokenManifest() throws {
        let folder = Fixtures.shared("argo")
        let examples = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasPrefix("example-") && $0.hasSuffix(".yaml") }.sorted()
        #expect(examples.count >= 5)
        let upstream = try validate(examples.map { "\(folder)/\($0)" })
        #expect(upstream.status == 0, "\(upstream.stdout)")

        // One of wf's own manifests, broken as a hand edit could break it.
        let repo = try makeRepository()
        let json = try WFBinary.run(["export", "argo", "\(repo.path)/.gradient/workflows/diamond.yaml", "--home", scratch("home"), "--format", "json"])
        #expect(json.status == 0, "\(json.stderr)")
        var document = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        var spec = try #require(document["spec"] as? [String: Any]), templates = try #require(spec["templates"] as? [[String: Any]])
        var container = try #require(templates[1]["container"] as? [String: Any])
        container["imag"] = container.removeValue(forKey: "image")
        templates[1]["container"] = container
        var dag = try #require(templates[0]["dag"] as? [String: Any]), tasks = try #require(dag["tasks"] as? [[String: Any]])
        tasks[1]["dependencies"] = "start"
        dag["tasks"] = tasks
        templates[0]["dag"] = dag
        spec["templates"] = templates
        document["spec"] = spec
        let broken = scratch("broken.json")
        try JSONSerialization.data(withJSONObject: document).write(to: URL(fileURLWithPath: broken))
        let result = try validate([broken])
        #expect(result.status == 1, "\(result.stdout)")
        #expect(result.stdout.contains("$.spec.templates[1].container: 'image' is a required property"), "\(result.stdout)")
        #expect(result.stdout.contains("'imag' was unexpected"), "\(result.stdout)")
        #expect(result.stdout.contains("$.spec.templates[0].dag.tasks[1].dependencies: 'start' is not of type 'array'"), "\(result.stdout)")
    }

    /// `--upload-inputs s3://BUCKET` puts each dataset version the manifest reads at its key, as
    /// a gzipped tar of one folder (what Argo unpacks at the input's path); a second export finds
    /// it there and leaves it.
    @Test(.enabled(if: MotoServer.executable != nil, "NO MOTO: the Argo input upload test is skipped; .ci/run makes .build/venv-moto (pip install 'moto[server]')"))
    func theDatasetVersionsAManifestReadsAreUploadedToTheArtifactRepository() throws {
        let moto = try MotoServer(buckets: ["argo-artifacts"], log: scratch("moto.log"))
        let repo = try makeRepository()
        let (home, corpus, _) = try prepareHome()
        let workflowFile = "\(repo.path)/.gradient/workflows/dataset.yaml"
        let arguments = ["export", "argo", workflowFile, "--input", "corpus=corpus", "--home", home, "--out", scratch("up.yaml"),
                         "--upload-inputs", "s3://argo-artifacts"]
        let first = try WFBinary.run(arguments, environment: moto.environment)
        let key = ArgoArtifactKeys.version(dataset: "corpus", id: corpus.id.hex)
        #expect(first.status == 0 && first.stderr.contains("uploaded s3://argo-artifacts/\(key)"), "\(first.stderr)")
        #expect(try String(contentsOfFile: scratch("up.yaml"), encoding: .utf8).contains(key))
        let second = try WFBinary.run(arguments, environment: moto.environment)
        #expect(second.status == 0 && second.stderr.contains("already there: s3://argo-artifacts/\(key)"), "\(second.stderr)")
        // What the bucket holds, read back through boto3 (moto's own client): one folder with the version's file.
        let python = try #require(MotoServer.executable.map { URL(fileURLWithPath: $0).deletingLastPathComponent().appendingPathComponent("python").path })
        let fetch = """
            import boto3, sys
            s3 = boto3.client("s3", endpoint_url=sys.argv[1], aws_access_key_id=sys.argv[2], aws_secret_access_key=sys.argv[3], region_name="us-east-1")
            open(sys.argv[5], "wb").write(s3.get_object(Bucket="argo-artifacts", Key=sys.argv[4])["Body"].read())
            """
        let archive = scratch("version.tgz")
        let fetched = try Shell.run(python, ["-c", fetch, moto.endpoint, moto.accessKeyID, moto.secretAccessKey, key, archive])
        #expect(fetched.status == 0)
        let listing = try Shell.run("tar", ["-tzf", archive]).stdout.split(separator: "\n").map(String.init)
        #expect(listing == ["\(corpus.id.hex)/", "\(corpus.id.hex)/shakespeare.txt"], "\(listing)")
        let refused = try WFBinary.run(["export", "argo", workflowFile, "--input", "corpus=corpus", "--home", home, "--upload-inputs", "s3://argo-artifacts/sub", "--out", scratch("refused.yaml")],
                                       environment: moto.environment)
        #expect(refused.status != 0 && refused.stderr.contains("as s3://BUCKET"), "\(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: scratch("refused.yaml")), "a refused export wrote its manifest")
    }

    /// A built-in step as a pod would run it, short of Kubernetes: the manifest's own command
    /// (`wf job exec /wf/plan.json JOB --staged`) in a bubblewrap container whose `/wf/plan.json`
    /// is the manifest's raw artifact, `/inputs/repo` the dataset version's archive from the
    /// bucket unpacked as Argo unpacks it, `/outputs` empty. Its output equals a local run's.
    @Test(.enabled(if: MotoServer.executable != nil && WorkflowRepository.sandboxWorks,
                   "NO MOTO or no bubblewrap: the staged built-in step test is skipped; .ci/run makes .build/venv-moto"))
    func aBuiltInStepRunsFromTheManifestAsAPodWouldAndMatchesALocalRun() throws {
        let moto = try MotoServer(buckets: ["argo-artifacts"], log: scratch("moto-staged.log"))
        let home = scratch("staged-home")
        try scratch.write("nlp/settings.json", WorkflowRepository.defaultSettings)
        try FileManager.default.createDirectory(atPath: scratch("nlp/models"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Fixtures.path("models/tiny"), toPath: scratch("nlp/models/tiny"))
        #expect(try WFBinary.run(["datasets", "put", "nlp", scratch("nlp") + "/", "--home", home]).status == 0)
        let workflow = """
            inputs:
              nlp: {type: dataset, with: {ref: nlp}}
            jobs:
              generate:
                inputs: {repo: workflow.inputs.nlp}
                outputs:
                  generatedText: {type: dataset, with: {ref: generated-text}}
                uses: text-generation@v1
                with: {settings: repo/settings.json}
            """
        let repo = try WorkflowRepository(in: scratch, workflow: workflow)
        let exported = try WFBinary.run(["export", "argo", repo.workflowFile, "--home", home, "--format", "json", "--out", scratch("staged.json"),
                                         "--upload-inputs", "s3://argo-artifacts"], environment: moto.environment)
        #expect(exported.status == 0, "\(exported.stderr)")
        let manifest = try JSONDecoder().decode(ArgoWorkflow.self, from: Data(contentsOf: URL(fileURLWithPath: scratch("staged.json"))))
        let template = try #require(manifest.spec.templates.first { $0.name == "job-generate" })
        let artifacts = try #require(template.inputs?.artifacts)
        let plan = try #require(artifacts.first { $0.name == "wf-plan" }?.raw?.data)
        let key = try #require(artifacts.first { $0.name == "repo" }?.s3?.key)
        let command = try #require(template.container?.command)
        #expect(command == ["wf", "job", "exec", "/wf/plan.json", "generate", "--staged"])

        // What Argo does before the main container starts: the raw artifact written, the S3 artifact fetched and unpacked.
        try scratch.write("pod/wf/plan.json", plan)
        for folder in ["pod/inputs/repo", "pod/outputs"] { try FileManager.default.createDirectory(atPath: scratch(folder), withIntermediateDirectories: true) }
        let python = try #require(MotoServer.executable.map { URL(fileURLWithPath: $0).deletingLastPathComponent().appendingPathComponent("python").path })
        let fetch = """
            import boto3, sys
            s3 = boto3.client("s3", endpoint_url=sys.argv[1], aws_access_key_id=sys.argv[2], aws_secret_access_key=sys.argv[3], region_name="us-east-1")
            open(sys.argv[5], "wb").write(s3.get_object(Bucket="argo-artifacts", Key=sys.argv[4])["Body"].read())
            """
        #expect(try Shell.run(python, ["-c", fetch, moto.endpoint, moto.accessKeyID, moto.secretAccessKey, key, scratch("pod/repo.tgz")]).status == 0)
        #expect(try Shell.run("tar", ["-xzf", scratch("pod/repo.tgz"), "--strip-components=1", "-C", scratch("pod/inputs/repo")]).status == 0)

        // The container: this machine's system read-only, the pod's three folders, no network.
        var sandbox = [String]()
        for folder in ["/usr", "/bin", "/lib", "/lib64", "/sbin", "/etc", "/opt", "/work"] where FileManager.default.fileExists(atPath: folder) {
            sandbox += ["--ro-bind", folder, folder]
        }
        let wf = URL(fileURLWithPath: WFBinary.path).resolvingSymlinksInPath().path
        // /tmp first: the binary may live under it (a checkout in /tmp), and a later bind shows through the tmpfs.
        sandbox += ["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--ro-bind", wf, wf, "--unshare-all", "--die-with-parent",
                    "--ro-bind", scratch("pod/wf"), "/wf", "--bind", scratch("pod/inputs"), "/inputs", "--bind", scratch("pod/outputs"), "/outputs",
                    wf] + command.dropFirst()
        let pod = try Shell.run("bwrap", sandbox)
        #expect(pod.status == 0 && pod.stdout.contains("\"status\" : \"succeeded\""), "\(pod.stdout)")

        // The same workflow run here: the same text, the same outputs.json.
        #expect(try WFBinary.run(["run", repo.workflowFile, "--home", home]).status == 0)
        for file in ["outputs.txt", "outputs.json"] {
            let local = try WFBinary.run(["datasets", "cat", "generated-text", file, "--home", home]).stdout
            #expect(try String(contentsOfFile: scratch("pod/outputs/generatedText/\(file)"), encoding: .utf8) == local, "\(file)")
        }
    }

    @Test func refusalsAreOneLineAndSayWhatToDo() throws {
        let repo = try makeRepository()
        let home = scratch("home")
        try scratch.write("repo/.gradient/workflows/local.yaml", """
            inputs:
              data:
                type: volume
            jobs:
              use:
                uses: script@v1
                inputs:
                  data: workflow.inputs.data
                with:
                  image: alpine:3.20
                  script: ls /inputs/data
            """)
        try scratch.write("repo/.gradient/workflows/bare.yaml", """
            jobs:
              hello:
                uses: script@v1
                with:
                  script: echo hello
            """)
        try repo.git("add", "-A")
        try repo.git("commit", "-q", "-m", "refused")
        func refusal(_ arguments: [String]) throws -> String {
            let result = try WFBinary.run(["export", "argo"] + arguments + ["--home", home])
            #expect(result.status != 0 && result.stdout.isEmpty, "\(arguments): \(result.stdout)")
            return result.stderr.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let folder = try refusal(["\(repo.path)/.gradient/workflows/local.yaml", "--input", "data=\(scratch("repo"))"])
        #expect(folder.contains("job use: input data is the folder \(scratch("repo")) on this machine, which a cluster cannot reach") && !folder.contains("\n"), "\(folder)")
        let bare = try refusal(["\(repo.path)/.gradient/workflows/bare.yaml"])
        #expect(bare.contains("job hello: script@v1 needs an image on Kubernetes") && bare.contains("add image:") && !bare.contains("\n"), "\(bare)")
        // Only what is committed can reach a cluster.
        try scratch.write("repo/.gradient/workflows/new.yaml", RunCommandTests.workflow)
        let uncommitted = try refusal(["\(repo.path)/.gradient/workflows/new.yaml"])
        #expect(uncommitted.contains("is not in the HEAD commit") && uncommitted.contains("commit it first"), "\(uncommitted)")
        // A checkout of a repository with no remote cannot be cloned by a cluster.
        try repo.git("remote", "remove", "origin")
        let noRemote = try refusal([repo.workflowFile])
        #expect(noRemote.contains("job cloneRepo: git-checkout@v1 copies the run's repository, which is the folder") && noRemote.contains("git remote add origin"), "\(noRemote)")
        // A working tree change is noted, and HEAD's workflow exported.
        try repo.git("remote", "add", "origin", "https://git.example.com/ml/nlp.git")
        try scratch.write("repo/.gradient/workflows/bare.yaml", "jobs: {}\n")
        let diamond = try WFBinary.run(["export", "argo", "\(repo.path)/.gradient/workflows/diamond.yaml", "--home", home])
        #expect(diamond.status == 0)
        try scratch.write("repo/.gradient/workflows/diamond.yaml", Self.diamond.replacingOccurrences(of: "alpine:3.20", with: "alpine:3.21"))
        let changed = try WFBinary.run(["export", "argo", "\(repo.path)/.gradient/workflows/diamond.yaml", "--home", home])
        #expect(changed.status == 0 && changed.stderr.contains("note: .gradient/workflows/diamond.yaml has uncommitted changes; the export is of HEAD"), "\(changed.stderr)")
        #expect(changed.stdout.contains("alpine:3.20") && !changed.stdout.contains("alpine:3.21"))
    }

    // MARK: - Checks

    func validate(_ files: [String]) throws -> Shell.Output {
        try Shell.run(Self.python!, [Self.validator, "--schema", Self.schema] + files)
    }

    /// What the manifest must mean, from the committed workflow: tasks, templates, dependencies, from-references, keys.
    func checkMeaning(_ export: Export, head: String, versions: [String: String], inputs: [String: String]) throws {
        let manifest = export.manifest, label = (export.file as NSString).lastPathComponent
        let spec = try WorkflowParser.parse(try String(contentsOfFile: export.workflowFile, encoding: .utf8), file: "w.yaml")
        let run = manifest.metadata.labels.run
        #expect(manifest.apiVersion == "argoproj.io/v1alpha1" && manifest.kind == "Workflow" && manifest.spec.entrypoint == "main", "\(label)")
        #expect(manifest.metadata.generateName == "wf-\((export.workflowFile as NSString).lastPathComponent.replacingOccurrences(of: ".yaml", with: ""))-")
        #expect(manifest.spec.artifactRepositoryRef == ArgoWorkflow.ArtifactRepositoryRef(configMap: "artifact-repositories", key: "wf"))
        // A valid Kubernetes label value.
        #expect(run.count <= 63 && run.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) } && run.first!.isLetter && (run.last!.isLetter || run.last!.isNumber))
        let templates = Dictionary(uniqueKeysWithValues: manifest.spec.templates.map { ($0.name, $0) })
        #expect(templates.count == manifest.spec.templates.count, "\(label): template names repeat")
        let tasks = try #require(templates["main"]?.dag?.tasks, "\(label): no main DAG")
        let taskOf = Dictionary(uniqueKeysWithValues: spec.jobs.map { ($0.name, ArgoWorkflow.taskName($0.name)) })
        #expect(tasks.map(\.name) == spec.jobs.map { taskOf[$0.name]! }, "\(label)")

        // The dependency graph is the workflow's needs.
        let edges = Set(tasks.flatMap { task in (task.dependencies ?? []).map { "\(task.name)<-\($0)" } })
        let needs = Set(spec.jobs.flatMap { job in job.needs.map { "\(taskOf[job.name]!)<-\(taskOf[$0]!)" } })
        #expect(edges == needs, "\(label)")

        for job in spec.jobs {
            let task = try #require(tasks.first { $0.name == taskOf[job.name] })
            let template = try #require(templates[task.template], "\(label): task \(task.name) names template \(task.template), which is not there")
            let templateInputs = template.inputs?.artifacts ?? []
            // Every from names a dependency's declared output, for an input the template declares.
            for argument in task.arguments?.artifacts ?? [] {
                let from = try #require(argument.from)
                let parts = from.dropFirst(2).dropLast(2).split(separator: ".").map(String.init)
                #expect(from.hasPrefix("{{") && from.hasSuffix("}}") && parts.count == 5 && parts[0] == "tasks" && parts[2] == "outputs" && parts[3] == "artifacts", "\(from)")
                #expect(task.dependencies?.contains(parts[1]) == true, "\(label): \(task.name) reads \(parts[1]), not one of its dependencies")
                let source = try #require(tasks.first { $0.name == parts[1] })
                #expect(templates[source.template]?.outputs?.artifacts.contains { $0.name == parts[4] } == true, "\(label): \(from) is not declared")
                #expect(templateInputs.contains { $0.name == argument.name && $0.path == "/inputs/\(argument.name)" })
            }
            for (name, input) in job.inputs {
                let artifact = templateInputs.first { $0.name == name }
                var dataset: String?
                switch input {
                case .output(let source, let output):
                    #expect(artifact?.s3 == nil && artifact?.raw == nil && artifact?.path == "/inputs/\(name)")
                    #expect(task.arguments?.artifacts.contains { $0.name == name && $0.from == "{{tasks.\(taskOf[source]!).outputs.artifacts.\(output)}}" } == true)
                case .dataset(let ref): dataset = String(ref.split(separator: ":")[0])
                case .workflowInput(let input) where spec.inputs[input]?.kind == .dataset: dataset = inputs[input]
                case .string, .workflowInput: #expect(artifact?.raw != nil && artifact?.path == "/inputs/\(name)", "\(label): \(name)")
                case .volume: #expect(template.container?.volumeMounts?.contains { $0.mountPath == "/inputs/\(name)" } == true)
                }
                if let dataset {
                    #expect(artifact?.s3?.key == ArgoArtifactKeys.version(dataset: dataset, id: try #require(versions[dataset])), "\(label): \(job.name).\(name)")
                    #expect(artifact?.path == "/inputs/\(name)")
                }
            }
            let outputs = template.outputs?.artifacts ?? []
            #expect(outputs.map(\.name) == job.outputs.keys.sorted(), "\(label): \(job.name)")
            for output in outputs {
                #expect(output.s3?.key == ArgoArtifactKeys.output(run: run, job: job.name, output: output.name) && output.path == "/outputs/\(output.name)")
                #expect(output.s3?.key == "wf/runs/\(run)/\(job.name)/\(output.name).tgz")
            }
            let container = try #require(template.container)
            switch job.action {
            case .script:
                #expect(container.command == ["/bin/sh", "-e", "-c"] && container.args?.count == 1 && container.args?.first == job.with["script"].flatMap { value -> String? in
                    if case .literal(let text) = value { return text } else { return nil }
                })
            case .container:
                #expect(container.command != nil || container.args != nil)
            default:
                // A built-in: wf in its image, on the plan of this very run.
                #expect(container.image == "ghcr.io/wf/wf:latest" && container.command == ["wf", "job", "exec", "/wf/plan.json", job.name, "--staged"])
                let plan = try #require(templateInputs.first { $0.name == "wf-plan" && $0.path == "/wf/plan.json" }?.raw?.data)
                let file = try JSONDecoder().decode(JobPlanFile.self, from: Data(plan.utf8))
                #expect(file.plan.runID == run && file.plan.commit == head && file.home == nil && file.checkout == "/wf/checkout")
                #expect(file.plan.jobs.map(\.name) == spec.jobs.map(\.name))
            }
        }
    }
}
