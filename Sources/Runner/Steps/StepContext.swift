import Datasets
import Foundation
import Workflows

/// Everything one step sees: its planned job, where its inputs and outputs are, its
/// environment and its log. Inputs and outputs map names to folders, or to files for
/// `string` values.
struct StepContext {
    let job: PlannedJob
    let runID: String
    let workflow: String
    let inputs: [String: String]
    let outputs: [String: String]
    let environment: [String: String]
    let workspace: String
    let log: JobLog
    let options: RunOptions
    let store: DatasetStore
    let defaultModel: String?
    let checkout: String
    let commit: String?
    /// The repository provenance names (origin URL or checkout path).
    let repository: String
    /// Values of the secrets the run uses, by name.
    let secrets: [String: String]
    /// Where script and container steps run.
    let executors: ExecutorSelection?

    /// A value as text: a literal, a secret's value, or this run's context value.
    func text(_ value: Value?, key: String) throws -> String? {
        switch value {
        case .literal(let text)?: return text
        case .list(let items)?: return items.joined(separator: " ")
        case .secret(let name)?:
            guard let value = secrets[name] else {
                throw RunError.missingInput(job: job.name, input: "secret:\(name)", detail: "not set; set it with wf secrets set \(name)")
            }
            return value
        case .context(let path)?:
            switch path {
            case "event.github.url": return repository
            case "event.github.ref": return commit
            default: throw RunError.unsupported(job: job.name, detail: "with: \(key): context.\(path) is not known to wf run")
            }
        case nil: return nil
        }
    }

    /// The folder of the job's only output of `kind` (`dataset` or `volume`), or an error that says what to add.
    func folderOutput(for action: String, accepting kinds: Set<String>) throws -> String {
        let matches = job.outputs.filter { kinds.contains($0.value.kindName) }.keys.sorted()
        guard let name = matches.first else {
            throw RunError.unsupported(job: job.name, detail: "\(action) needs a \(kinds.sorted().joined(separator: " or ")) output to write into")
        }
        guard matches.count == 1 else {
            throw RunError.unsupported(job: job.name, detail: "\(action) writes one output, and this job has \(matches.count) (\(matches.joined(separator: ", ")))")
        }
        return outputs[name]!
    }

    /// Refuses, in a confined run (one a push started), a path on the host named by `key`.
    func refuseHostPath(_ path: String, key: String) throws {
        guard options.confined else { return }
        if path.hasPrefix("/") || path.hasPrefix("~") || path.hasPrefix("file:") || path.split(separator: "/").contains("..") {
            throw RunError.unsupported(job: job.name, detail: "with: \(key): \(path) is a path on this machine, which a run started by a push may not read; use a job input or a hub id")
        }
    }

    /// `INPUT/PATH` or `INPUT` → a path inside that input, refusing `..`.
    func inputPath(_ reference: String, key: String) throws -> String {
        let parts = reference.split(separator: "/", maxSplits: 1).map(String.init)
        guard let first = parts.first, let folder = inputs[first], !reference.split(separator: "/").contains("..") else {
            throw RunError.missingInput(job: job.name, input: key,
                                        detail: "\(reference) must be INPUT or INPUT/PATH with INPUT one of: \(inputs.keys.sorted().joined(separator: ", "))")
        }
        return parts.count == 2 ? "\(folder)/\(parts[1])" : folder
    }

    /// The request a script or container step hands its executor.
    func executionRequest(image: String?, entrypoint: [String]?, arguments: [String]?) -> ExecutionRequest {
        ExecutionRequest(run: runID, job: job.name, image: image, entrypoint: entrypoint, arguments: arguments, inputs: inputs, outputs: outputs,
                         environment: environment, network: options.network, timeout: options.stepTimeout, gpus: job.instanceType.map(InstanceType.isGPU) ?? false,
                         workspace: workspace, limits: job.limits ?? ResourceLimits(), cancellation: options.cancellation)
    }
}

/// What a step reports for provenance and the run record.
struct StepResult {
    var settingsDigest: String?
    var modelDigest: String?
    /// Versions the step committed itself (create-model@v1): output name → `DATASET:ID`.
    var committed: [String: String] = [:]
    /// The image that ran (`sha256:…`), for script and container steps in a container runtime.
    var imageDigest: String?
    /// Where a model named by a hub id came from, for provenance (`gpt2 = PATH (--model)`).
    var modelSource: String?

    /// What the job record keeps of it for provenance (`JobRecord.provenance`).
    var provenance: [String: String] {
        var values = [String: String]()
        values["settings"] = settingsDigest
        values["model"] = modelDigest
        values["modelSource"] = modelSource
        values["image"] = imageDigest
        return values
    }
}

extension OutputTarget {
    var kindName: String {
        switch self {
        case .dataset: return "dataset"
        case .volume: return "volume"
        case .string: return "string"
        }
    }
}
