import Datasets
import Foundation

/// `wf job exec PLAN JOB`: one planned job, run wherever wf is installed. It reads the plan
/// file, fetches the job's inputs by content address (dataset versions and other jobs' output
/// trees from the store of the plan's home, through their `JobResult`s), runs the step as a
/// local run would (`LocalRunner.execute(_:context:)`, the same folders and log), stores each
/// output folder as a tree, and writes the job's `JobResult`. It commits nothing: the process
/// that planned the run does, once every job has succeeded. Run twice, it starts from a clean
/// folder and ends with the same trees, so an engine's retry is harmless.
///
/// With `staged` (Argo, whose artifacts put the inputs at `/inputs/NAME` and take the outputs
/// from `/outputs/NAME`), it only runs the step on those folders, with a scratch home.
public enum JobExec {
    /// - Returns: the job's result record (also written to `HOME/runs/RUN/JOB/result.json`
    ///   unless `staged`); a failed job returns a record with status `failed`.
    /// - Throws: when the plan file or the job cannot be read, before anything runs.
    public static func run(planFile path: String, job name: String, staged: Bool = false,
                           log: @escaping @Sendable (String) -> Void) throws -> JobResult {
        let started = Timestamp.now()  // before the plan is read: reading it is part of the job's cost
        let file = try JobPlanFile.read(path)
        guard let job = file.plan.job(named: name) else {
            throw RunError.unsupported(job: name, detail: "\(path) plans no job \(name); its jobs are \(file.plan.jobs.map(\.name).joined(separator: ", "))")
        }
        if staged { return try runStaged(job, file: file, started: started, log: log) }
        guard let home = file.home else {
            throw RunError.unsupported(job: name, detail: "\(path) names no home (a plan made for Argo): run it with --staged, its inputs at /inputs")
        }
        let runFolder = "\(home)/runs/\(file.plan.runID)"
        let workspace = "\(runFolder)/\(job.name)"
        let resultPath = JobResult.path(home: home, run: file.plan.runID, job: job.name)
        // A retry starts clean: nothing the earlier attempt left can leak into this one's outputs.
        for leftover in ["inputs", "outputs", "result.json"] { try? FileManager.default.removeItem(atPath: "\(workspace)/\(leftover)") }
        var result = JobResult(run: file.plan.runID, job: job.name, status: .failed, node: JobResult.thisNode, started: started, finished: started)
        do {
            let runner = try LocalRunner(home: home, defaultModel: file.defaultModel, synchronize: false, log: log)
            let options = file.options.runOptions(for: file.plan)
            let outputPaths = job.outputs.keys.reduce(into: [String: String]()) { $0[$1] = "\(workspace)/outputs/\($1)" }
            let outcome = try runStep(job, file: file, runner: runner, runFolder: runFolder, outputPaths: outputPaths, jobOutputs: .results(home: home),
                                      secrets: try runner.secretValues(of: [job], store: options.secrets))
            for (output, target) in job.outputs {
                if target == .string {
                    // The file's exact bytes, as a job reading it here would see them; the run record trims them.
                    let bytes = FileManager.default.contents(atPath: outputPaths[output]!) ?? Data()
                    result.outputs[output] = JobResult.Output(value: String(decoding: bytes, as: UTF8.self))
                } else if let value = outcome.values[output] {
                    result.outputs[output] = JobResult.Output(value: value)
                } else {
                    // Pinned for the run: gc keeps it until the run that planned this job has committed.
                    result.outputs[output] = JobResult.Output(tree: try runner.store.storeTree([outputPaths[output]!], pinnedFor: file.plan.runID).hex)
                }
            }
            result.succeeded(outcome)
        } catch {
            result.detail = "\(error)"
        }
        result.finished = .now()
        try result.write(to: resultPath)
        return result
    }

    /// Runs the job's step as a local run runs it (`LocalRunner.execute`), with its executors
    /// prepared for this one job and its other jobs' outputs read from `jobOutputs`.
    static func runStep(_ job: PlannedJob, file: JobPlanFile, runner: LocalRunner, runFolder: String, outputPaths: [String: String],
                        jobOutputs: JobOutputSource, secrets: [String: String]) throws -> StepOutcome {
        let options = file.options.runOptions(for: file.plan)
        var secrets = secrets
        // The job's own folder: jobs on other nodes write their registry credentials beside theirs.
        let prepared = try runner.prepareExecutors([job], options: options, runFolder: "\(runFolder)/\(job.name)", secrets: &secrets)
        defer { prepared?.finish() }
        var context = RunContext(plan: file.plan, checkout: file.checkout, runFolder: runFolder, outputPaths: [job.name: outputPaths],
                                 secrets: secrets, options: options, executors: prepared?.executors)
        context.jobOutputs = jobOutputs
        return try runner.execute(job, context: context)
    }

    /// The step alone, on folders an engine staged: inputs at `/inputs/NAME`, outputs at
    /// `/outputs/NAME`, a scratch home for what the step keeps (`$WF_HOME`, else a temporary).
    static func runStaged(_ job: PlannedJob, file: JobPlanFile, started: Timestamp, log: @escaping @Sendable (String) -> Void) throws -> JobResult {
        // The engine's container has these; anywhere else, --staged would write at the root of the machine.
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: "/outputs", isDirectory: &isFolder), isFolder.boolValue else {
            throw RunError.unsupported(job: job.name, detail: "--staged runs in an engine's container, where /outputs (and /inputs) are mounted; there is no /outputs here: run the job without --staged on a plan with a home")
        }
        if let missing = job.inputs.keys.sorted().first(where: { !FileManager.default.fileExists(atPath: "/inputs/\($0)") }) {
            throw RunError.missingInput(job: job.name, input: missing, detail: "--staged expects it at /inputs/\(missing), where the engine puts it")
        }
        if job.action == .gitCheckout, !FileManager.default.fileExists(atPath: file.checkout) {
            throw RunError.missingInput(job: job.name, input: "checkout", detail: "--staged expects the repository at \(file.checkout) (the manifest's wf-checkout artifact)")
        }
        let scratch = ProcessInfo.processInfo.environment["WF_HOME"] == nil
        let home = ProcessInfo.processInfo.environment["WF_HOME"] ?? NSTemporaryDirectory() + "wf-job-\(getpid())"
        defer { if scratch { try? FileManager.default.removeItem(atPath: home) } }
        var result = JobResult(run: file.plan.runID, job: job.name, status: .failed, node: JobResult.thisNode, started: started, finished: started)
        do {
            let runner = try LocalRunner(home: home, defaultModel: file.defaultModel, synchronize: false, log: log)
            let options = file.options.runOptions(for: file.plan)
            var secrets = [String: String]()
            // Kubernetes gives secrets as environment variables of the same names.
            for secret in job.secrets { secrets[secret] = ProcessInfo.processInfo.environment[secret] ?? (try? options.secrets.value(secret)) }
            let outputPaths = job.outputs.keys.reduce(into: [String: String]()) { $0[$1] = "/outputs/\($1)" }
            let outcome = try runStep(job, file: file, runner: runner, runFolder: "\(home)/runs/\(file.plan.runID)", outputPaths: outputPaths,
                                      jobOutputs: .staged(root: "/inputs"), secrets: secrets)
            result.outputs = outcome.values.mapValues { JobResult.Output(value: $0) }
            result.succeeded(outcome)
        } catch {
            result.detail = "\(error)"
        }
        result.finished = .now()
        return result
    }
}

extension JobResult {
    /// Marks the record succeeded with what the step reported.
    fileprivate mutating func succeeded(_ outcome: StepOutcome) {
        stepSeconds = outcome.stepSeconds
        provenance = outcome.result.provenance
        status = .succeeded
    }
}
