import Datasets
import Foundation

/// Runs a run's jobs on a Slurm cluster through its command line, as a user would: each job
/// is one `sbatch` submission of `wf job exec PLAN JOB`, made in dependency order with
/// `--dependency=afterok:…` from its `needs` (and `--kill-on-invalid-dep=yes`, so a job whose
/// need failed is removed instead of pending forever), its resources as `--cpus-per-task`,
/// `--mem` and `--gres=gpu:N`. The jobs are watched with `squeue --states=all` (and `sacct`
/// once the controller has forgotten them) until each has ended, and cancelled with
/// `scancel`. Slurm does the scheduling; wf only plans and commits. The cluster's nodes must
/// mount the run's home and the checkout at the same paths (a Slurm cluster's shared file
/// system), and have the same wf at `wf`.
public struct SlurmEngine: JobEngine {
    public var name: String { "slurm" }
    public var settings: SlurmSettings

    public init(settings: SlurmSettings) { self.settings = settings }

    public func run(_ file: JobPlanFile, planPath: String, attached: [String: String], cancellation: RunCancellation?,
                    events: (JobEngineEvent) -> Void) throws {
        guard let home = file.home else { throw SlurmError("the plan names no home; Slurm jobs need one on the shared file system") }
        let runID = file.plan.runID
        let runFolder = "\(home)/runs/\(runID)"
        func result(_ job: String) -> Swift.Result<JobResult?, Error> { Swift.Result { try JobResult.read(JobResult.path(home: home, run: runID, job: job)) } }
        var ids = [String: String]()  // job → Slurm job id
        for (job, engineJob) in attached where engineJob.hasPrefix("slurm:") { ids[job] = String(engineJob.dropFirst("slurm:".count)) }
        var ended = Set<String>()
        do {
            for job in Self.dependencyOrder(file.plan.jobs) where ids[job.name] == nil {
                if cancellation?.isCancelled == true { break }  // what is not submitted yet never will be
                let script = "\(runFolder)/\(job.name)/slurm.sh"
                try FileManager.default.createDirectory(atPath: "\(runFolder)/\(job.name)", withIntermediateDirectories: true)
                try SlurmSubmission.script(wf: settings.wf, planPath: planPath, job: job.name, run: runID)
                    .write(toFile: script, atomically: true, encoding: .utf8)
                // A run taken up again: a need that already succeeded is no dependency (Slurm may
                // have forgotten its job, and would refuse the submission).
                let dependencies = job.needs.filter { need in
                    attached[need] == nil || (try? result(need).get())??.status != .succeeded
                }.compactMap { ids[$0] }
                let arguments = SlurmSubmission.arguments(for: job, run: runID, runFolder: runFolder, dependencies: dependencies, settings: settings) + [script]
                let answer = try SlurmCommand.call("sbatch", arguments)
                guard answer.status == 0, let id = SlurmSubmission.jobID(fromParsable: answer.output) else {
                    throw SlurmError("sbatch refused job \(job.name): \(answer.error.isEmpty ? answer.output : answer.error)")
                }
                ids[job.name] = id
                Self.open.insert(id)
                events(.submitted(job: job.name, engineJob: "slurm:\(id)"))
            }
        } catch {
            // Half a run submitted is worse than none: what was accepted is cancelled.
            if !ids.isEmpty { _ = try? SlurmCommand.call("scancel", Array(ids.values)) }
            throw error
        }

        for id in ids.values { Self.open.insert(id) }
        defer { for id in ids.values { Self.open.remove(id) } }
        var started = Set<String>()
        var reasons = [String: String]()
        var resultMissingSince = [String: Date]()
        var unreachableSince: Date?
        let cancelled = { cancellation?.isCancelled == true }
        func finish(_ job: String, _ outcome: Swift.Result<JobResult, Error>) {
            ended.insert(job)
            events(.finished(job: job, outcome))
        }
        while ended.count < ids.count {
            if cancelled() {
                // Sent again on every look: a controller that missed it (restarting) gets it later.
                let open = ids.filter { !ended.contains($0.key) }.map(\.value)
                if !open.isEmpty { _ = try? SlurmCommand.call("scancel", open) }
            }
            let states: [String: SlurmJobState]
            do {
                states = try SlurmQueue.states(of: ids.filter { !ended.contains($0.key) }.map(\.value))
                unreachableSince = nil
            } catch {
                // A controller restarting (or a network blip) is not the jobs failing: they go on
                // without wf, so wf keeps asking for a while before it gives the run up.
                let since = unreachableSince ?? Date()
                unreachableSince = since
                guard Date().timeIntervalSince(since) < settings.unreachableLimit else { throw error }
                Thread.sleep(forTimeInterval: settings.pollInterval * 4)
                continue
            }
            for (job, id) in ids.sorted(by: { $0.key < $1.key }) where !ended.contains(job) {
                let output = "\(runFolder)/\(job)/slurm-\(id).out"
                guard let state = states[id] else {
                    // Neither squeue nor sacct knows it (accounting off, long gone): its result record decides.
                    switch result(job) {
                    case .success(let record?): finish(job, .success(record))
                    case .success(nil): finish(job, .failure(RunError.failed(job: job, detail: "Slurm no longer knows job \(id) and it left no result; see \(output)")))
                    case .failure(let error): finish(job, .failure(error))
                    }
                    continue
                }
                if state.isRunning || (state.isEnded && !state.neverRuns), started.insert(job).inserted { events(.started(job: job, node: state.node)) }
                if state.state == "PENDING", reasons[job] != state.reason {
                    reasons[job] = state.reason
                    events(.waiting(job: job, reason: state.reason))
                    // Reasons only an administrator or a new submission can change: the job would wait forever.
                    if SlurmJobState.hopelessReasons.contains(state.reason) {
                        _ = try? SlurmCommand.call("scancel", [id])
                        finish(job, .failure(RunError.failed(job: job, detail: "Slurm will never start job \(id): \(state.reason) (see `scontrol show job \(id)`; a partition's limits, --partition or --account)")))
                        continue
                    }
                }
                guard state.isEnded || state.neverRuns else { continue }
                if state.neverRuns {
                    // A need failed (the dependency can never be met): Slurm keeps it pending or removes it.
                    if state.state == "PENDING" { _ = try? SlurmCommand.call("scancel", [id]) }
                    ended.insert(job)
                    events(.notRun(job: job, reason: state.reason))
                    continue
                }
                if state.state == "CANCELLED" && cancelled() {
                    finish(job, .failure(RunError.cancelled(job: job)))
                    continue
                }
                switch result(job) {
                case .failure(let error):
                    finish(job, .failure(error))
                case .success(let record?) where state.state == "COMPLETED" || record.status == .failed:
                    // The job's own record says how it went (`wf job exec` exits 1 after writing a failure).
                    finish(job, .success(record))
                case .success(nil) where state.state == "COMPLETED" && Date().timeIntervalSince(resultMissingSince[job] ?? Date()) < settings.resultGrace:
                    // A shared file system (NFS) may show a file renamed on another node only seconds later.
                    resultMissingSince[job] = resultMissingSince[job] ?? Date()
                case .success(let record):
                    // FAILED, TIMEOUT, OUT_OF_MEMORY, NODE_FAIL, CANCELLED by someone else, or no record: Slurm's words and the output's tail.
                    let reason = state.reason.isEmpty || state.reason == "None" ? "" : " (\(state.reason))"
                    let after = record == nil ? "without a result" : "after its step succeeded"
                    finish(job, .failure(RunError.failed(job: job, detail: "Slurm job \(id) ended \(state.state)\(reason) on \(state.node ?? "?") \(after): \(Self.tail(output))")))
                }
            }
            if ended.count < ids.count { Thread.sleep(forTimeInterval: settings.pollInterval) }
        }
    }

    /// The jobs this process submitted and has not seen end: Ctrl-C and SIGTERM of `wf run`
    /// cancel them (`ContainerCleanup`'s signal handlers run `signalCleanups`), so an
    /// interrupted run leaves nothing queued on the cluster.
    static let open = OpenJobs()
    public static let signalCleanups: [@Sendable () -> Void] = [{
        let ids = open.all
        if !ids.isEmpty { _ = try? SlurmCommand.call("scancel", ids) }
    }]

    final class OpenJobs: @unchecked Sendable {
        private let lock = NSLock()
        private var ids = Set<String>()
        func insert(_ id: String) { lock.withLock { _ = ids.insert(id) } }
        func remove(_ id: String) { lock.withLock { _ = ids.remove(id) } }
        var all: [String] { lock.withLock { ids.sorted() } }
    }

    /// Jobs with each after everything it needs (the plan keeps the workflow's order, which need not be).
    static func dependencyOrder(_ jobs: [PlannedJob]) -> [PlannedJob] {
        var done = Set<String>(), ordered = [PlannedJob]()
        let names = Set(jobs.map(\.name))
        while ordered.count < jobs.count {
            let ready = jobs.filter { !done.contains($0.name) && $0.needs.allSatisfy { done.contains($0) || !names.contains($0) } }
            guard !ready.isEmpty else { break }  // a cycle: the validator refuses it before any plan
            for job in ready { done.insert(job.name); ordered.append(job) }
        }
        return ordered
    }

    /// The last lines of a job's Slurm output file, for a failure's one line.
    static func tail(_ path: String) -> String {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return "no output file \(path)" }
        let lines = text.split(separator: "\n").suffix(3).joined(separator: " | ")
        return lines.isEmpty ? "its output \(path) is empty" : lines
    }
}

/// How wf submits to Slurm (`wf run --executor slurm`, `wf daemon --executor slurm`).
public struct SlurmSettings: Sendable, Equatable {
    /// `--partition`; nil takes the cluster's default.
    public var partition: String?
    /// `--account`; nil takes the user's default.
    public var account: String?
    /// The wf the nodes run: by default this very binary, which a shared file system shows them at the same path.
    public var wf: String
    /// Seconds between two looks at the queue.
    public var pollInterval: TimeInterval = 0.5
    /// Seconds `squeue` may keep failing before the run is given up (its jobs go on on the cluster).
    public var unreachableLimit: TimeInterval = 300
    /// Seconds a completed job's result record may take to appear (a shared file system's cache).
    public var resultGrace: TimeInterval = 30
    /// `--time`, minutes, when the user sets one (`--slurm-time`); otherwise the partition's default.
    public var timeLimitMinutes: Int?

    public init(partition: String? = nil, account: String? = nil, wf: String = SlurmSettings.thisWF, timeLimitMinutes: Int? = nil) {
        self.partition = partition
        self.account = account
        self.wf = wf
        self.timeLimitMinutes = timeLimitMinutes
    }

    /// The running wf's path (`/proc/self/exe`).
    public static var thisWF: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }
}

/// The pieces of one submission, kept pure so they are tested without a cluster.
public enum SlurmSubmission {
    /// `sbatch` options of one job: `--parsable`, its name, output file, dependencies and resources.
    public static func arguments(for job: PlannedJob, run: String, runFolder: String, dependencies: [String], settings: SlurmSettings) -> [String] {
        // --no-requeue: a job Slurm would requeue (a node failing, preemption) ends instead, so
        // an end state wf reads is final; wf's retry is the run's, not Slurm's.
        var arguments = ["--parsable", "--job-name=wf-\(job.name)", "--output=\(runFolder)/\(job.name)/slurm-%j.out",
                         "--chdir=\(runFolder)/\(job.name)", "--comment=wf run \(run)", "--no-requeue"]
        if !dependencies.isEmpty { arguments += ["--dependency=afterok:" + dependencies.joined(separator: ":"), "--kill-on-invalid-dep=yes"] }
        if let partition = settings.partition { arguments.append("--partition=\(partition)") }
        if let account = settings.account { arguments.append("--account=\(account)") }
        if let cpu = job.limits?.cpu { arguments.append("--cpus-per-task=\(cpu)") }
        // Slurm's --mem is in MiB; a byte limit rounds up so the job never gets less than it asked for.
        if let memory = job.limits?.memory { arguments.append("--mem=\((memory + (1 << 20) - 1) >> 20)M") }
        if let type = job.instanceType, InstanceType.gpus(type) > 0 { arguments.append("--gres=gpu:\(InstanceType.gpus(type))") }
        if let minutes = settings.timeLimitMinutes { arguments.append("--time=\(minutes)") }
        return arguments
    }

    /// The batch script: `wf job exec` with everything quoted for the shell.
    public static func script(wf: String, planPath: String, job: String, run: String) -> String {
        """
        #!/bin/sh
        # wf: job \(job) of \(run); written by wf, submitted with sbatch.
        exec \(quoted(wf)) job exec \(quoted(planPath)) \(quoted(job))

        """
    }

    /// `1234` or `1234;cluster` (sbatch --parsable) → `1234`.
    public static func jobID(fromParsable output: String) -> String? {
        let line = output.split(separator: "\n").last.map { String($0.split(separator: ";").first ?? "") }?.trimmingCharacters(in: .whitespaces) ?? ""
        return !line.isEmpty && line.allSatisfy(\.isNumber) ? line : nil
    }

    static func quoted(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'" }
}

/// One job as `squeue` or `sacct` shows it.
public struct SlurmJobState: Sendable, Equatable {
    /// Slurm's job state: PENDING, RUNNING, COMPLETED, FAILED, CANCELLED, TIMEOUT, …
    public var state: String
    public var node: String?
    /// squeue's reason (`%r`): why a job waits, or `DependencyNeverSatisfied`.
    public var reason: String

    public init(state: String, node: String?, reason: String) {
        self.state = state
        self.node = node
        self.reason = reason
    }

    public var isRunning: Bool { ["RUNNING", "COMPLETING", "CONFIGURING", "STAGE_OUT", "SUSPENDED"].contains(state) }
    public var isEnded: Bool { !isRunning && !["PENDING", "REQUEUED", "REQUEUE_HOLD", "REQUEUE_FED", "RESIZING", "SIGNALING"].contains(state) }
    /// Pending reasons that no job ending will clear: the request does not fit the partition or the account.
    public static let hopelessReasons: Set<String> = ["PartitionTimeLimit", "PartitionNodeLimit", "PartitionConfig", "BadConstraints",
                                                      "InvalidAccount", "InvalidQOS", "AccountNotAllowed", "QOSNotAllowed"]

    /// It will never start: a need failed. (Cancelled that way by --kill-on-invalid-dep, or still pending.)
    public var neverRuns: Bool { reason.contains("DependencyNeverSatisfied") && (state == "PENDING" || state == "CANCELLED") }
}

/// Reads job states from the controller.
public enum SlurmQueue {
    /// `squeue --states=all` for the jobs it still holds, `sacct` for the others it can answer.
    static func states(of ids: [String]) throws -> [String: SlurmJobState] {
        guard !ids.isEmpty else { return [:] }
        let queue = try SlurmCommand.call("squeue", ["--noheader", "--states=all", "--jobs=\(ids.joined(separator: ","))", "--format=%i|%T|%N|%r"])
        // squeue fails outright when every job named has left the controller's memory.
        guard queue.status == 0 || queue.error.contains("Invalid job id") else {
            throw SlurmError("squeue failed: \(queue.error.isEmpty ? queue.output : queue.error)")
        }
        var states = parse(queue.output)
        let missing = ids.filter { states[$0] == nil }
        if !missing.isEmpty,
           let accounted = try? SlurmCommand.call("sacct", ["--noheader", "--parsable2", "--allocations", "--jobs=\(missing.joined(separator: ","))",
                                                             "--format=JobID,State,NodeList,Reason"]), accounted.status == 0 {
            for (id, state) in parse(accounted.output) where states[id] == nil { states[id] = state }
        }
        return states
    }

    /// Lines of `ID|STATE|NODES|REASON`; sacct's `CANCELLED by 0` is `CANCELLED`.
    public static func parse(_ output: String) -> [String: SlurmJobState] {
        var states = [String: SlurmJobState]()
        for line in output.split(separator: "\n") {
            let fields = line.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard fields.count >= 3, !fields[0].isEmpty, fields[0].allSatisfy(\.isNumber) else { continue }
            let state = String(fields[1].split(separator: " ").first ?? "")
            let node = fields[2].isEmpty || fields[2] == "None assigned" || fields[2].hasPrefix("(") ? nil : fields[2]
            states[fields[0]] = SlurmJobState(state: state, node: node, reason: fields.count > 3 ? fields[3] : "")
        }
        return states
    }
}

/// Slurm's command-line tools, found on PATH.
enum SlurmCommand {
    static func call(_ tool: String, _ arguments: [String]) throws -> (status: Int32, output: String, error: String) {
        guard let path = Tool.find(tool) else {
            throw SlurmError("\(tool) is not on PATH; install Slurm's client commands (apt-get install slurm-client) on this machine")
        }
        return try Tool.run(path, arguments)
    }
}

/// Why wf could not use the cluster (unreachable, or a submission refused): one line, what to do.
public struct SlurmError: Error, CustomStringConvertible, Equatable {
    public var detail: String
    public init(_ detail: String) { self.detail = detail }
    public var description: String { "Slurm: \(detail)" }
}
