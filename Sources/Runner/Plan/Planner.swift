import Datasets
import Foundation
import Workflows

/// Turns a workflow at a commit into a `RunPlan`: the jobs to run (all, or one and what it
/// needs), each job's `with:` decoded into its action's settings, inputs as artifact
/// references (dataset references resolved to version ids now), outputs as targets, and the
/// secrets the run will need. Everything a user can get wrong in the file or the arguments is
/// found here, before anything runs.
public struct Planner {
    let store: DatasetStore

    public init(store: DatasetStore) { self.store = store }

    /// - Throws: `WorkflowErrors` for settings that do not decode, `RunError` for unknown
    ///   jobs, inputs and references.
    public func plan(_ spec: WorkflowSpec, runID: String, repository: String, commit: String?, options: RunOptions) throws -> RunPlan {
        let selected = try jobsToRun(spec, onlyJob: options.onlyJob)
        let workflowInputs = try WorkflowInputs.resolve(spec, given: options.inputs, store: store, confined: options.confined)
        var jobs = [PlannedJob]()
        var secrets = Set<String>()
        var problems = [WorkflowError]()
        for job in spec.jobs where selected.contains(job.name) {
            let settings: StepSettings
            do { settings = try StepSettings.decode(job, file: spec.file) } catch let errors as WorkflowErrors {
                problems += errors.errors
                continue
            }
            var inputs = [String: Artifact]()
            for (name, input) in job.inputs {
                inputs[name] = try artifact(input, named: name, of: job, workflowInputs: workflowInputs)
            }
            var outputs = [String: OutputTarget]()
            for (name, output) in job.outputs {
                switch output {
                case .dataset(let ref): outputs[name] = .dataset(name: String(ref.split(separator: ":").first ?? ""))
                case .volume: outputs[name] = .volume
                case .string: outputs[name] = .string
                }
            }
            let environment = spec.defaults.env.merging(job.env) { $1 }
            var jobSecrets = Set<String>()
            for case .secret(let name) in Array(job.with.values) + Array(environment.values) { jobSecrets.insert(name) }
            secrets.formUnion(jobSecrets)
            jobs.append(PlannedJob(name: job.name, action: job.action, needs: job.needs, inputs: inputs, outputs: outputs, settings: settings,
                                   environment: environment, secrets: jobSecrets.sorted(), instanceType: job.instanceType ?? spec.defaults.instanceType,
                                   limits: Planner.limits(job.limits, over: spec.defaults.limits), line: job.line))
        }
        if !problems.isEmpty { throw WorkflowErrors(errors: problems) }
        return RunPlan(runID: runID, workflow: spec.file, repository: repository, commit: commit, trigger: options.trigger,
                       inputs: workflowInputs.mapValues(\.value), secrets: secrets.sorted(), jobs: jobs)
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

    func artifact(_ input: JobInput, named name: String, of job: Job, workflowInputs: [String: WorkflowInputs.Resolved]) throws -> Artifact {
        func version(_ ref: String) throws -> Artifact {
            do {
                let version = try store.resolve(ref)
                return .datasetVersion(dataset: version.dataset, id: version.id.hex)
            } catch {
                throw RunError.missingInput(job: job.name, input: name, detail: "\(error)")
            }
        }
        switch input {
        case .output(let source, let output): return .jobOutput(job: source, output: output)
        case .dataset(let ref): return try version(ref)
        case .string(let value): return .string(value)
        case .volume: return .emptyVolume
        case .workflowInput(let inputName):
            guard let resolved = workflowInputs[inputName] else {
                throw RunError.missingInput(job: job.name, input: name, detail: "the workflow has no input \(inputName)")
            }
            switch resolved.kind {
            case .dataset: return try version(resolved.value)
            case .string: return .string(resolved.value)
            case .volume: return .hostFolder(resolved.value)
            }
        }
    }

    static func limits(_ job: ResourceLimits?, over defaults: ResourceLimits?) -> ResourceLimits? {
        guard let limits = job ?? defaults else { return nil }
        return limits.over(defaults ?? ResourceLimits())
    }
}
