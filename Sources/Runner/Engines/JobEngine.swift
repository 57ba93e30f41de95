import Datasets
import Foundation

/// A scheduler that is not wf's: it runs each job of a run as `wf job exec PLAN JOB` on one of
/// its nodes, in the order the jobs' `needs` allow, and tells the run what happened. Slurm is
/// one (`SlurmEngine`); `LocalRunner` runs the jobs itself when there is none. Everything an
/// engine needs is in the plan file; every job leaves its outputs in the store by content
/// address and a `JobResult` beside its folder, so the process that planned the run commits
/// the outputs exactly as a local run does.
public protocol JobEngine: Sendable {
    /// As users name it: `slurm`.
    var name: String { get }

    /// Submits every job of `file.plan` not in `attached`, watches them all until each has
    /// ended, and reports each step through `events` on the calling thread. A job whose need
    /// failed ends as `.notRun`. `cancellation` cancels every job still waiting or running.
    ///
    /// - Parameters:
    ///   - planPath: where the plan file is, readable from every node.
    ///   - attached: jobs already submitted by an earlier process (a restarted daemon), job
    ///     name → `JobRecord.engineJob`: watched again, never submitted twice.
    /// - Throws: when the engine cannot be reached or refuses a submission (nothing else runs).
    func run(_ file: JobPlanFile, planPath: String, attached: [String: String], cancellation: RunCancellation?,
             events: (JobEngineEvent) -> Void) throws
}

/// What an engine reports of a run's jobs.
public enum JobEngineEvent {
    /// Accepted by the engine as `engineJob` (`slurm:1234`).
    case submitted(job: String, engineJob: String)
    /// Started on `node`.
    case started(job: String, node: String?)
    /// Still waiting, for `reason` (Slurm's: `Resources`, `Priority`, `Dependency`…), each time it changes.
    case waiting(job: String, reason: String)
    /// Ended: its result record, or why it failed (`RunError.cancelled` when the run was cancelled).
    case finished(job: String, Result<JobResult, Error>)
    /// Never ran: a job it needs did not succeed.
    case notRun(job: String, reason: String)
}

extension LocalRunner {
    /// Runs the plan's jobs on `engine`: writes the plan file, records each job's engine id,
    /// node and state as the engine reports them, and turns each result record into the
    /// outcome a local job would have had (its outputs as trees in the store).
    func runOnEngine(_ engine: any JobEngine, plan: RunPlan, checkout: String, options: RunOptions,
                     record: inout RunRecord) throws -> [String: Swift.Result<StepOutcome, Error>] {
        let runFolder = "\(home)/runs/\(plan.runID)"
        let planPath = "\(runFolder)/plan.json"
        let file = JobPlanFile(plan: plan, home: home, checkout: checkout, options: JobOptions(options), defaultModel: defaultModel)
        try FileManager.default.createDirectory(atPath: runFolder, withIntermediateDirectories: true)
        try file.encoded().write(to: URL(fileURLWithPath: planPath), options: .atomic)
        let attached = Dictionary(uniqueKeysWithValues: record.jobs.compactMap { job in job.engineJob.map { (job.name, $0) } })
        var outcomes = [String: Swift.Result<StepOutcome, Error>]()
        try engine.run(file, planPath: planPath, attached: attached, cancellation: options.cancellation) { event in
            switch event {
            case .submitted(let job, let engineJob):
                recordJob(job, in: &record) { $0.engineJob = engineJob }
                log("job \(job) submitted to \(engine.name) as \(engineJob)")
            case .started(let job, let node):
                recordJob(job, in: &record) { $0.status = .running; $0.started = .now(); $0.node = node }
                log("job \(job) started\(node.map { " on \($0)" } ?? "")")
            case .waiting(let job, let reason):
                if !["None", "Dependency", "Resources", "Priority", ""].contains(reason) { log("job \(job) waits: \(reason)") }
            case .notRun:
                break  // recorded as skipped with the run's other jobs that never ran
            case .finished(let job, let result):
                let outcome = result.flatMap { record in plan.job(named: job).map { Self.outcome(of: record, for: $0) } ?? .failure(RunError.failed(job: job, detail: "not in the plan")) }
                outcomes[job] = outcome
                recordJob(job, in: &record) { entry in
                    // The job's own clock, when it left a record: the queue is looked at only every so often.
                    if let ran = try? result.get() {
                        entry.started = ran.started
                        entry.finished = ran.finished
                        entry.node = ran.node
                    } else {
                        entry.finished = .now()
                    }
                    if let planned = plan.job(named: job) { Self.record(outcome, of: planned, in: &entry) }
                }
                log("job \(job) \((try? outcome.get()) != nil ? "succeeded" : "failed")")
            }
        }
        return outcomes
    }

    /// A result record as the outcome of `job`: string values and self-committed versions as
    /// values, folders as trees; a failed record as its error. A succeeded record must account
    /// for every output the plan names (a tree id, or a value), or the job failed: a record is
    /// a file on a shared file system, not proof.
    static func outcome(of result: JobResult, for job: PlannedJob) -> Swift.Result<StepOutcome, Error> {
        guard result.status == .succeeded else {
            // The detail is already the job's one line (`job NAME failed: …`), secrets masked.
            return .failure(RedactedError(description: result.detail ?? "job \(result.job) failed on \(result.node)"))
        }
        guard result.job == job.name else {
            return .failure(RunError.failed(job: job.name, detail: "its result record is job \(result.job)'s"))
        }
        for (name, target) in job.outputs {
            let stored = result.outputs[name]
            let valid: Bool
            switch target {
            case .string: valid = stored?.value != nil
            // A dataset output is a tree, or (create-model@v1) the version the step committed itself.
            case .dataset: valid = stored?.tree.flatMap(ObjectID.init(hex:)) != nil || stored?.value != nil
            case .volume: valid = stored?.tree.flatMap(ObjectID.init(hex:)) != nil
            }
            guard valid else {
                return .failure(RunError.failed(job: job.name, detail: "its result record on \(result.node) gives no valid \(target.kindName) for output \(name)"))
            }
        }
        let provenance = result.provenance
        return .success(StepOutcome(result: StepResult(settingsDigest: provenance["settings"], modelDigest: provenance["model"],
                                                       imageDigest: provenance["image"], modelSource: provenance["modelSource"]),
                                    values: result.outputs.compactMapValues { output in
                                        // A string output's value drops the file's final newline, as `readString` does.
                                        output.value.map { $0.hasSuffix("\n") ? String($0.dropLast()) : $0 }
                                    },
                                    trees: result.outputs.compactMapValues { $0.tree.flatMap(ObjectID.init(hex:)) }))
    }
}
