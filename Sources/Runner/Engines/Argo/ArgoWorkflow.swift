import Datasets
import Foundation
import GitSource
import Workflows
import Yams

/// An Argo Workflows `Workflow` (`argoproj.io/v1alpha1`) that runs a `RunPlan` on Kubernetes:
/// only the fields wf uses, named and nested as Argo's field reference names them
/// (https://argo-workflows.readthedocs.io/en/latest/fields/: `Workflow`, `WorkflowSpec`,
/// `Template`, `DAGTemplate`, `DAGTask`, `Inputs`, `Outputs`, `Arguments`, `Artifact`,
/// `S3Artifact`, `RawArtifact`, `GitArtifact`, `ArtifactRepositoryRef`; the container, its
/// `EnvVar`s, `ResourceRequirements`, `Volume`s and `VolumeMount`s as Kubernetes' core/v1).
/// `make(plan:settings:)` is the whole mapping; `yaml()` and `json()` write it.
///
///     apiVersion: argoproj.io/v1alpha1
///     kind: Workflow
///     metadata: {generateName: wf-STEM-, labels: {wf.run: RUN}, namespace: NS}
///     spec:
///       entrypoint: main
///       artifactRepositoryRef: {configMap: artifact-repositories, key: wf}
///       templates:
///       - name: main
///         dag: {tasks: [{name: TASK, template: job-TASK, dependencies: [NEED...],
///                        arguments: {artifacts: [{name: INPUT, from: "{{tasks.SRC.outputs.artifacts.OUTPUT}}"}]}}]}
///       - name: job-TASK                 one container template per job
///         inputs: {artifacts: [{name: INPUT, path: /inputs/INPUT, s3: {key: …} | raw: {data: …}}]}
///         outputs: {artifacts: [{name: OUTPUT, path: /outputs/OUTPUT, s3: {key: wf/runs/RUN/JOB/OUTPUT.tgz}}]}
///         container: {image, command, args, env, resources: {limits: {cpu, memory, nvidia.com/gpu}}, volumeMounts}
///         volumes: [{name, emptyDir: {}}]
///
/// Each job reads its inputs at `/inputs/NAME` and writes its outputs at `/outputs/NAME`, as
/// under `wf run`: another job's output arrives by the DAG task's `from`, a dataset version
/// from the artifact repository at its content address (`ArgoArtifactKeys`), a string as a
/// raw artifact (a file), an empty volume as an `emptyDir`. `/outputs` is an `emptyDir`, and a
/// script or container job's folder outputs are `emptyDir`s too, so they exist, empty and
/// writable, when the step starts (as wf makes them; Argo collects outputs from volumes under
/// any executor). Built-in actions run `wf job exec /wf/plan.json JOB --staged` in the wf
/// image, the plan file given as a raw artifact; a `git-checkout@v1` of the run's own
/// repository also gets the run's commit at `/wf/checkout` (a git artifact), the checkout
/// `wf run` would copy.
public struct ArgoWorkflow: Codable, Sendable, Equatable {
    public var apiVersion = "argoproj.io/v1alpha1"
    public var kind = "Workflow"
    public var metadata: Metadata
    public var spec: Spec

    /// `ObjectMeta`: Kubernetes names the workflow `generateName` plus five random characters.
    public struct Metadata: Codable, Sendable, Equatable {
        public var generateName: String
        public var namespace: String?
        public var labels: Labels
    }

    /// The workflow's labels: `wf.run`, the run id (a valid label value), to find a run's pods.
    public struct Labels: Codable, Sendable, Equatable {
        public var run: String
        enum CodingKeys: String, CodingKey { case run = "wf.run" }
    }

    /// `WorkflowSpec`: the entry template (`main`), where artifacts live, the templates.
    public struct Spec: Codable, Sendable, Equatable {
        public var entrypoint: String
        public var artifactRepositoryRef: ArtifactRepositoryRef
        public var templates: [Template]
    }

    /// `ArtifactRepositoryRef`: key `key` of ConfigMap `configMap` (in the workflow's
    /// namespace) describes the bucket every key-only artifact is in.
    public struct ArtifactRepositoryRef: Codable, Sendable, Equatable {
        public var configMap: String
        public var key: String
        public init(configMap: String, key: String) {
            self.configMap = configMap
            self.key = key
        }
    }

    /// `Template`: the `main` DAG, or one job's container with its artifacts and volumes.
    public struct Template: Codable, Sendable, Equatable {
        public var name: String
        public var inputs: Artifacts?
        public var outputs: Artifacts?
        public var dag: DAG?
        public var container: Container?
        public var volumes: [Volume]?
    }

    /// `DAGTemplate`.
    public struct DAG: Codable, Sendable, Equatable {
        public var tasks: [Task]
    }

    /// `DAGTask`: runs `template` once every task in `dependencies` has succeeded.
    public struct Task: Codable, Sendable, Equatable {
        public var name: String
        public var template: String
        public var dependencies: [String]?
        public var arguments: Artifacts?
    }

    /// `Inputs`, `Outputs` and `Arguments`, of which wf uses the artifacts only.
    public struct Artifacts: Codable, Sendable, Equatable {
        public var artifacts: [Artifact]
    }

    /// `Artifact`: in a template, where it is (`path`) and, for an input, where it comes from
    /// (`s3`, `raw`, `git`); in a task's arguments, `from` another task's output.
    public struct Artifact: Codable, Sendable, Equatable {
        public var name: String
        public var path: String?
        public var from: String?
        public var s3: S3?
        public var raw: Raw?
        public var git: Git?

        public init(name: String, path: String? = nil, from: String? = nil, s3: S3? = nil, raw: Raw? = nil, git: Git? = nil) {
            self.name = name
            self.path = path
            self.from = from
            self.s3 = s3
            self.raw = raw
            self.git = git
        }
    }

    /// `S3Artifact` with only a key: the rest comes from the artifact repository.
    public struct S3: Codable, Sendable, Equatable {
        public var key: String
        public init(key: String) { self.key = key }
    }

    /// `RawArtifact`: the file's contents, in the manifest.
    public struct Raw: Codable, Sendable, Equatable {
        public var data: String
        public init(data: String) { self.data = data }
    }

    /// `GitArtifact`: `repo` cloned at `revision`.
    public struct Git: Codable, Sendable, Equatable {
        public var repo: String
        public var revision: String
        public init(repo: String, revision: String) {
            self.repo = repo
            self.revision = revision
        }
    }

    /// core/v1 `Container`.
    public struct Container: Codable, Sendable, Equatable {
        public var image: String
        public var command: [String]?
        public var args: [String]?
        public var env: [EnvVar]?
        public var resources: Resources?
        public var volumeMounts: [VolumeMount]?
    }

    /// core/v1 `EnvVar`: a literal `value`, or `valueFrom` a key of a Kubernetes secret.
    public struct EnvVar: Codable, Sendable, Equatable {
        public var name: String
        public var value: String?
        public var valueFrom: EnvVarSource?
    }

    /// core/v1 `EnvVarSource`.
    public struct EnvVarSource: Codable, Sendable, Equatable {
        public var secretKeyRef: SecretKeySelector
    }

    /// core/v1 `SecretKeySelector`: key `key` of secret `name`.
    public struct SecretKeySelector: Codable, Sendable, Equatable {
        public var name: String
        public var key: String
        public init(name: String, key: String) {
            self.name = name
            self.key = key
        }
    }

    /// core/v1 `ResourceRequirements` (limits only; Kubernetes takes the requests from them).
    public struct Resources: Codable, Sendable, Equatable {
        public var limits: Limits
    }

    /// Quantities, as strings: whole CPUs, memory in bytes or with a binary suffix, GPUs.
    public struct Limits: Codable, Sendable, Equatable {
        public var cpu: String?
        public var memory: String?
        public var gpu: String?
        enum CodingKeys: String, CodingKey { case cpu, memory, gpu = "nvidia.com/gpu" }
        public init(cpu: String? = nil, memory: String? = nil, gpu: String? = nil) {
            self.cpu = cpu
            self.memory = memory
            self.gpu = gpu
        }
    }

    /// core/v1 `Volume`: wf uses scratch folders only.
    public struct Volume: Codable, Sendable, Equatable {
        public var name: String
        public var emptyDir: EmptyDir
    }

    /// core/v1 `EmptyDirVolumeSource`, with its defaults: `{}`.
    public struct EmptyDir: Codable, Sendable, Equatable {}

    /// core/v1 `VolumeMount`.
    public struct VolumeMount: Codable, Sendable, Equatable {
        public var name: String
        public var mountPath: String
    }

    /// What the export adds to the plan: the cluster's names for things.
    public struct Settings: Sendable {
        /// `metadata.namespace`; nil leaves it to `kubectl`/`argo submit -n`.
        public var namespace: String?
        /// The ConfigMap and key that describe the artifact repository.
        public var artifactRepositoryConfigMap = "artifact-repositories"
        public var artifactRepositoryKey = "wf"
        /// The image with wf in it, for built-in actions (`wf job exec`).
        public var wfImage = "ghcr.io/wf/wf:latest"
        /// The Kubernetes secret whose keys are the workflow's secret names.
        public var secret = "wf-secrets"
        /// The run options embedded in the plan file for `wf job exec`.
        public var jobOptions: JobOptions

        public init(jobOptions: JobOptions = Settings.defaultJobOptions) { self.jobOptions = jobOptions }

        /// `RunOptions`' defaults, with secrets read where a pod could have them (`--staged`
        /// reads each from the environment variable of its name first).
        public static var defaultJobOptions: JobOptions {
            var options = JobOptions(RunOptions())
            options.secretsFolder = ArgoWorkflow.secretsFolder
            return options
        }
    }

    /// Where built-in actions find the plan file, the checkout and (failing their environment) secrets.
    public static let planPath = "/wf/plan.json"
    public static let checkoutPath = "/wf/checkout"
    public static let secretsFolder = "/wf/secrets"
    /// The templates' name for the DAG (`spec.entrypoint`).
    public static let entrypoint = "main"

    /// Refusals that are not one job's: one line that says what to do.
    public struct Refusal: Error, CustomStringConvertible, Equatable {
        public var description: String
        public init(_ description: String) { self.description = description }
    }

    // MARK: - The mapping

    /// The workflow that runs `plan`, every job a DAG task and a container template.
    ///
    /// - Throws: `RunError.unsupported` naming the job for what a cluster cannot do: an input
    ///   that is a folder on this machine, a `script@v1` without an image, two jobs whose Argo
    ///   names are the same, an unknown `context.` value; and a git checkout of a repository
    ///   that has no URL a cluster could clone.
    public static func make(plan: RunPlan, settings: Settings = Settings()) throws -> ArgoWorkflow {
        let tasks = try taskNames(plan)
        // The same plan file for every built-in job; `wf job exec` picks its job by name.
        var planFile: String?
        func planData() throws -> String {
            if let planFile { return planFile }
            let data = try JobPlanFile(plan: plan, home: nil, checkout: checkoutPath, options: settings.jobOptions).encoded()
            planFile = String(decoding: data, as: UTF8.self)
            return planFile!
        }
        var dagTasks = [Task]()
        var templates = [Template]()
        for job in plan.jobs {
            let task = tasks[job.name]!
            var inputs = [Artifact](), arguments = [Artifact](), volumes = [Volume](), mounts = [VolumeMount]()
            var dependencies = job.needs.map { tasks[$0] ?? taskName($0) }
            for (name, artifact) in job.inputs.sorted(by: { $0.key < $1.key }) {
                let path = "/inputs/\(name)"
                switch artifact {
                case .jobOutput(let source, let output):
                    guard let sourceTask = tasks[source] else {
                        throw RunError.unsupported(job: job.name, detail: "input \(name) reads \(source).outputs.\(output), a job this plan does not run")
                    }
                    inputs.append(Artifact(name: name, path: path))
                    arguments.append(Artifact(name: name, from: "{{tasks.\(sourceTask).outputs.artifacts.\(output)}}"))
                    // An input may read an output of any job it needs, directly or not; Argo
                    // resolves `tasks.X` for a dependency, so the source is listed (it is an
                    // ancestor already: the order does not change).
                    if !dependencies.contains(sourceTask) { dependencies.append(sourceTask) }
                case .datasetVersion(let dataset, let id):
                    inputs.append(Artifact(name: name, path: path, s3: S3(key: ArgoArtifactKeys.version(dataset: dataset, id: id))))
                case .string(let value):
                    inputs.append(Artifact(name: name, path: path, raw: Raw(data: value)))
                case .emptyVolume:
                    let volume = "input-\(volumes.count + 1)"
                    volumes.append(Volume(name: volume, emptyDir: EmptyDir()))
                    mounts.append(VolumeMount(name: volume, mountPath: path))
                case .hostFolder(let folder):
                    throw RunError.unsupported(job: job.name, detail: "input \(name) is the folder \(folder) on this machine, which a cluster cannot reach; "
                                               + "put it in a dataset (wf datasets put NAME \(folder)) and give that dataset as the input")
                }
            }
            var outputs = [Artifact]()
            if !job.outputs.isEmpty {
                volumes.append(Volume(name: "outputs", emptyDir: EmptyDir()))
                mounts.append(VolumeMount(name: "outputs", mountPath: "/outputs"))
            }
            let runsImage = job.action == .script || job.action == .container
            for (name, target) in job.outputs.sorted(by: { $0.key < $1.key }) {
                let path = "/outputs/\(name)"
                outputs.append(Artifact(name: name, path: path, s3: S3(key: ArgoArtifactKeys.output(run: plan.runID, job: job.name, output: name))))
                // wf gives a step its folder outputs made; an image knows nothing of them.
                if runsImage && target != .string {
                    let volume = "output-\(outputs.count)"
                    volumes.append(Volume(name: volume, emptyDir: EmptyDir()))
                    mounts.append(VolumeMount(name: volume, mountPath: path))
                }
            }
            var env = try environment(of: job, plan: plan, settings: settings)
            var container: Container
            switch job.settings {
            case .script(let script):
                guard let image = script.image else {
                    throw RunError.unsupported(job: job.name, detail: "script@v1 needs an image on Kubernetes, where every step runs in one: add image: (such as image: python:3.11) to its with:")
                }
                container = Container(image: image, command: ["/bin/sh", "-e", "-c"], args: [script.script])
            case .container(let settings):
                container = Container(image: settings.image, command: settings.entrypoint, args: settings.arguments)
            case .createModel:
                throw RunError.unsupported(job: job.name, detail: "create-model@v1 commits into wf's store, which a pod does not have; run this workflow with wf run (or --executor slurm)")
            default:
                for reserved in ["wf-plan", "wf-checkout"] where job.inputs[reserved] != nil {
                    throw RunError.unsupported(job: job.name, detail: "input \(reserved) has the name of the artifact wf adds for \(job.action.rawValue); rename the input")
                }
                inputs.append(Artifact(name: "wf-plan", path: planPath, raw: Raw(data: try planData())))
                if case .gitCheckout(let checkout) = job.settings, readsThisRepository(checkout, plan: plan) {
                    inputs.append(Artifact(name: "wf-checkout", path: checkoutPath, git: try git(plan, job: job)))
                }
                container = Container(image: settings.wfImage, command: ["wf", "job", "exec", planPath, job.name, "--staged"])
                // `wf job exec --staged` reads each secret the job uses from the environment variable of its name.
                for secret in job.secrets {
                    if let existing = env.first(where: { $0.name == secret }) {
                        guard existing.valueFrom?.secretKeyRef.key == secret else {
                            throw RunError.unsupported(job: job.name, detail: "env \(secret) would hide secret:\(secret), which wf job exec reads from the variable of that name; rename the variable")
                        }
                        continue
                    }
                    env.append(secretVariable(secret, key: secret, settings: settings))
                }
                env.sort { $0.name < $1.name }
            }
            container.env = env.isEmpty ? nil : env
            container.resources = resources(of: job)
            container.volumeMounts = mounts.isEmpty ? nil : mounts
            templates.append(Template(name: templateName(task), inputs: inputs.isEmpty ? nil : Artifacts(artifacts: inputs),
                                      outputs: outputs.isEmpty ? nil : Artifacts(artifacts: outputs), container: container,
                                      volumes: volumes.isEmpty ? nil : volumes))
            dagTasks.append(Task(name: task, template: templateName(task), dependencies: dependencies.isEmpty ? nil : dependencies,
                                 arguments: arguments.isEmpty ? nil : Artifacts(artifacts: arguments)))
        }
        templates.insert(Template(name: entrypoint, dag: DAG(tasks: dagTasks)), at: 0)
        return ArgoWorkflow(metadata: Metadata(generateName: generateName(workflow: plan.workflow), namespace: settings.namespace,
                                               labels: Labels(run: labelValue(plan.runID))),
                            spec: Spec(entrypoint: entrypoint,
                                       artifactRepositoryRef: ArtifactRepositoryRef(configMap: settings.artifactRepositoryConfigMap, key: settings.artifactRepositoryKey),
                                       templates: templates))
    }

    /// `defaults.env` and the job's `env`, sorted: literals as values, `secret:NAME` from key
    /// NAME of the settings' Kubernetes secret, context values from the plan.
    static func environment(of job: PlannedJob, plan: RunPlan, settings: Settings) throws -> [EnvVar] {
        try job.environment.sorted(by: { $0.key < $1.key }).map { key, value in
            switch value {
            case .literal(let text): return EnvVar(name: key, value: text)
            case .list(let items): return EnvVar(name: key, value: items.joined(separator: " "))
            case .secret(let name): return secretVariable(key, key: name, settings: settings)
            case .context(let path):
                switch path {
                case "event.github.url": return EnvVar(name: key, value: plan.repository)
                case "event.github.ref": return EnvVar(name: key, value: plan.commit ?? "")
                default: throw RunError.unsupported(job: job.name, detail: "env \(key): context.\(path) is not known to wf (it knows context.event.github.url and .ref)")
                }
            }
        }
    }

    static func secretVariable(_ name: String, key: String, settings: Settings) -> EnvVar {
        EnvVar(name: name, valueFrom: EnvVarSource(secretKeyRef: SecretKeySelector(name: settings.secret, key: key)))
    }

    /// `limits.cpu`, `limits.memory` and a GPU instance type's GPUs; nil when none is set.
    static func resources(of job: PlannedJob) -> Resources? {
        var limits = Limits()
        if let cpu = job.limits?.cpu { limits.cpu = String(cpu) }
        if let memory = job.limits?.memory { limits.memory = quantity(bytes: memory) }
        if let type = job.instanceType, InstanceType.isGPU(type) { limits.gpu = String(InstanceType.gpus(type)) }
        return limits == Limits() ? nil : Resources(limits: limits)
    }

    /// Bytes as a Kubernetes quantity: `8Gi`, `512Mi`, `1536Ki`, else plain bytes.
    public static func quantity(bytes: Int64) -> String {
        for (suffix, unit) in [("Ti", Int64(1) << 40), ("Gi", 1 << 30), ("Mi", 1 << 20), ("Ki", 1 << 10)] where bytes >= unit && bytes % unit == 0 {
            return "\(bytes / unit)\(suffix)"
        }
        return String(bytes)
    }

    /// A `git-checkout@v1` whose url is the run's own repository (or none) copies the run's checkout.
    static func readsThisRepository(_ settings: GitCheckoutSettings, plan: RunPlan) -> Bool {
        switch settings.url {
        case nil, .context("event.github.url")?: return true
        case .literal(let url)?: return RepositoryURL(url) == RepositoryURL(plan.repository)
        default: return false
        }
    }

    /// The run's repository at its commit, as a cluster can clone it.
    static func git(_ plan: RunPlan, job: PlannedJob) throws -> Git {
        guard let commit = plan.commit else {
            throw RunError.unsupported(job: job.name, detail: "git-checkout@v1 copies the run's repository, and \(plan.repository) has no commit; commit, push, and export again")
        }
        guard !plan.repository.hasPrefix("/") else {
            throw RunError.unsupported(job: job.name, detail: "git-checkout@v1 copies the run's repository, which is the folder \(plan.repository) on this machine; "
                                       + "give it a remote a cluster can clone (git remote add origin URL), push, and export again")
        }
        return Git(repo: plan.repository, revision: commit)
    }

    // MARK: - Names

    /// Each job's DAG task name: `taskName` of its name, refused when two jobs would share one.
    ///
    /// - Throws: `RunError.unsupported` naming the second job and the first.
    public static func taskNames(_ plan: RunPlan) throws -> [String: String] {
        var names = [String: String](), owners = [String: String]()
        for job in plan.jobs {
            let name = taskName(job.name)
            if let owner = owners[name] {
                throw RunError.unsupported(job: job.name, detail: "its Argo task name would be \(name), as job \(owner)'s is "
                                           + "(Argo names are lowercase letters, digits and '-'); rename one of them")
            }
            owners[name] = job.name
            names[job.name] = name
        }
        return names
    }

    /// A job name as Argo names DAG tasks and templates (DNS-1123 labels: lowercase letters,
    /// digits and '-', starting and ending with a letter or digit, at most 63 characters;
    /// 59 here, so that `job-NAME` is one too): `Train_Model` → `train-model`.
    public static func taskName(_ job: String) -> String {
        let mapped = String(job.lowercased().map { $0.isASCII && ($0.isLetter || $0.isNumber) ? $0 : "-" })
        let name = trimmed(String(trimmed(mapped).prefix(59)))
        return name.isEmpty ? "job" : name
    }

    /// The container template of a task: `job-TASK` (never `main`, the DAG's).
    public static func templateName(_ task: String) -> String { "job-\(task)" }

    /// `wf-STEM-` from the workflow file's name, STEM a DNS-1123 label short enough that the
    /// name Kubernetes makes (five more characters) is one too.
    static func generateName(workflow: String) -> String {
        let stem = ((workflow as NSString).lastPathComponent as NSString).deletingPathExtension
        let name = trimmed(String(trimmed(String(stem.lowercased().map { $0.isASCII && ($0.isLetter || $0.isNumber) ? $0 : "-" })).prefix(54)))
        return "wf-\(name.isEmpty ? "workflow" : name)-"
    }

    /// A Kubernetes label value: at most 63 of letters, digits, '-', '_' and '.', starting and
    /// ending with a letter or digit (run ids already are).
    static func labelValue(_ text: String) -> String {
        let mapped = String(text.map { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) ? $0 : "-" }.prefix(63))
        return String(mapped.drop { !($0.isLetter || $0.isNumber) }.reversed().drop { !($0.isLetter || $0.isNumber) }.reversed())
    }

    private static func trimmed(_ text: String) -> String {
        String(text.drop { $0 == "-" }.reversed().drop { $0 == "-" }.reversed())
    }

    // MARK: - Writing

    /// The manifest as YAML (libyaml through Yams): fields in Argo's order, multi-line strings
    /// (scripts, the plan file) as literal blocks, strings YAML 1.1 would read as something
    /// else quoted.
    public func yaml() throws -> String {
        let encoder = YAMLEncoder()
        encoder.options.width = -1
        encoder.options.newLineScalarStyle = .literal
        return try encoder.encode(self)
    }

    /// The manifest as JSON (`kubectl` and `argo submit` take either), indented, keys sorted
    /// (so one plan always gives the same bytes; `apiVersion`, `kind`, `metadata`, `spec` stay first).
    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self) + "\n"
    }
}

// MARK: - Planning for an export

extension ArgoWorkflow {
    /// Plans `workflowFile` as `wf run` would, but as it is in the HEAD commit of `checkout`:
    /// a cluster can fetch only what was committed, so the plan (and the checkout a
    /// `git-checkout@v1` gets) is HEAD's, whatever the working tree holds. `log` gets a note
    /// when the file has uncommitted changes.
    ///
    /// - Throws: `Refusal` when `checkout` is not a git checkout with a commit holding the
    ///   file; the parser's `WorkflowErrors`; the `Planner`'s errors.
    public static func plan(workflowFile: String, checkout: String, store: DatasetStore, options: RunOptions,
                            log: (String) -> Void = { _ in }) throws -> RunPlan {
        let relative = workflowFile.hasPrefix(checkout + "/") ? String(workflowFile.dropFirst(checkout.count + 1)) : workflowFile
        guard let repository = try? GitRepository.open(checkout), let head = try? repository.head().commit else {
            throw Refusal("\(workflowFile): wf export plans the workflow at the checkout's HEAD commit, and \(checkout) is not a git checkout with one; commit the workflow first")
        }
        guard !relative.hasPrefix("/"), let data = try repository.file(relative, at: head) else {
            throw Refusal("\(workflowFile) is not in the HEAD commit (\(head.prefix(12))) of \(checkout); commit it first")
        }
        let text = String(decoding: data, as: UTF8.self)
        if let working = try? String(contentsOfFile: workflowFile, encoding: .utf8), working != text {
            log("note: \(relative) has uncommitted changes; the export is of HEAD (\(head.prefix(12)))")
        }
        let spec = try WorkflowParser.parse(text, file: relative)
        let source = CheckoutSource(checkout)
        return try Planner(store: store).plan(spec, runID: options.runID ?? LocalRunner.newRunID(), repository: source.repository,
                                              commit: head, options: options)
    }
}
