import Datasets
import Foundation
import Runner

/// What the API asks of a running daemon besides pushes: re-run a run, re-run one job and what
/// depends on it, cancel a run or a queued item (`wf daemon --listen`'s `POST /api/...`). Each
/// is checked in full before anything changes, and refused with one sentence saying why and
/// what to do instead.
extension Daemon {
    /// An action that cannot be done in the state things are in (HTTP 409).
    public struct Refusal: Error, CustomStringConvertible, Equatable {
        public var description: String
        init(_ description: String) { self.description = description }
    }

    /// What cancelling did.
    public enum Cancelled: Equatable, Sendable {
        /// The item was waiting and will not run.
        case queued(QueueItem)
        /// The run is stopping: its processes are killed, its jobs end as cancelled, nothing is committed.
        case stopping(run: String)
    }

    /// Queues run `id` again: all of it, or `job` and the jobs that depend on it, the others
    /// reusing that run's results. Refused for a run still running, a run `wf run` started
    /// (the daemon has no checkout of it), one already queued again, and a job whose inputs
    /// from the earlier run are not there.
    public func rerun(_ id: String, job: String? = nil) throws -> QueueItem {
        let store = triggers.store
        let run = try store.run(id)
        guard let link = run.link, let commit = run.commit else {
            throw Refusal("\(run.id) was started by `wf run`, not by a linked repository; run it again with wf run in its checkout")
        }
        guard run.status != .running else {
            throw Refusal("\(run.id) is still running; cancel it first (POST /api/runs/\(run.id)/cancel) or wait for it to end")
        }
        _ = try triggers.link(link)
        if let job { _ = try reuse(of: run, rerunning: job) }
        let item = try triggers.enqueueRerun(of: run.id, job: job, link: link, commit: commit, workflow: run.workflow)
        log("\(link): queued \(run.workflow) again as a re-run of \(run.id)" + (job.map { " (job \($0) and what needs it)" } ?? ""))
        wakeWorker()
        return item
    }

    /// The jobs of `run` that a re-run of `job` keeps: every job but `job` and those that
    /// need it, directly or not. The ones the re-run's jobs read from must have succeeded and
    /// their outputs must still be in `HOME/runs/RUN/`.
    func reuse(of run: RunRecord, rerunning job: String) throws -> RunReuse {
        guard run.jobs.contains(where: { $0.name == job }) else {
            throw TriggerStore.Failure.unknownJob(run: run.id, job: job, jobs: run.jobs.map(\.name))
        }
        var again: Set<String> = [job]
        var grew = true
        while grew {
            grew = false
            for record in run.jobs where !again.contains(record.name) && record.needs.contains(where: again.contains) {
                again.insert(record.name)
                grew = true
            }
        }
        // A kept job points at the run that really ran it (a job reused before stays reused from its own run).
        let kept = run.jobs.filter { !again.contains($0.name) }.map { record -> JobRecord in
            var record = record
            record.reusedFrom = record.reusedFrom ?? run.id
            return record
        }
        let read = Set(run.jobs.filter { again.contains($0.name) }.flatMap(\.needs))
        for record in kept where read.contains(record.name) {
            guard record.status == .succeeded else {
                throw Refusal("job \(job) needs \(record.name), which \(record.status.rawValue) in \(run.id); re-run \(record.name) (it re-runs \(job) too) or the whole run")
            }
            let folder = "\(home)/runs/\(record.reusedFrom!)/\(record.name)"
            guard FileManager.default.fileExists(atPath: folder) else {
                throw Refusal("the outputs of job \(record.name) of \(run.id) are gone from \(folder); re-run the whole run")
            }
        }
        return RunReuse(run: run.id, jobs: Dictionary(uniqueKeysWithValues: kept.map { ($0.name, $0) }))
    }

    /// Cancels run `id`: a run this daemon is running stops, one waiting in the queue (after
    /// a transient error) is dropped. Refused for a run that has ended, one committing its
    /// outputs, and one another process runs.
    public func cancel(run id: String) throws -> Cancelled {
        // The worker's run first: it may not have a run record yet (its commit is being exported).
        if let running = currentRun(), running.run == id || (id.count >= 4 && running.run.hasPrefix(id)) {
            guard running.cancellation.cancel() else {
                throw Refusal("\(running.run) is committing its outputs; it is too late to cancel it")
            }
            log("cancelling \(running.run)")
            return .stopping(run: running.run)
        }
        let run = try triggers.store.run(id)
        if let item = try triggers.item(forRun: run.id), item.status == .queued {
            return try cancel(item: item.id)
        }
        guard run.status == .running else {
            throw Refusal("\(run.id) has already ended (\(run.status.rawValue)); nothing to cancel")
        }
        throw Refusal("\(run.id) is run by process \(run.pid), not by this daemon; stop it there (Ctrl-C in its terminal, or kill \(run.pid))")
    }

    /// Cancels queue item `id`: a waiting one never runs; a running one has its run cancelled.
    public func cancel(item id: Int64) throws -> Cancelled {
        guard let item = try triggers.item(id) else { throw TriggerStore.Failure.unknownItem(id) }
        if item.status == .running, let run = item.runID {
            return try cancel(run: run)
        }
        guard let cancelled = try triggers.cancelQueued(id) else {
            throw Refusal("queue item \(id) has already ended (\(item.status.rawValue)); nothing to cancel")
        }
        log("\(item.link): cancelled queue item \(id) (\(item.workflow) at \(item.commit.prefix(12)))")
        return .queued(cancelled)
    }
}
