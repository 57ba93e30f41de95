import Datasets
import Foundation
import GitSource
import Runner

/// `wf daemon`: polls each link's mirror on its interval, takes webhook deliveries, and runs
/// the queue one item at a time. All of its state is in `TriggerStore`, so it can be killed
/// at any moment: started again, it retries once a run that was cut off and repeats nothing
/// that finished.
///
/// Several pushes during a run: each commit a webhook reports is queued and runs after the
/// current one, in order. Polling sees only each ref's newest commit at each fetch, so pushes
/// between two polls run once, for the newest commit.
public final class Daemon: @unchecked Sendable {
    public let home: String
    public let triggers: TriggerStore
    let defaultModel: String?
    let log: @Sendable (String) -> Void
    /// How runs execute: `--runtime`, `--pull` and `--model` of `wf daemon` (a link's own
    /// `--model` mappings go on top).
    public var runOptions = RunOptions()
    /// How long the worker sleeps when the queue is empty (items queued by `wf trigger` in
    /// another process are seen within it; in-process ones wake it at once).
    public var idleWait: TimeInterval = 0.25
    /// The wait before the first retry after a transient error; it doubles with each attempt.
    public var transientRetryBase: TimeInterval = 10
    /// How often the poller brings a shared store's cache up to its bucket.
    public var synchronizeEvery: TimeInterval = 10

    private let wake = DispatchSemaphore(value: 0)
    private let state = NSLock()
    private var pollingStopped = false
    private var workingStopped = false
    private var nextPoll = [String: Date]()
    /// The run the worker is on, for `cancel(run:)`.
    private var current: (item: Int64, run: String, cancellation: RunCancellation)?

    public init(home: String, defaultModel: String?, log: @escaping @Sendable (String) -> Void) throws {
        self.home = home
        self.triggers = try TriggerStore(home: home)
        self.defaultModel = defaultModel
        self.log = log
    }

    /// Asks the poller to end, at once. The poller and the worker stop separately: each is
    /// its own Service, stopped in its turn by the daemon's ServiceGroup.
    public func stopPollLoop() {
        state.withLock { pollingStopped = true }
    }

    /// Asks the worker to end, after its current run.
    public func stopWorkLoop() {
        state.withLock { workingStopped = true }
        wake.signal()
    }

    /// The run the worker is on: its queue item, run id and cancellation.
    func currentRun() -> (item: Int64, run: String, cancellation: RunCancellation)? { state.withLock { current } }

    /// Wakes the worker for an item queued in this process.
    func wakeWorker() { wake.signal() }

    private var isPollingStopped: Bool { state.withLock { pollingStopped } }
    private var isWorkingStopped: Bool { state.withLock { workingStopped } }

    // MARK: queueing

    /// Queues the workflows `ref` at `commit` triggers; returns the items, new or not.
    func enqueue(link: Link, ref: String, commit: String, source: QueueItem.Source) throws -> [(item: QueueItem, isNew: Bool)] {
        let repository = try Mirror(link: link, home: home).repository()
        var queued = [(item: QueueItem, isNew: Bool)]()
        for decision in try WorkflowMatcher.workflows(in: repository, commit: commit, ref: ref) {
            let entry = try triggers.enqueue(link: link.name, commit: commit, ref: ref, workflow: decision.workflow, source: source,
                                             status: decision.problem == nil ? .queued : .failed, detail: decision.problem)
            if entry.isNew {
                log("\(link.name): \(ref) at \(commit.prefix(12)): " + (decision.problem.map { "\(decision.workflow) cannot run: \($0)" } ?? "queued \(decision.workflow) (\(source.rawValue))"))
            }
            queued.append(entry)
        }
        if !queued.isEmpty { wake.signal() }
        return queued
    }

    /// Fetches `link` and queues what changed since the last fetch. Failures are recorded
    /// (and backed off by the poller), never thrown.
    @discardableResult
    public func poll(_ link: Link) -> [QueueItem] {
        do {
            return try fetchAndQueue(link, source: .poll).filter(\.isNew).map(\.item)
        } catch {
            log("\(link.name): fetching \(RepositoryURL.redacted(link.url)) failed: \(error); retrying later")
            _ = try? triggers.recordFetch(link.name, heads: nil, error: "\(error)")
            return []
        }
    }

    /// Fetches the mirror and queues every watched ref that moved; the new heads are recorded
    /// only after their runs are queued, so a crash in between repeats the queueing (which
    /// `UNIQUE` makes harmless) rather than losing a push.
    func fetchAndQueue(_ link: Link, source: QueueItem.Source, fetched: [String: String]? = nil) throws -> [(item: QueueItem, isNew: Bool)] {
        let heads = try fetched ?? Mirror(link: link, home: home).update()
        var entries = [(item: QueueItem, isNew: Bool)]()
        for change in try triggers.changes(link.name, heads: heads) where link.watches(change.ref) {
            entries += try enqueue(link: link, ref: change.ref, commit: change.commit, source: source)
        }
        try triggers.recordFetch(link.name, heads: heads, error: nil)
        return entries
    }

    /// `wf trigger`: queues the workflows at `commit` (default: the branch's newest), fetching first.
    public func trigger(_ name: String, commit: String?) throws -> [(item: QueueItem, isNew: Bool)] {
        let state = try triggers.link(name)
        let mirror = Mirror(link: state.link, home: home)
        var entries = try fetchAndQueue(state.link, source: .trigger)
        let repository = try mirror.repository()
        let branchRef: String
        if let branch = state.link.branch { branchRef = "refs/heads/\(branch)" } else {
            let head = try? repository.head()
            branchRef = head?.branch.map { "refs/heads/\($0)" } ?? "refs/heads/main"
        }
        let target = try commit.map { try repository.resolve($0) } ?? repository.resolve(branchRef)
        for var entry in try enqueue(link: state.link, ref: branchRef, commit: target, source: .trigger) {
            // Asked for by name: an item that was cut off twice or failed runs again.
            if !entry.isNew, let again = try triggers.requeue(entry.item.id, detail: "queued again by wf trigger after it \(Self.ending(entry.item.status))") {
                entry = (again, true)
                log("\(name): \(branchRef) at \(target.prefix(12)): queued \(again.workflow) again (wf trigger)")
                wake.signal()
            }
            if let known = entries.firstIndex(where: { $0.item.id == entry.item.id }) {
                if entry.isNew { entries[known] = entry }
            } else {
                entries.append(entry)
            }
        }
        return entries
    }

    /// How an item that is queued again had ended, for its detail.
    static func ending(_ status: QueueItem.Status) -> String {
        switch status {
        case .failed: return "failed"
        case .cancelled: return "was cancelled"
        default: return "was cut off"
        }
    }

    // MARK: loops

    /// Polls every link whose time has come, with ±10% jitter, doubling the wait after each
    /// failure up to ten minutes. Returns when `stopPollLoop()` is called.
    public func pollLoop() {
        var synchronized = Date.distantPast
        while !isPollingStopped {
            let now = Date()
            // A store shared with other daemons: their versions reach this one's history (and
            // its read API and dashboard) within `synchronizeEvery`.
            if triggers.store.upstream != nil, now.timeIntervalSince(synchronized) >= synchronizeEvery {
                do { try triggers.store.synchronize() } catch { log("synchronizing the shared store failed: \(error); retrying later") }
                synchronized = now
            }
            for state in (try? triggers.links()) ?? [] where state.link.pollSeconds > 0 {
                let name = state.link.name
                let due = self.state.withLock { nextPoll[name] } ?? now
                guard due <= now, !isPollingStopped else { continue }
                poll(state.link)
                let failures = (try? triggers.link(name).failures) ?? 0
                let base = min(600, Double(state.link.pollSeconds) * pow(2, Double(min(failures, 10))))
                let wait = base * Double.random(in: 0.9...1.1)
                self.state.withLock { nextPoll[name] = Date().addingTimeInterval(wait) }
            }
            Thread.sleep(forTimeInterval: 0.1)
        }
    }

    /// Runs queued items one at a time until `stopWorkLoop()`; the item running then finishes first.
    public func workLoop() {
        while !isWorkingStopped {
            if !runNext() { _ = wake.wait(timeout: .now() + idleWait) }
        }
    }

    /// Runs the oldest queued item; false when there was none.
    @discardableResult
    public func runNext() -> Bool {
        guard let item = try? triggers.claimNext() else { return false }
        run(item)
        return true
    }

    func run(_ item: QueueItem) {
        // An item cut off while an engine ran its jobs takes up the same run: its jobs are still
        // on the cluster, and the run record names them, so they are watched, not submitted again.
        // Only a run cut off (its process gone while it ran): a run that ended (failed, cancelled)
        // and is queued again by `wf trigger` is a new run.
        let runID = item.runID.flatMap { earlier in
            guard runOptions.engine != nil, let run = try? triggers.store.run(earlier), run.status == .interrupted || run.status == .running else { return nil }
            return run.jobs.contains { $0.engineJob != nil } ? earlier : nil
        } ?? LocalRunner.newRunID()
        let takenUp = runID == item.runID
        let checkout = "\(home)/daemon/checkouts/\(item.id)"
        defer { try? FileManager.default.removeItem(atPath: checkout) }
        let cancellation = RunCancellation()
        state.withLock { current = (item.id, runID, cancellation) }
        defer { state.withLock { current = nil } }
        do {
            let state = try triggers.link(item.link)
            if item.rerunOf == nil, let upstream = triggers.store.upstream {
                let outcome = try RunClaim.claim(repository: state.link.url, commit: item.commit, workflow: item.workflow,
                                                 daemon: try RunClaim.daemonID(home: home), in: upstream)
                if case .theirs(let holder) = outcome {
                    let detail = "run by \(holder), which shares the store \(upstream.description)"
                    try triggers.finish(item.id, status: .skipped, runID: nil, detail: detail)
                    log("\(item.link): \(item.workflow) at \(item.commit.prefix(12)) is \(detail)")
                    return
                }
            }
            try triggers.setRun(item.id, runID: runID)
            log("\(item.link): running \(item.workflow) at \(item.commit.prefix(12)) as \(runID)")
            // A run taken up again keeps its checkout: its jobs on the cluster may be reading it.
            if !(takenUp && FileManager.default.fileExists(atPath: checkout)) {
                try? FileManager.default.removeItem(atPath: checkout)
                try FileManager.default.createDirectory(atPath: checkout, withIntermediateDirectories: true)
                try Mirror(link: state.link, home: home).repository().export(commit: item.commit, to: checkout)
            }
            var options = runOptions
            options.models.merge(state.link.models ?? [:]) { $1 }
            options.trigger = "\(item.source.rawValue) \(item.link) \(item.ref)"
            options.link = item.link
            options.source = (repository: state.link.url, commit: item.commit)
            options.runID = runID
            options.confined = true
            options.cancellation = cancellation
            if let earlier = item.rerunOf {
                options.reuse = try item.rerunJob.map { try reuse(of: triggers.store.run(earlier), rerunning: $0) } ?? RunReuse(run: earlier)
                options.trigger = "re-run of \(earlier)" + (item.rerunJob.map { " (job \($0))" } ?? "")
            }
            let runner = try LocalRunner(home: home, defaultModel: defaultModel) { [log] in log("  " + $0) }
            let result = try runner.run(workflowFile: "\(checkout)/\(item.workflow)", checkout: checkout, options: options)
            try triggers.finish(item.id, status: .succeeded, runID: runID,
                                detail: result.versions.map(\.reference).joined(separator: " "))
            log("\(item.link): \(runID) succeeded" + result.versions.map { " → \($0.reference)" }.joined())
        } catch RunError.runCancelled {
            try? triggers.finish(item.id, status: .cancelled, runID: runID, detail: "cancelled; nothing was committed")
            log("\(item.link): \(runID) cancelled; nothing was committed")
        } catch {
            recordFailureBeforeRun(item, runID: runID, error: error)
            // A transient error (no descriptors, no space, the network) fails this attempt, not
            // the item: it is queued again after a growing wait, a few times.
            if let delay = TransientFailure.retryDelay(for: error, attempt: item.attempts, base: transientRetryBase) {
                let detail = "attempt \(item.attempts) of \(TransientFailure.maxAttempts) failed on a transient error (\(error)); retrying in \(Int(delay.rounded())) s"
                if (try? triggers.retryLater(item.id, runID: runID, after: delay, detail: detail)) != nil {
                    log("\(item.link): \(runID) \(detail)")
                    return
                }
            }
            try? triggers.finish(item.id, status: .failed, runID: runID, detail: "\(error)")
            log("\(item.link): \(runID) failed: \(error)")
        }
    }

    /// A run that failed while being prepared (the export of its commit, the workflow file)
    /// has no run record yet: it gets one, failed with the reason, so the run id `wf status`
    /// shows is one `wf runs show` knows.
    private func recordFailureBeforeRun(_ item: QueueItem, runID: String, error: Error) {
        guard let store = try? StoreAccess.open(home: home), (try? store.run(runID)) == nil else { return }
        let repository = (try? triggers.link(item.link).link.url).map(RepositoryURL.redacted) ?? item.link
        let record = RunRecord(id: runID, workflow: item.workflow, repository: repository, commit: item.commit,
                               trigger: "\(item.source.rawValue) \(item.link) \(item.ref)", pid: getpid())
        try? store.recordRunStarted(record)
        try? store.recordRunFinished(runID, status: .failed, summary: "preparing the run failed: \(error)")
    }
}
