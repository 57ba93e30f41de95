import Datasets
import Foundation
import GitSource
import TextGeneration
import Workflows

/// Runs a workflow on this machine (`wf run`, the daemon): parses it, has `Planner` make the
/// run plan, then executes the plan: jobs in dependency order, independent ones side by side
/// (at most `RunOptions.parallelJobs`), each in its own folder under `HOME/runs/RUN/JOB/`
/// with `inputs/NAME`, `outputs/NAME` and `log.txt`, its step made by `StepFactory`. A failed
/// job stops the jobs that need it; the others finish. When every job has succeeded, each
/// `dataset` output becomes a new version with provenance (repository, commit, workflow
/// file, job, run, settings and model digests, the image); a failed run commits nothing. The
/// run, its jobs, their timings, states and logs are recorded in the index for `wf runs`.
public final class LocalRunner {
    public struct Result: Sendable {
        public var run: RunRecord
        public var versions: [VersionInfo]
    }

    let store: DatasetStore
    let home: String
    let defaultModel: String?
    let log: @Sendable (String) -> Void

    /// - Parameter synchronize: bring a store that lives in a bucket up to it first, so inputs
    ///   see every machine's versions (`wf job exec` skips it: its run was planned already).
    public init(home: String, defaultModel: String?, synchronize: Bool = true, log: @escaping @Sendable (String) -> Void = { _ in }) throws {
        self.home = home
        self.store = try StoreAccess.open(home: home, synchronize: synchronize)
        self.defaultModel = defaultModel
        self.log = log
    }

    /// Parses `workflowFile`, plans the run and executes the plan.
    public func run(workflowFile: String, checkout: String, options: RunOptions = RunOptions()) throws -> Result {
        let relative = workflowFile.hasPrefix(checkout + "/") ? String(workflowFile.dropFirst(checkout.count + 1)) : workflowFile
        let spec = try WorkflowParser.parse(try String(contentsOfFile: workflowFile, encoding: .utf8), file: relative)
        let source = options.source.map { CheckoutSource(repository: $0.repository, commit: $0.commit) } ?? CheckoutSource(checkout)
        var plan = try Planner(store: store).plan(spec, runID: options.runID ?? LocalRunner.newRunID(), repository: source.repository,
                                                  commit: source.commit, options: options)
        plan.uncommitted = source.isDirty
        if source.isDirty { log("note: \(checkout) has uncommitted changes; the run uses them, and provenance names HEAD and says so") }
        return try execute(plan, checkout: checkout, options: options)
    }

    /// Executes a plan made by `Planner`.
    public func execute(_ plan: RunPlan, checkout: String, options: RunOptions) throws -> Result {
        let runID = plan.runID
        if options.confined, let link = FolderScan.linksLeaving(checkout).first {
            throw RunError.unsupported(job: plan.jobs.first?.name ?? "?", detail: "the repository holds \(link), a symbolic link to outside it, which a run started by a push may not read; commit the file itself")
        }
        var secrets = try secretValues(of: plan.jobs, store: options.secrets)
        let runFolder = "\(home)/runs/\(runID)"
        // An engine runs each job through `wf job exec` on its nodes, which prepare their own executors.
        let engine = options.reuse == nil ? options.engine : nil
        if options.engine != nil && engine == nil { log("note: a re-run runs on this machine; \(options.engine!.name) runs whole runs only") }
        let prepared = engine == nil ? try prepareExecutors(plan.jobs, options: options, runFolder: runFolder, secrets: &secrets) : nil
        let executors = prepared?.executors
        defer { prepared?.finish() }
        log("\(runID): \(plan.workflow) at \(plan.commit.map { String($0.prefix(12)) } ?? "an uncommitted checkout")")

        let reused = options.reuse?.jobs ?? [:]
        var record = RunRecord(id: runID, workflow: plan.workflow, repository: plan.repository, commit: plan.commit, trigger: plan.trigger,
                               pid: getpid(), inputs: plan.inputs,
                               jobs: plan.jobs.map { job in
                                   if let earlier = reused[job.name] { return Self.reusedRecord(earlier, job: job, from: options.reuse!.run) }
                                   return JobRecord(name: job.name, action: job.action.rawValue, log: "\(runFolder)/\(job.name)/log.txt", needs: job.needs)
                               },
                               link: options.link, rerunOf: options.reuse?.run)
        // The same run taken up again (a restarted daemon) keeps the engine's job ids it recorded.
        if engine != nil, let earlier = try? store.run(runID) {
            for index in record.jobs.indices {
                record.jobs[index].engineJob = earlier.jobs.first { $0.name == record.jobs[index].name }?.engineJob
            }
        }
        try store.recordRunStarted(record)

        // Every output's place is known before anything runs, so jobs never share mutable state.
        // A reused job's outputs stay where its run left them.
        var outputPaths = [String: [String: String]]()
        for job in plan.jobs {
            let folder = reused[job.name].map { "\(home)/runs/\($0.reusedFrom ?? options.reuse!.run)" } ?? runFolder
            for name in job.outputs.keys { outputPaths[job.name, default: [:]][name] = "\(folder)/\(job.name)/outputs/\(name)" }
        }
        let context = RunContext(plan: plan, checkout: checkout, runFolder: runFolder, outputPaths: outputPaths, secrets: secrets,
                                 options: options, executors: executors)
        let outcomes: [String: Swift.Result<StepOutcome, Error>]
        if let engine {
            do {
                outcomes = try runOnEngine(engine, plan: plan, checkout: checkout, options: options, record: &record)
            } catch {
                // The engine failed, not a job (a refused submission, a controller gone for
                // minutes): the run ends failed with the reason, its unfinished jobs interrupted.
                for job in record.jobs where [.waiting, .running].contains(job.status) {
                    recordJob(job.name, in: &record) { $0.status = .interrupted; $0.detail = "\(engine.name): \(error)" }
                }
                try? store.recordRunFinished(runID, status: .failed, summary: "\(error)")
                throw error
            }
        } else {
            outcomes = JobScheduler(jobs: plan.jobs, limit: options.parallelJobs).run { job in
                if let earlier = reused[job.name] { return Self.reusedOutcome(earlier, job: job, from: options.reuse!.run) }
                if options.cancellation?.isCancelled == true { return .failure(RunError.cancelled(job: job.name)) }
                self.recordJob(job.name, in: &record) { $0.status = .running; $0.started = .now() }
                let outcome = Swift.Result<StepOutcome, Error> { try self.execute(job, context: context) }
                self.recordJob(job.name, in: &record) { entry in
                    entry.finished = .now()
                    Self.record(outcome, of: job, in: &entry)
                }
                return outcome
            }
        }

        if options.cancellation?.isCancelled == true {
            for job in plan.jobs where outcomes[job.name] == nil {
                recordJob(job.name, in: &record) { $0.status = .cancelled; $0.detail = "not run: the run was cancelled" }
            }
            try? store.recordRunFinished(runID, status: .cancelled, summary: "cancelled; nothing was committed")
            throw RunError.runCancelled(run: runID)
        }
        let failures = plan.jobs.compactMap { job -> String? in
            switch outcomes[job.name] {
            case .failure(let error)?: return "\(error)"
            case nil:
                let blocked = job.needs.filter { if case .success? = outcomes[$0] { return false } else { return true } }
                recordJob(job.name, in: &record) { $0.status = .skipped; $0.detail = "not run: it needs \(blocked.joined(separator: ", "))" }
                return "job \(job.name) was not run: it needs \(blocked.joined(separator: ", "))"
            case .success?: return nil
            }
        }
        guard failures.isEmpty else {
            // The run's own failure is what the user needs; one that also stops the record (a
            // full disk, say) is a warning beside it.
            do { try store.recordRunFinished(runID, status: .failed, summary: failures.joined(separator: "\n")) } catch {
                log("warning: could not record the run's failure: \(error)")
            }
            throw RunError.runFailed(run: runID, failures: failures)
        }

        // Every dataset output in one transaction with the run's success: a failure (or a kill)
        // before it commits leaves no version, after it all of them; a retried run can tell.
        var pending = [PendingVersion]()
        for job in plan.jobs {
            guard case .success(let done)? = outcomes[job.name] else { continue }
            for (name, output) in job.outputs.sorted(by: { $0.key < $1.key }) {
                guard case .dataset(let dataset) = output, done.values[name] == nil else { continue }
                let message = "\(plan.workflow) \(job.name).\(name)"
                let provenance = Provenance(repository: plan.repository, commit: plan.commit, workflow: plan.workflow, job: job.name, run: runID,
                                            settingsDigest: done.result.settingsDigest, modelDigest: done.result.modelDigest,
                                            modelSource: done.result.modelSource, image: done.result.imageDigest,
                                            uncommitted: plan.uncommitted ? "true" : nil)
                // A job an engine ran left its output as a tree in the store, by content address.
                pending.append(done.trees[name].map { PendingVersion(dataset: dataset, tree: $0, message: message, provenance: provenance, runOutput: (job.name, name)) }
                               ?? PendingVersion(dataset: dataset, paths: [outputPaths[job.name]![name]!], message: message,
                                                 provenance: provenance, runOutput: (job.name, name)))
            }
        }
        // Cancelled before this point: nothing is committed; after it, the cancel is refused.
        guard options.cancellation?.beginCommit() ?? true else {
            try? store.recordRunFinished(runID, status: .cancelled, summary: "cancelled; nothing was committed")
            throw RunError.runCancelled(run: runID)
        }
        let versions: [VersionInfo]
        do {
            versions = try store.commit(pending, completingRun: runID)
        } catch {
            try? store.recordRunFinished(runID, status: .failed, summary: "committing the outputs failed (none was committed): \(error)")
            throw error
        }
        return Result(run: try store.run(runID), versions: versions)
    }

    /// A finished job's state in its record: succeeded with its outputs, image and provenance,
    /// cancelled, or failed with the error's one line.
    static func record(_ outcome: Swift.Result<StepOutcome, Error>, of job: PlannedJob, in entry: inout JobRecord) {
        switch outcome {
        case .success(let done):
            entry.status = .succeeded
            entry.outputs = done.values
            entry.image = done.result.imageDigest.map { "\(job.settings.image ?? "image") \($0)" }
            entry.provenance = done.result.provenance
        case .failure(RunError.cancelled): entry.status = .cancelled; entry.detail = "cancelled"
        case .failure(let error): entry.status = .failed; entry.detail = "\(error)"
        }
    }

    /// A reused job as the re-run records it: the earlier run's state, outputs, log and provenance.
    static func reusedRecord(_ earlier: JobRecord, job: PlannedJob, from run: String) -> JobRecord {
        var record = earlier
        record.needs = job.needs
        record.reusedFrom = earlier.reusedFrom ?? run
        record.detail = earlier.status == .succeeded ? "reused from \(record.reusedFrom!)" : earlier.detail
        return record
    }

    /// A reused job's outcome: its recorded outputs (string values, and the versions its run
    /// committed, which are then not committed again) and provenance, or its failure.
    static func reusedOutcome(_ earlier: JobRecord, job: PlannedJob, from run: String) -> Swift.Result<StepOutcome, Error> {
        guard earlier.status == .succeeded else {
            return .failure(RunError.failed(job: job.name, detail: "reused from \(earlier.reusedFrom ?? run), where it \(earlier.status.rawValue)"))
        }
        let provenance = earlier.provenance
        return .success(StepOutcome(result: StepResult(settingsDigest: provenance["settings"], modelDigest: provenance["model"],
                                                       imageDigest: provenance["image"], modelSource: provenance["modelSource"]),
                                    values: earlier.outputs))
    }

    /// `run-MILLISECONDS-RANDOM`: sorts by time, unique across processes.
    public static func newRunID() -> String {
        "run-\(Timestamp.now().milliseconds)-\(String(UInt32.random(in: 0...UInt32.max) | 0x1000_0000, radix: 16))"
    }

    /// The executors of a run's script and container steps, made once per run (per job under
    /// `wf job exec`), with the registry credentials written for the run and removed by `finish`.
    func prepareExecutors(_ jobs: [PlannedJob], options: RunOptions, runFolder: String, secrets: inout [String: String]) throws -> PreparedExecutors? {
        guard jobs.contains(where: { $0.action == .script || $0.action == .container }) else { return nil }
        var registryConfig: String?
        if let name = options.registryAuthSecret {
            let (folder, value) = try RegistryAuth.write(secret: name, secrets: options.secrets, into: "\(runFolder)/registry")
            secrets[name] = value
            registryConfig = folder
        }
        do {
            // A container runtime is looked for (a `podman info`, ~0.1 s) only when a step names an image.
            let namesImages = jobs.contains { $0.settings.image != nil }
            let executors = try ExecutorSelection(namesImages || options.runtime != .auto ? options.runtime : .bwrap, pull: options.pull,
                                                  sandbox: options.sandbox, registryConfig: registryConfig)
            return PreparedExecutors(executors: executors, registryConfig: registryConfig)
        } catch {
            if let registryConfig { try? FileManager.default.removeItem(atPath: registryConfig) }
            throw error
        }
    }

    /// Updates one job of the run record, in memory and in the index.
    private let recordLock = NSLock()
    func recordJob(_ name: String, in record: inout RunRecord, _ change: (inout JobRecord) -> Void) {
        recordLock.lock()
        defer { recordLock.unlock() }
        guard let index = record.jobs.firstIndex(where: { $0.name == name }) else { return }
        change(&record.jobs[index])
        do { try store.recordJob(record.jobs[index], run: record.id) } catch { log("warning: could not record job \(name): \(error)") }
    }

    /// The values of every secret `jobs` use (a run's, or one job's under `wf job exec`), read
    /// before anything runs so a missing secret stops it at once, naming the job that needs it.
    func secretValues(of jobs: [PlannedJob], store secrets: SecretStore) throws -> [String: String] {
        var values = [String: String]()
        for job in jobs {
            for name in job.secrets where values[name] == nil {
                do { values[name] = try secrets.value(name) } catch {
                    throw RunError.missingInput(job: job.name, input: "secret:\(name)", detail: "\(error)")
                }
            }
        }
        return values
    }
}
