import Foundation
import Testing
import TestSupport
import Datasets
import Workflows
@testable import Triggers

/// The queue's promises: one item per (link, commit, workflow), claimed in order, a cut-off
/// run retried once; and which pushes run which workflows.
@Suite struct QueueTests {
    let scratch = Scratch("wf-queue")

    @Test func eachCommitAndWorkflowIsQueuedOnceAndClaimedInOrder() throws {
        let triggers = try TriggerStore(home: scratch("home"))
        try triggers.add(Link(name: "repo", url: "/srv/repo"), heads: ["refs/heads/main": String(repeating: "a", count: 40)])
        let first = try triggers.enqueue(link: "repo", commit: "c1", ref: "refs/heads/main", workflow: "w.yaml", source: .webhook)
        let again = try triggers.enqueue(link: "repo", commit: "c1", ref: "refs/heads/main", workflow: "w.yaml", source: .poll)
        #expect(first.isNew && !again.isNew && again.item.id == first.item.id && again.item.source == .webhook)
        try triggers.enqueue(link: "repo", commit: "c2", ref: "refs/heads/main", workflow: "w.yaml", source: .poll)
        let claimed = try #require(try triggers.claimNext())
        #expect(claimed.commit == "c1" && claimed.status == .running && claimed.attempts == 1)

        // A daemon dies here: the running item is retried once, then given up.
        #expect(try triggers.recoverInterrupted().retried.map(\.commit) == ["c1"])
        #expect(try triggers.claimNext()?.commit == "c1")
        let second = try triggers.recoverInterrupted()
        #expect(second.retried.isEmpty && second.abandoned.map(\.commit) == ["c1"])
        let next = try #require(try triggers.claimNext())
        #expect(next.commit == "c2")
        try triggers.finish(next.id, status: .succeeded, runID: "run-1", detail: nil)
        #expect(try triggers.claimNext() == nil)
        #expect(try triggers.queue().first { $0.commit == "c2" }?.runID == "run-1")
    }

    /// `wf trigger` on an item cut off twice (or failed) queues it again; a success is never repeated.
    @Test func anItemCutOffTwiceCanBeQueuedAgainByName() throws {
        let triggers = try TriggerStore(home: scratch("home"))
        try triggers.add(Link(name: "repo", url: "/srv/repo"), heads: [:])
        let item = try triggers.enqueue(link: "repo", commit: "c1", ref: "refs/heads/main", workflow: "w.yaml", source: .poll).item
        for _ in 0..<2 {
            _ = try triggers.claimNext()
            _ = try triggers.recoverInterrupted()
        }
        #expect(try triggers.queue().first?.status == .interrupted)
        let again = try #require(try triggers.requeue(item.id, detail: "queued again"))
        #expect(again.status == .queued && again.attempts == 0)
        let claimed = try #require(try triggers.claimNext())
        try triggers.finish(claimed.id, status: .succeeded, runID: "run-2", detail: nil)
        #expect(try triggers.requeue(item.id, detail: "queued again") == nil)
    }

    /// A run failing on a transient error (no descriptors, no space, the network) is queued
    /// again after a wait; other errors, and transient ones past the last attempt, are final.
    @Test func transientFailuresAreRetriedLaterAndOthersAreFinal() throws {
        #expect(TransientFailure.isTransient(DatasetError.io(path: "f", operation: "open", errno: EMFILE)))
        #expect(TransientFailure.isTransient(DatasetError.indexUnavailable(path: "i", cause: .full, detail: "disk I/O error")))
        #expect(!TransientFailure.isTransient(DatasetError.indexUnavailable(path: "i", cause: .damaged, detail: "malformed")))
        struct RunFailure: Error, CustomStringConvertible { var description: String }
        #expect(TransientFailure.isTransient(RunFailure(description: "job a failed: open /x: \(String(cString: strerror(ENFILE)))")))
        #expect(TransientFailure.isTransient(RunFailure(description: "pulling img failed: dial tcp: \(String(cString: strerror(ECONNREFUSED)))")))
        #expect(!TransientFailure.isTransient(RunFailure(description: "job a failed: the script exited with status 4")))
        let emfile = DatasetError.io(path: "f", operation: "open", errno: EMFILE)
        let first = try #require(TransientFailure.retryDelay(for: emfile, attempt: 1, base: 10))
        let third = try #require(TransientFailure.retryDelay(for: emfile, attempt: 3, base: 10))
        #expect((9...11).contains(first) && (36...44).contains(third))
        #expect(TransientFailure.retryDelay(for: emfile, attempt: TransientFailure.maxAttempts, base: 10) == nil)

        let triggers = try TriggerStore(home: scratch("home"))
        try triggers.add(Link(name: "repo", url: "/srv/repo"), heads: [:])
        try triggers.enqueue(link: "repo", commit: "c1", ref: "refs/heads/main", workflow: "w.yaml", source: .poll)
        let claimed = try #require(try triggers.claimNext())
        try triggers.retryLater(claimed.id, runID: "run-1", after: 60, detail: "transient")
        #expect(try triggers.claimNext() == nil, "held back for a minute")
        #expect(try triggers.queue().first?.status == .queued)
        try triggers.retryLater(claimed.id, runID: "run-1", after: 0, detail: "transient")
        #expect(try triggers.claimNext()?.attempts == 2)
    }

    /// Killed after its run succeeded but before the queue heard: finished, not run again.
    @Test func aRunThatSucceededBeforeTheCrashIsNotRepeated() throws {
        let triggers = try TriggerStore(home: scratch("home"))
        try triggers.add(Link(name: "repo", url: "/srv/repo"), heads: [:])
        try triggers.enqueue(link: "repo", commit: "c1", ref: "refs/heads/main", workflow: "w.yaml", source: .poll)
        let item = try #require(try triggers.claimNext())
        try triggers.setRun(item.id, runID: "run-1")
        try triggers.store.recordRunStarted(RunRecord(id: "run-1", workflow: "w.yaml", repository: "/srv/repo", commit: "c1", trigger: "poll", pid: 1))
        try triggers.store.recordRunFinished("run-1", status: .succeeded, summary: nil)
        let recovered = try triggers.recoverInterrupted()
        #expect(recovered.retried.isEmpty && recovered.abandoned.isEmpty)
        #expect(try triggers.queue().first?.status == .succeeded && triggers.claimNext() == nil)
    }

    @Test func fetchesReportOnlyChangedRefs() throws {
        let triggers = try TriggerStore(home: scratch("home"))
        let a = String(repeating: "a", count: 40), b = String(repeating: "b", count: 40)
        try triggers.add(Link(name: "repo", url: "/srv/repo"), heads: ["refs/heads/main": a])
        #expect(try triggers.recordFetch("repo", heads: ["refs/heads/main": a], error: nil).isEmpty)
        let changed = try triggers.recordFetch("repo", heads: ["refs/heads/main": b, "refs/tags/v1": a], error: nil)
        #expect(changed.map(\.ref) == ["refs/heads/main", "refs/tags/v1"])
        try triggers.recordFetch("repo", heads: nil, error: "unreachable")
        let state = try triggers.link("repo")
        #expect(state.failures == 1 && state.lastError == "unreachable" && state.heads["refs/heads/main"] == b)
        #expect(throws: TriggerStore.Failure.self) { try triggers.add(Link(name: "repo", url: "/elsewhere"), heads: [:]) }
    }

    @Test func workflowsRunForTheBranchesAndTagsTheirOnAllows() {
        let mainOnly = Trigger(branches: ["main"], ignoredBranches: [], tags: [])
        #expect(WorkflowMatcher.triggers(mainOnly, ref: "refs/heads/main"))
        #expect(!WorkflowMatcher.triggers(mainOnly, ref: "refs/heads/dev"))
        #expect(!WorkflowMatcher.triggers(mainOnly, ref: "refs/tags/v1"))
        let releases = Trigger(branches: ["release/*"], ignoredBranches: ["release/old"], tags: ["v*"])
        #expect(WorkflowMatcher.triggers(releases, ref: "refs/heads/release/2"))
        #expect(!WorkflowMatcher.triggers(releases, ref: "refs/heads/release/old"))
        #expect(WorkflowMatcher.triggers(releases, ref: "refs/tags/v1.2"))
        #expect(WorkflowMatcher.triggers(nil, ref: "refs/heads/anything") && !WorkflowMatcher.triggers(nil, ref: "refs/tags/v1"))
        #expect(!WorkflowMatcher.triggers(Trigger(branches: [], ignoredBranches: [], tags: ["v*"]), ref: "refs/heads/main"))
    }
}
