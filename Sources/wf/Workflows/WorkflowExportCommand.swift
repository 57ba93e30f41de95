import ArgumentParser
import Datasets
import Foundation
import Runner
import S3

/// `wf export ENGINE FILE`: a workflow written for another engine to run. (The type is not
/// `ExportCommand`, which is `wf datasets export`'s.)
struct WorkflowExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a workflow as another engine's manifest (Argo Workflows), for it to run.",
        subcommands: [ArgoExportCommand.self]
    )
}

/// `wf export argo FILE`: the run `wf run` would plan, as an Argo `Workflow` manifest.
struct ArgoExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "argo",
        abstract: "Export a workflow as an Argo Workflows Workflow manifest (YAML or JSON).",
        discussion: """
            The workflow is planned exactly as `wf run` plans it, but from the checkout's HEAD commit: a cluster can fetch only what is committed (uncommitted changes are noted and left out). Nothing runs and nothing is submitted; submit the manifest with `argo submit FILE` (or `kubectl create -f FILE`).

            Checked here: the workflow (as `wf validate` checks it), every job's with: by its action's schema, --input values, dataset references (resolved now to version ids in this home's store), and what a cluster cannot run, refused with the job named: an input that is a folder on this machine (put it in a dataset), a script@v1 without image:, a git-checkout@v1 of a repository with no remote to clone, two jobs with the same Argo name (lowercase letters, digits, '-'). Not checked, because only the cluster knows: that the images exist, that the secret holds the keys, that the artifact repository holds the versions.

            The manifest: template main is a DAG with a task per job (its dependencies: the job's needs); each job has a container template job-TASK, its inputs at /inputs/NAME and outputs at /outputs/NAME as under wf run. Another job's output is passed from that task; a dataset version is read from the artifact repository at wf/versions/DATASET/VERSION-ID.tgz (a gzipped tar of its files under one folder, which --upload-inputs puts there); a string input is a raw artifact; an empty volume an emptyDir. Each output is stored at wf/runs/RUN/JOB/OUTPUT.tgz. script@v1 runs /bin/sh -e -c SCRIPT in its image, container@v1 its image with its command and args; the built-in actions (text-generation, train, create-model, git-checkout, s3-download) run `wf job exec /wf/plan.json JOB --staged` in --wf-image, with the plan as a file. secret:NAME in env: is key NAME of the Kubernetes secret --secret; context.event.github.url and .ref are the repository and the commit. limits.cpu, limits.memory and a GPU instance type's GPUs (nvidia.com/gpu) are the container's limits.

            Standard output (or --out) is the manifest alone; standard error names the run, the secret keys and the artifact keys the cluster must have. --upload-inputs s3://BUCKET puts the dataset versions there (a gzipped tar each, skipped when the key exists: a version id never changes).

            Examples:
              wf export argo .gradient/workflows/train.yaml --out train.argo.yaml --upload-inputs s3://ml-artifacts
              argo submit -n ml --watch train.argo.yaml
              wf export argo workflows/gen.yaml --input corpus=shakespeare --format json --namespace ml --secret ml-secrets > gen.json
            """
    )

    enum ManifestFormat: String, ExpressibleByArgument, CaseIterable { case yaml, json }

    @Argument(help: "The workflow file, committed in its checkout.")
    var workflow: String

    @Option(name: .customLong("input"), help: ArgumentHelp("Set a workflow input (repeatable); a dataset input takes a REF.", valueName: "name=value"))
    var inputs: [String] = []

    @Option(help: ArgumentHelp("Write the manifest here (atomically) instead of to standard output.", valueName: "file"))
    var out: String?

    @Option(help: "yaml or json.")
    var format: ManifestFormat = .yaml

    @Option(help: "The Kubernetes namespace to write into the manifest (default: none, so `argo submit -n` decides).")
    var namespace: String?

    @Option(help: ArgumentHelp("The ConfigMap that describes the artifact repository.", valueName: "name"))
    var artifactRepositoryConfigmap = "artifact-repositories"

    @Option(help: ArgumentHelp("The key of that ConfigMap to use.", valueName: "key"))
    var artifactRepositoryKey = "wf"

    @Option(help: ArgumentHelp("The image with wf installed, for the built-in actions.", valueName: "image"))
    var wfImage = "ghcr.io/wf/wf:latest"

    @Option(help: ArgumentHelp("The Kubernetes secret holding the workflow's secrets, one key per secret name.", valueName: "name"))
    var secret = "wf-secrets"

    @Option(help: ArgumentHelp("Also upload the dataset versions the workflow reads to this bucket, the artifact repository's (s3://BUCKET; the endpoint and credentials as the AWS tools take them: AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, a profile), where the manifest reads them.", valueName: "s3-url"))
    var uploadInputs: String?

    @OptionGroup var store: StoreOptions

    /// A DNS-1123 label (`dots` false) or subdomain, as Kubernetes names namespaces, secrets and ConfigMaps.
    static func isKubernetesName(_ name: String, limit: Int, dots: Bool) -> Bool {
        let allowed = { (c: Character) in c.isASCII && (c.isLowercase || c.isNumber || c == "-" || (dots && c == ".")) }
        let ends = { (c: Character) in c.isASCII && (c.isLowercase || c.isNumber) }
        return (1...limit).contains(name.count) && name.allSatisfy(allowed) && ends(name.first!) && ends(name.last!)
    }

    func run() throws {
        for (option, value, limit): (String, String?, Int) in [("--namespace", namespace, 63), ("--secret", secret, 253), ("--artifact-repository-configmap", artifactRepositoryConfigmap, 253)] {
            guard let value else { continue }
            guard Self.isKubernetesName(value, limit: limit, dots: limit > 63) else {
                throw ValidationError("\(option) \(value): a Kubernetes name is at most \(limit) lowercase letters, digits and '-'\(limit > 63 ? " or '.'" : ""), starting and ending with a letter or digit")
            }
        }
        guard !artifactRepositoryKey.isEmpty, artifactRepositoryKey.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-._".contains($0)) }) else {
            throw ValidationError("--artifact-repository-key \(artifactRepositoryKey): a ConfigMap key is letters, digits, '-', '_' and '.'")
        }
        guard !wfImage.isEmpty, !wfImage.contains(where: \.isWhitespace) else { throw ValidationError("--wf-image: name an image, such as ghcr.io/wf/wf:latest") }
        let file = URL(fileURLWithPath: workflow).standardized.path
        guard FileManager.default.fileExists(atPath: file) else { throw ValidationError("\(workflow): no such file") }
        guard let checkout = Checkout.enclosing(file) else {
            throw CommandFailure("\(workflow) is not in a git checkout; wf export plans the workflow at its checkout's HEAD commit")
        }
        // The bucket is checked before anything is planned or written: a failed export leaves no manifest.
        var bucket: (any ObjectStore)?
        if let uploadInputs {
            guard uploadInputs.hasPrefix("s3://"), let location = try? S3Location(parsing: uploadInputs), location.prefix.isEmpty else {
                throw ValidationError("--upload-inputs \(uploadInputs): give the artifact repository's bucket as s3://BUCKET (Argo reads key-only artifacts from the bucket's root)")
            }
            bucket = try StoreAccess.objectStore(RemoteConfig(name: "artifacts", url: uploadInputs))
        }
        var options = RunOptions()
        options.trigger = "wf export argo"
        options.inputs = try InputAssignments.parse(inputs)
        let plan = try ArgoWorkflow.plan(workflowFile: file, checkout: checkout, store: try store.open(.readOnly), options: options) { Console.error($0) }
        var settings = ArgoWorkflow.Settings()
        settings.namespace = namespace
        settings.artifactRepositoryConfigMap = artifactRepositoryConfigmap
        settings.artifactRepositoryKey = artifactRepositoryKey
        settings.wfImage = wfImage
        settings.secret = secret
        let manifest = try ArgoWorkflow.make(plan: plan, settings: settings)
        let text = format == .yaml ? try manifest.yaml() : try manifest.json()
        // The inputs go up first: a manifest is written only when what it reads is in place.
        if let bucket, let uploadInputs {
            let report = try ArgoInputUpload.upload(plan, from: try store.open(.readOnly), to: bucket,
                                                    scratch: NSTemporaryDirectory() + "wf-argo-upload-\(getpid())")
            for key in report.uploaded { Console.error("uploaded \(uploadInputs)/\(key)") }
            for key in report.present { Console.error("already there: \(uploadInputs)/\(key)") }
        }
        if let out {
            try Data(text.utf8).write(to: URL(fileURLWithPath: out), options: .atomic)
        } else {
            Console.write(text)
        }
        // What the cluster must hold, on standard error (standard output is the manifest).
        Console.error("exported \(Format.count(plan.jobs.count, "job")) of \(plan.workflow) at \(plan.commit.map { String($0.prefix(12)) } ?? "?") as run \(plan.runID)"
                      + (out.map { " to \($0)" } ?? ""))
        if !plan.secrets.isEmpty { Console.error("the cluster needs secret \(secret) with keys \(plan.secrets.joined(separator: ", "))") }
        var versions = Set<String>()
        for job in plan.jobs {
            for case .datasetVersion(let dataset, let id) in job.inputs.values { versions.insert(ArgoArtifactKeys.version(dataset: dataset, id: id)) }
        }
        if uploadInputs == nil && !versions.isEmpty {
            Console.error("and in the artifact repository (\(artifactRepositoryConfigmap)/\(artifactRepositoryKey)): \(versions.sorted().joined(separator: ", ")) (--upload-inputs s3://BUCKET puts them there)")
        }
    }
}
