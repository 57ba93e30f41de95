import Datasets
import TextGeneration
import Foundation
import Workflows

/// What every job of one run shares; read-only once the run starts.
struct RunContext: @unchecked Sendable {
    let plan: RunPlan
    let checkout: String
    let runFolder: String
    /// JOB → output NAME → its folder (or file, for a string output).
    let outputPaths: [String: [String: String]]
    let secrets: [String: String]
    let options: RunOptions
    let executors: ExecutorSelection?
    /// Where inputs that are other jobs' outputs come from: their folders on this machine
    /// (`outputPaths`), or, under `wf job exec`, the trees their result records name.
    var jobOutputs = JobOutputSource.folders

    var runID: String { plan.runID }
    var commit: String? { plan.commit }
    /// The repository provenance names: its origin URL, or the checkout's path.
    var repository: String { plan.repository }
}

/// Where a job reads another job's output.
enum JobOutputSource {
    /// The folder (or file) the other job wrote on this machine: a local run.
    case folders
    /// The tree (or value) the other job's `result.json` names, in the store of `home`: `wf job exec`.
    case results(home: String)
    /// Already at `/inputs/NAME` under this root, put there by the engine (Argo's artifacts).
    case staged(root: String)
}

/// The executors one run (or one job under `wf job exec`) prepared.
struct PreparedExecutors {
    let executors: ExecutorSelection
    let registryConfig: String?

    func finish() {
        executors.finish()
        if let registryConfig { try? FileManager.default.removeItem(atPath: registryConfig) }
    }
}

/// A finished job: the step's report and the values of its string outputs.
struct StepOutcome {
    var result: StepResult
    /// Output name → a string output's value or a version the step committed itself.
    var values: [String: String]
    /// Output name → the tree `wf job exec` stored it as, for a job an engine ran.
    var trees: [String: ObjectID] = [:]
    /// Seconds the step itself ran, without preparing its inputs and outputs.
    var stepSeconds: Double = 0
}

/// A step's error with the run's secrets masked.
struct RedactedError: Error, CustomStringConvertible {
    var description: String
}

extension LocalRunner {
    /// String outputs are small values; anything bigger belongs in a dataset.
    static let stringOutputLimit = 64 * 1024

    /// Prepares the job's folders, runs its step, and reads its string outputs.
    func execute(_ job: PlannedJob, context: RunContext) throws -> StepOutcome {
        let workspace = "\(context.runFolder)/\(job.name)"
        let jobLog = try JobLog(path: "\(workspace)/log.txt", job: job.name, secrets: Array(context.secrets.values), echo: log)
        defer { jobLog.finish() }
        log("job \(job.name) (\(job.action.rawValue)) started")
        do {
            var inputs = [String: String]()
            for (name, input) in job.inputs.sorted(by: { $0.key < $1.key }) {
                inputs[name] = try prepare(input, named: name, of: job, workspace: workspace, context: context)
            }
            // A run a push started reads nothing of the host: not through a link committed in
            // its repository (`models/x -> /srv/model`), nor one an earlier job wrote.
            if context.options.confined {
                for (name, path) in inputs.sorted(by: { $0.key < $1.key }) {
                    if let link = FolderScan.linksLeaving(path).first {
                        throw RunError.failed(job: job.name, detail: "input \(name) holds \(link), a symbolic link to outside it, which a run started by a push may not read; commit the file itself")
                    }
                }
            }
            let outputs = context.outputPaths[job.name] ?? [:]
            for (name, output) in job.outputs {
                if output == .string {
                    try FileManager.default.createDirectory(atPath: "\(workspace)/outputs", withIntermediateDirectories: true)
                    guard FileManager.default.createFile(atPath: outputs[name]!, contents: nil) else {
                        throw RunError.failed(job: job.name, detail: "cannot create its string output file \(outputs[name]!)")
                    }
                } else {
                    try FileManager.default.createDirectory(atPath: outputs[name]!, withIntermediateDirectories: true)
                }
            }
            let step = StepContext(job: job, runID: context.runID, workflow: context.plan.workflow, inputs: inputs, outputs: outputs,
                                   environment: try environment(for: job, context: context), workspace: workspace, log: jobLog,
                                   options: context.options, store: store, defaultModel: defaultModel, checkout: context.checkout,
                                   commit: context.commit, repository: context.repository, secrets: context.secrets,
                                   executors: context.executors)
            if let type = job.instanceType { jobLog.line("instance type \(type) (recorded; this machine runs every job)") }
            let started = Date()
            let result = try ComputePool.withThreads(context.options.computeThreads) { try StepFactory.step(for: job).run(step) }
            for (name, output) in job.outputs {
                if case .dataset = output, let escaping = FolderScan.linksLeaving(outputs[name]!).first {
                    throw RunError.failed(job: job.name, detail: "dataset output \(name) holds \(escaping), a symbolic link to outside it; copy the file instead")
                }
                // An empty output is a step that wrote nothing where it should have: a new empty version would hide that.
                if case .dataset = output, result.committed[name] == nil, FolderScan.isEmpty(outputs[name]!) {
                    throw RunError.failed(job: job.name, detail: "dataset output \(name) is empty: the step wrote nothing to /outputs/\(name); see \(jobLog.path)")
                }
            }
            var values = result.committed
            for (name, output) in job.outputs where output == .string {
                values[name] = try readString(outputs[name]!, output: name, job: job)
            }
            jobLog.line("done in \(String(format: "%.2f", Date().timeIntervalSince(started))) s")
            log("job \(job.name) succeeded")
            return StepOutcome(result: result, values: values, stepSeconds: Date().timeIntervalSince(started))
        } catch RunError.cancelled {
            jobLog.line("cancelled")
            log("job \(job.name) cancelled")
            throw RunError.cancelled(job: job.name)
        } catch {
            jobLog.line("failed: \(error)")
            log("job \(job.name) failed")
            // Errors go to the run record and the terminal: no secret in them either.
            throw RedactedError(description: jobLog.redact("\(error)"))
        }
    }

    /// The path a job reads an input from: a folder, or a file holding a string value.
    func prepare(_ input: Artifact, named name: String, of job: PlannedJob, workspace: String, context: RunContext) throws -> String {
        let local = "\(workspace)/inputs/\(name)"
        // Under an engine that stages artifacts, every input is already in place.
        if case .staged(let root) = context.jobOutputs { return "\(root)/\(name)" }
        switch input {
        case .jobOutput(let source, let output):
            if case .results(let home) = context.jobOutputs {
                let path = JobResult.path(home: home, run: context.runID, job: source)
                guard let result = try JobResult.read(path), result.status == .succeeded, let stored = result.outputs[output] else {
                    throw RunError.missingInput(job: job.name, input: name, detail: "\(source) has no succeeded result with output \(output) in \(path)")
                }
                if let hex = stored.tree {
                    guard let tree = ObjectID(hex: hex) else { throw RunError.missingInput(job: job.name, input: name, detail: "\(path): \(hex) is not a sha256") }
                    try store.export(tree: tree, to: local)
                } else {
                    try FileManager.default.createDirectory(atPath: "\(workspace)/inputs", withIntermediateDirectories: true)
                    try Data((stored.value ?? "").utf8).write(to: URL(fileURLWithPath: local))
                }
                return local
            }
            guard let path = context.outputPaths[source]?[output] else {
                throw RunError.missingInput(job: job.name, input: name, detail: "\(source) did not run; run it too (drop --job)")
            }
            return path
        case .datasetVersion(let dataset, let id):
            try store.export(try store.resolve("\(dataset):\(id)"), to: local)
            return local
        case .string(let value):
            try FileManager.default.createDirectory(atPath: "\(workspace)/inputs", withIntermediateDirectories: true)
            try Data(value.utf8).write(to: URL(fileURLWithPath: local))
            return local
        case .emptyVolume:
            try FileManager.default.createDirectory(atPath: local, withIntermediateDirectories: true)
            return local
        case .hostFolder(let path):
            return path
        }
    }

    /// defaults.env, then the job's env; context values from this run; secrets from the secret store.
    func environment(for job: PlannedJob, context: RunContext) throws -> [String: String] {
        var result = [String: String]()
        for (key, value) in job.environment {
            switch value {
            case .literal(let text): result[key] = text
            case .list(let items): result[key] = items.joined(separator: " ")
            case .context(let path):
                switch path {
                case "event.github.url": result[key] = context.repository
                case "event.github.ref": result[key] = context.commit ?? ""
                default: throw RunError.unsupported(job: job.name, detail: "env \(key): context.\(path) is not known to wf run")
                }
            case .secret(let name):
                guard let secret = context.secrets[name] else {
                    throw RunError.missingInput(job: job.name, input: "secret:\(name)", detail: "not read; set it with wf secrets set \(name)")
                }
                result[key] = secret
            }
        }
        return result
    }

    /// A string output's value: the file the job wrote, without its final newline.
    func readString(_ path: String, output: String, job: PlannedJob) throws -> String {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path), attributes[.type] as? FileAttributeType == .typeRegular else {
            throw RunError.failed(job: job.name, detail: "string output \(output) must be a file at /outputs/\(output)")
        }
        let size = (attributes[.size] as? Int) ?? 0
        guard size <= Self.stringOutputLimit else {
            throw RunError.failed(job: job.name, detail: "string output \(output) is \(size) bytes; a string holds at most 64 KiB (use a dataset output)")
        }
        var text = String(decoding: FileManager.default.contents(atPath: path) ?? Data(), as: UTF8.self)
        if text.hasSuffix("\n") { text.removeLast() }
        return text
    }
}
