import Datasets
import Foundation
import GitSource
import TextGeneration
import Workflows

/// Runs a workflow from a local checkout (`wf run`): jobs in dependency order, independent
/// ones side by side (at most `RunOptions.parallelJobs`), each in its own folder under
/// `HOME/runs/RUN/JOB/` with `inputs/NAME`, `outputs/NAME` and `log.txt`. A failed job stops
/// the jobs that need it; the others finish. When every job has succeeded, each `dataset`
/// output becomes a new version with provenance (repository, commit, workflow file, job,
/// run, settings and model digests); a failed run commits nothing. The run, its jobs, their
/// timings, states and logs are recorded in the index for `wf runs`.
public final class LocalRunner {
    public struct Result: Sendable {
        public var run: RunRecord
        public var versions: [VersionInfo]
    }

    let store: DatasetStore
    let home: String
    let defaultModel: String?
    let log: @Sendable (String) -> Void

    public init(home: String, defaultModel: String?, log: @escaping @Sendable (String) -> Void = { _ in }) throws {
        self.home = home
        self.store = try DatasetStore(home: home)
        self.defaultModel = defaultModel
        self.log = log
    }

    public func run(workflowFile: String, checkout: String, options: RunOptions = RunOptions()) throws -> Result {
        let relative = workflowFile.hasPrefix(checkout + "/") ? String(workflowFile.dropFirst(checkout.count + 1)) : workflowFile
        let spec = try WorkflowParser.parse(try String(contentsOfFile: workflowFile, encoding: .utf8), file: relative)
        let selected = try jobsToRun(spec, onlyJob: options.onlyJob)
        let workflowInputs = try WorkflowInputs.resolve(spec, given: options.inputs, store: store, confined: options.confined)
        let secrets = try secretValues(spec, selected: selected, store: options.secrets)
        let runID = options.runID ?? LocalRunner.newRunID()
        let runFolder = "\(home)/runs/\(runID)"
        let source = options.source.map { CheckoutSource(repository: $0.repository, commit: $0.commit) } ?? CheckoutSource(checkout)
        let commit = source.commit
        log("\(runID): \(relative) at \(commit.map { String($0.prefix(12)) } ?? "an uncommitted checkout")")
        if source.isDirty { log("note: \(checkout) has uncommitted changes; the run uses them, and provenance names HEAD") }

        let jobs = spec.jobs.filter { selected.contains($0.name) }
        var record = RunRecord(id: runID, workflow: relative, repository: source.repository, commit: commit, trigger: options.trigger,
                               pid: getpid(), inputs: workflowInputs.mapValues(\.value),
                               jobs: jobs.map { JobRecord(name: $0.name, action: $0.action.rawValue, log: "\(runFolder)/\($0.name)/log.txt") })
        try store.recordRunStarted(record)

        // Every output's place is known before anything runs, so jobs never share mutable state.
        var outputPaths = [String: [String: String]]()
        for job in jobs {
            for name in job.outputs.keys { outputPaths[job.name, default: [:]][name] = "\(runFolder)/\(job.name)/outputs/\(name)" }
        }
        let context = RunContext(runID: runID, workflow: relative, spec: spec, checkout: checkout, commit: commit,
                                 repository: source.repository, runFolder: runFolder,
                                 outputPaths: outputPaths, workflowInputs: workflowInputs, secrets: secrets, options: options)
        let outcomes = JobScheduler(jobs: jobs, limit: options.parallelJobs).run { job in
            self.recordJob(job.name, in: &record) { $0.status = .running; $0.started = .now() }
            let outcome = Swift.Result<StepOutcome, Error> { try self.execute(job, context: context) }
            self.recordJob(job.name, in: &record) { entry in
                entry.finished = .now()
                switch outcome {
                case .success(let done): entry.status = .succeeded; entry.outputs = done.values
                case .failure(let error): entry.status = .failed; entry.detail = "\(error)"
                }
            }
            return outcome
        }

        let failures = jobs.compactMap { job -> String? in
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
            try store.recordRunFinished(runID, status: .failed, summary: failures.joined(separator: "\n"))
            throw RunError.runFailed(run: runID, failures: failures)
        }

        var versions = [VersionInfo]()
        do {
            for job in jobs {
                guard case .success(let done)? = outcomes[job.name] else { continue }
                for (name, output) in job.outputs.sorted(by: { $0.key < $1.key }) {
                    guard case .dataset(let ref) = output, done.values[name] == nil else { continue }
                    let dataset = String(ref.split(separator: ":").first ?? "")
                    let provenance = Provenance(repository: source.repository, commit: commit, workflow: relative, job: job.name, run: runID,
                                                settingsDigest: done.result.settingsDigest, modelDigest: done.result.modelDigest)
                    let version = try store.commit(dataset: dataset, paths: [outputPaths[job.name]![name]!],
                                                   message: "\(relative) \(job.name).\(name)", provenance: provenance)
                    versions.append(version)
                    recordJob(job.name, in: &record) { $0.outputs[name] = version.reference }
                }
            }
        } catch {
            try? store.recordRunFinished(runID, status: .failed, summary: "committing the outputs failed: \(error)")
            throw error
        }
        try store.recordRunFinished(runID, status: .succeeded, summary: nil)
        return Result(run: try store.run(runID), versions: versions)
    }

    /// `run-MILLISECONDS-RANDOM`: sorts by time, unique across processes.
    public static func newRunID() -> String {
        "run-\(Timestamp.now().milliseconds)-\(String(UInt32.random(in: 0...UInt32.max) | 0x1000_0000, radix: 16))"
    }

    /// Updates one job of the run record, in memory and in the index.
    private let recordLock = NSLock()
    private func recordJob(_ name: String, in record: inout RunRecord, _ change: (inout JobRecord) -> Void) {
        recordLock.lock()
        defer { recordLock.unlock() }
        guard let index = record.jobs.firstIndex(where: { $0.name == name }) else { return }
        change(&record.jobs[index])
        do { try store.recordJob(record.jobs[index], run: record.id) } catch { log("warning: could not record job \(name): \(error)") }
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

    /// The values of every `secret:NAME` the selected jobs use, read before anything runs so
    /// a missing secret stops the run at once.
    func secretValues(_ spec: WorkflowSpec, selected: Set<String>, store secrets: SecretStore) throws -> [String: String] {
        var values = [String: String]()
        for job in spec.jobs where selected.contains(job.name) {
            for case .secret(let name) in Array(job.with.values) + Array(job.env.values) + Array(spec.defaults.env.values) where values[name] == nil {
                do { values[name] = try secrets.value(name) } catch {
                    throw RunError.missingInput(job: job.name, input: "secret:\(name)", detail: "\(error)")
                }
            }
        }
        return values
    }
}
