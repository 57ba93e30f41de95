import Datasets
import Foundation
import TextGeneration
import Workflows

/// Runs a workflow from a local checkout (`wf run`): jobs in dependency order, each in its
/// own folder under `HOME/runs/RUN/JOB/` with `inputs/NAME` and `outputs/NAME`; when every
/// job has succeeded, each `dataset` output becomes a new version with provenance (repository,
/// commit, workflow file, job, run, settings and model digests). A failed run commits nothing.
///
/// It executes `git-checkout@v1` (the local checkout), `text-generation@v1` in-process, and
/// `script@v1`/`container@v1` in a bubblewrap sandbox; other actions are refused with a
/// message that says so.
public final class LocalRunner {
    public struct Result: Sendable {
        public var runID: String
        public var versions: [VersionInfo]
    }

    let store: DatasetStore
    let home: String
    let defaultModel: String?
    let log: (String) -> Void
    /// How long a script or container step may run.
    public var stepTimeout: TimeInterval = 3600

    public init(home: String, defaultModel: String?, log: @escaping (String) -> Void = { _ in }) throws {
        self.home = home
        self.store = try DatasetStore(home: home)
        self.defaultModel = defaultModel
        self.log = log
    }

    public func run(workflowFile: String, checkout: String, onlyJob: String? = nil) throws -> Result {
        let relative = workflowFile.hasPrefix(checkout + "/") ? String(workflowFile.dropFirst(checkout.count + 1)) : workflowFile
        let spec = try WorkflowParser.parse(try String(contentsOfFile: workflowFile, encoding: .utf8), file: relative)
        let selected = try jobsToRun(spec, onlyJob: onlyJob)
        let runID = "run-\(Timestamp.now().milliseconds)-\(String(UInt32.random(in: 0...UInt32.max), radix: 16))"
        let runFolder = "\(home)/runs/\(runID)"
        let commit = GitHead.commit(in: checkout)
        log("\(runID): \(relative) at \(commit.map { String($0.prefix(12)) } ?? "an uncommitted checkout")")

        var outputFolders = [String: String]()  // "JOB.NAME" → folder
        var pending = [(job: Job, name: String, ref: String, folder: String, settingsDigest: String?, modelDigest: String?)]()
        for layer in WorkflowValidator.layers(of: spec) {
            for name in layer where selected.contains(name) {
                let job = spec.job(named: name)!
                let workspace = "\(runFolder)/\(name)"
                var inputs = [String: String]()
                for (inputName, input) in job.inputs {
                    inputs[inputName] = try prepare(input, named: inputName, of: job, workspace: workspace, outputs: outputFolders)
                }
                var outputs = [String: String]()
                for outputName in job.outputs.keys {
                    let folder = "\(workspace)/outputs/\(outputName)"
                    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
                    outputs[outputName] = folder
                    outputFolders["\(name).\(outputName)"] = folder
                }
                log("job \(name) (\(job.action.rawValue))")
                let digests = try execute(job, spec: spec, inputs: inputs, outputs: outputs, checkout: checkout, commit: commit, workspace: workspace)
                for (outputName, output) in job.outputs.sorted(by: { $0.key < $1.key }) {
                    if case .dataset(let ref) = output {
                        pending.append((job, outputName, ref, outputs[outputName]!, digests.settings, digests.model))
                    }
                }
            }
        }
        var versions = [VersionInfo]()
        for output in pending {
            let dataset = String(output.ref.split(separator: ":").first ?? "")
            let provenance = Provenance(repository: checkout, commit: commit, workflow: relative, job: output.job.name, run: runID,
                                        settingsDigest: output.settingsDigest, modelDigest: output.modelDigest)
            versions.append(try store.commit(dataset: dataset, paths: [output.folder], message: "\(relative) \(output.job.name).\(output.name)",
                                             provenance: provenance))
        }
        return Result(runID: runID, versions: versions)
    }

    /// The jobs to run: all, or `onlyJob` and everything it needs.
    func jobsToRun(_ spec: WorkflowSpec, onlyJob: String?) throws -> Set<String> {
        guard let onlyJob else { return Set(spec.jobs.map(\.name)) }
        guard let job = spec.job(named: onlyJob) else {
            throw RunError.unsupported(job: onlyJob, detail: "no such job in \(spec.file); its jobs are \(spec.jobs.map(\.name).joined(separator: ", "))")
        }
        var names: Set<String> = [onlyJob]
        var stack = job.needs
        while let name = stack.popLast() {
            if names.insert(name).inserted { stack += spec.job(named: name)?.needs ?? [] }
        }
        return names
    }

    /// The folder a job reads an input from.
    func prepare(_ input: JobInput, named name: String, of job: Job, workspace: String, outputs: [String: String]) throws -> String {
        switch input {
        case .output(let source, let output):
            guard let folder = outputs["\(source).\(output)"] else {
                throw RunError.missingInput(job: job.name, input: name, detail: "\(source) did not run; run it too (drop --job)")
            }
            return folder
        case .dataset(let ref):
            let folder = "\(workspace)/inputs/\(name)"
            try store.export(try store.resolve(ref), to: folder)
            return folder
        case .workflowInput, .string, .volume:
            throw RunError.unsupported(job: job.name, detail: "input \(name): workflow, string and empty volume inputs are not supported by wf run yet")
        }
    }

    func execute(_ job: Job, spec: WorkflowSpec, inputs: [String: String], outputs: [String: String], checkout: String, commit: String?,
                 workspace: String) throws -> (settings: String?, model: String?) {
        switch job.action {
        case .gitCheckout:
            guard let output = job.outputs.first(where: { $0.value == .volume })?.key else {
                throw RunError.unsupported(job: job.name, detail: "git-checkout@v1 needs a volume output to check out into")
            }
            if case .literal(let url)? = job.with["url"], !url.isEmpty {
                throw RunError.unsupported(job: job.name, detail: "checking out \(url) is not supported yet; wf run uses the local checkout (url: context.event.github.url)")
            }
            try CheckoutCopy.copy(checkout, to: outputs[output]!)
            return (nil, nil)
        case .textGeneration:
            return try TextGenerationStep(job: job, inputs: inputs, outputs: outputs, defaultModel: defaultModel, log: log).run()
        case .script, .container:
            try ScriptStep(job: job, inputs: inputs, outputs: outputs, environment: try environment(for: job, spec: spec, checkout: checkout, commit: commit),
                           workspace: workspace, timeout: stepTimeout, log: log).run()
            return (nil, nil)
        case .s3Download:
            throw RunError.unsupported(job: job.name, detail: "s3-download@v1 is not implemented yet; put the files in a dataset (wf datasets put) and use a dataset input")
        case .createModel, .train:
            throw RunError.unsupported(job: job.name, detail: "\(job.action.rawValue) is not supported by wf run yet")
        }
    }

    /// defaults.env, then the job's env; context values from this run; secrets are refused
    /// until `wf secrets` exists rather than passed empty.
    func environment(for job: Job, spec: WorkflowSpec, checkout: String, commit: String?) throws -> [String: String] {
        var result = [String: String]()
        for (key, value) in spec.defaults.env.merging(job.env, uniquingKeysWith: { $1 }) {
            switch value {
            case .literal(let text): result[key] = text
            case .list(let items): result[key] = items.joined(separator: " ")
            case .context(let path):
                switch path {
                case "event.github.url": result[key] = checkout
                case "event.github.ref": result[key] = commit ?? ""
                default: throw RunError.unsupported(job: job.name, detail: "env \(key): context.\(path) is not known to wf run")
                }
            case .secret(let name):
                throw RunError.unsupported(job: job.name, detail: "env \(key): secret:\(name) needs wf secrets, which is not built yet")
            }
        }
        return result
    }
}
