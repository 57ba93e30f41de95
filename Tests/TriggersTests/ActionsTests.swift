import Datasets
import Foundation
import Runner
import Testing
import TestSupport
@testable import Triggers

/// The daemon's actions in process, over a real bare repository and real runs of script steps
/// in bubblewrap: a re-run of one job runs it and what needs it and reuses the rest (its
/// outputs read where the earlier run left them, even across re-runs of re-runs); a re-run of
/// a failed run commits the outputs it reused; a waiting item and a running run are cancelled
/// with nothing committed; and each refusal says why.
@Suite(.serialized) struct ActionsTests {
    let scratch = Scratch("wf-actions")

    static let sandboxWorks = (try? Shell.run("bwrap", ["--ro-bind", "/", "/", "--unshare-all", "true"]).status) == 0

    /// prepare → first → second, and prepare → other. `prepare` writes a random token, so a
    /// job that read a reused `prepare` shows the same token as the run it was reused from.
    static let workflow = """
        on:
          github:
            branches:
              only: main
        jobs:
          prepare:
            outputs:
              words: {type: volume}
            uses: script@v1
            with:
              script: od -An -N8 -tx8 /dev/urandom | tr -d ' ' > /outputs/words/token.txt
          first:
            needs: [prepare]
            inputs: {words: prepare.outputs.words}
            outputs:
              copied: {type: dataset, with: {ref: first-out}}
            uses: script@v1
            with:
              script: |-
                cp /inputs/words/token.txt /outputs/copied/token.txt
                date +%s%N > /outputs/copied/when.txt
          second:
            needs: [first]
            outputs:
              done: {type: dataset, with: {ref: second-out}}
            uses: script@v1
            with:
              script: |-
                sleep 2
                date +%s%N > /outputs/done/when.txt
          other:
            needs: [prepare]
            inputs: {words: prepare.outputs.words}
            outputs:
              also: {type: dataset, with: {ref: other-out}}
            uses: script@v1
            with:
              script: cp /inputs/words/token.txt /outputs/also/token.txt
        """

    /// A bare repository holding `workflow`, linked to a daemon in a fresh home, its push queued.
    func linkedDaemon(workflow: String = ActionsTests.workflow) throws -> (Daemon, LogLines) {
        let home = scratch("home"), remote = scratch("remote.git"), work = scratch("work")
        _ = try Shell.run("git", ["init", "-q", "--bare", "-b", "main", remote])
        _ = try Shell.run("git", ["init", "-q", "-b", "main", work])
        try scratch.write("work/.gradient/workflows/steps.yaml", workflow)
        for arguments in [["add", "-A"], ["commit", "-q", "-m", "steps"], ["push", "-q", remote, "main"]] {
            _ = try Shell.run("git", ["-C", work, "-c", "user.name=t", "-c", "user.email=t@localhost"] + arguments)
        }
        let logs = LogLines()
        let daemon = try Daemon(home: home, defaultModel: nil) { logs.append($0) }
        daemon.runOptions.runtime = .bwrap
        let link = Link(name: "steps", url: remote, pollSeconds: 0)
        try daemon.triggers.add(link, heads: [:])
        #expect(daemon.poll(link).count == 1)
        return (daemon, logs)
    }

    func token(_ store: DatasetStore, _ dataset: String, _ ref: String = "latest") throws -> String {
        String(decoding: try store.contents(of: "token.txt", in: try store.resolve("\(dataset):\(ref)")), as: UTF8.self)
    }

    @Test(.enabled(if: ActionsTests.sandboxWorks, "bubblewrap cannot create a sandbox here"))
    func aJobRerunRunsItAndWhatNeedsItAndReusesTheRest() throws {
        let (daemon, logs) = try linkedDaemon()
        let store = daemon.triggers.store
        #expect(daemon.runNext())
        let original = try #require(store.runs().first)
        #expect(original.status == .succeeded, "\(logs.lines)")
        let token = try self.token(store, "first-out")

        // Re-run `first`: `first` and `second` run again; `prepare` and `other` are reused.
        let item = try daemon.rerun(original.id, job: "first")
        #expect(item.rerunOf == original.id && item.rerunJob == "first" && item.source == .rerun)
        #expect(daemon.runNext())
        let rerun = try store.run(try #require(daemon.triggers.item(item.id)?.runID))
        #expect(rerun.status == .succeeded && rerun.rerunOf == original.id, "\(rerun)\n\(logs.lines)")
        let jobs = Dictionary(uniqueKeysWithValues: rerun.jobs.map { ($0.name, $0) })
        #expect(jobs["prepare"]?.reusedFrom == original.id && jobs["other"]?.reusedFrom == original.id)
        #expect(jobs["first"]?.reusedFrom == nil && jobs["second"]?.reusedFrom == nil)
        #expect(!FileManager.default.fileExists(atPath: "\(daemon.home)/runs/\(rerun.id)/prepare"), "prepare ran again")
        // `first` read the reused `prepare`'s output: the same token, in a new version.
        #expect(try store.versions(of: "first-out").count == 2 && self.token(store, "first-out") == token)
        #expect(try store.versions(of: "second-out").count == 2)
        // `other`'s output was committed by the original run: not again.
        #expect(try store.versions(of: "other-out").count == 1)
        #expect(try store.resolve("first-out:latest").provenance.run == rerun.id)

        // A re-run of the re-run's `second` reuses `prepare` from the original run and `first` from the re-run.
        let again = try daemon.rerun(rerun.id, job: "second")
        #expect(daemon.runNext())
        let third = try store.run(try #require(daemon.triggers.item(again.id)?.runID))
        #expect(third.status == .succeeded, "\(third)\n\(logs.lines)")
        let thirdJobs = Dictionary(uniqueKeysWithValues: third.jobs.map { ($0.name, $0) })
        #expect(thirdJobs["prepare"]?.reusedFrom == original.id && thirdJobs["first"]?.reusedFrom == rerun.id)
        #expect(try store.versions(of: "second-out").count == 3 && store.versions(of: "first-out").count == 2)

        // The whole run again: every job runs, with a new token.
        let whole = try daemon.rerun(original.id)
        #expect(daemon.runNext())
        let fourth = try store.run(try #require(daemon.triggers.item(whole.id)?.runID))
        #expect(fourth.status == .succeeded && fourth.jobs.allSatisfy { $0.reusedFrom == nil })
        #expect(try self.token(store, "first-out") != token)
    }

    @Test(.enabled(if: ActionsTests.sandboxWorks, "bubblewrap cannot create a sandbox here"))
    func aRerunOfAFailedRunCommitsTheOutputsItReused() throws {
        let (daemon, logs) = try linkedDaemon()
        let store = daemon.triggers.store
        // `second` sleeps 2 s: a 1-second step timeout fails it, after `first` and `other` succeeded.
        daemon.runOptions.stepTimeout = 1
        #expect(daemon.runNext())
        let failed = try #require(store.runs().first)
        #expect(failed.status == .failed && failed.jobs.first { $0.name == "second" }?.status == .failed, "\(logs.lines)")
        #expect(try store.listDatasets().isEmpty, "a failed run committed something")

        daemon.runOptions.stepTimeout = 60
        let item = try daemon.rerun(failed.id, job: "second")
        #expect(daemon.runNext())
        let rerun = try store.run(try #require(daemon.triggers.item(item.id)?.runID))
        #expect(rerun.status == .succeeded, "\(rerun)\n\(logs.lines)")
        // The reused jobs' outputs, never committed, are committed now, from the failed run's folders.
        let other = try store.resolve("other-out:latest")
        #expect(other.provenance.run == rerun.id && other.provenance.job == "other")
        #expect(try self.token(store, "other-out") == self.token(store, "first-out"))
        #expect(try store.versions(of: "second-out").count == 1)
    }

    @Test(.enabled(if: ActionsTests.sandboxWorks, "bubblewrap cannot create a sandbox here"))
    func refusalsSayWhy() throws {
        let (daemon, _) = try linkedDaemon()
        let store = daemon.triggers.store
        #expect(daemon.runNext())
        let run = try #require(store.runs().first)

        #expect(throws: TriggerStore.Failure.unknownJob(run: run.id, job: "nope", jobs: run.jobs.map(\.name))) {
            try daemon.rerun(run.id, job: "nope")
        }
        #expect(throws: DatasetError.self) { try daemon.rerun("run-none") }
        let queued = try daemon.rerun(run.id)
        // Pressed twice: queued once.
        #expect { try daemon.rerun(run.id) } throws: { "\($0)".contains("already queued again as item \(queued.id)") }
        // A waiting item cancelled never runs.
        guard case .queued(let cancelled) = try daemon.cancel(item: queued.id) else { Issue.record("not cancelled while waiting"); return }
        #expect(cancelled.status == .cancelled && cancelled.id == queued.id)
        #expect(try daemon.triggers.item(queued.id)?.status == .cancelled)
        #expect(!daemon.runNext())
        #expect { try daemon.cancel(item: queued.id) } throws: { "\($0)".contains("has already ended (cancelled)") }
        #expect { try daemon.cancel(run: run.id) } throws: { "\($0)".contains("has already ended (succeeded)") }
        #expect(throws: TriggerStore.Failure.unknownItem(999)) { try daemon.cancel(item: 999) }
        // Once cancelled, it can be queued again: by another re-run, or by name as `wf trigger` queues a cancelled push.
        let another = try daemon.rerun(run.id)
        guard case .queued = try daemon.cancel(item: another.id) else { Issue.record("the second re-run was not cancelled"); return }
        #expect(try daemon.triggers.requeue(queued.id, detail: "queued again")?.status == .queued)

        // A job whose output folder is gone cannot be reused.
        try FileManager.default.removeItem(atPath: "\(daemon.home)/runs/\(run.id)/prepare")
        #expect { try daemon.rerun(run.id, job: "other") } throws: { "\($0)".contains("are gone") }
    }

    /// The first run whose job `job` is running, waited for up to 30 s.
    func firstRun(in store: DatasetStore, running job: String) throws -> RunRecord? {
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if let run = try store.runs().first(where: { $0.jobs.first { $0.name == job }?.status == .running }) { return run }
            usleep(50_000)
        }
        return nil
    }

    /// The queue item of `run` once it reads cancelled, or as it is after 20 s.
    func itemOnceCancelled(_ daemon: Daemon, run: String) throws -> QueueItem? {
        let deadline = Date().addingTimeInterval(20)
        var item: QueueItem?
        while Date() < deadline {
            item = try daemon.triggers.item(forRun: run)
            if item?.status == .cancelled { break }
            usleep(50_000)
        }
        return item
    }

    @Test(.enabled(if: ActionsTests.sandboxWorks, "bubblewrap cannot create a sandbox here"))
    func aRunningRunIsCancelledWithNothingCommitted() throws {
        let workflow = """
            on: {github: {branches: {only: main}}}
            jobs:
              slow:
                outputs:
                  out: {type: dataset, with: {ref: slow-out}}
                uses: script@v1
                with:
                  script: |-
                    echo started > /outputs/out/a.txt
                    sleep 60
              after:
                needs: [slow]
                outputs:
                  out: {type: dataset, with: {ref: after-out}}
                uses: script@v1
                with:
                  script: echo after > /outputs/out/b.txt
            """
        let (daemon, logs) = try linkedDaemon(workflow: workflow)
        let store = daemon.triggers.store
        let worker = Thread { daemon.workLoop() }
        worker.start()
        defer { daemon.stopWorkLoop() }
        let run = try #require(try firstRun(in: store, running: "slow"), "the run did not start: \(logs.lines)")
        usleep(300_000)  // the script's sleep has begun
        let started = Date()
        #expect(try daemon.cancel(run: run.id) == .stopping(run: run.id))
        let item = try itemOnceCancelled(daemon, run: run.id)
        #expect(item?.status == .cancelled, "\(logs.lines)")
        #expect(Date().timeIntervalSince(started) < 10, "the step was not killed: cancelling took \(Date().timeIntervalSince(started)) s")
        let ended = try store.run(run.id)
        #expect(ended.status == .cancelled)
        #expect(ended.jobs.map(\.status) == [.cancelled, .cancelled], "\(ended.jobs)")
        #expect(try store.listDatasets().isEmpty, "a cancelled run committed something")
        #expect { try daemon.cancel(run: run.id) } throws: { "\($0)".contains("has already ended (cancelled)") }
        // A cancelled run can be re-run.
        #expect(try daemon.rerun(run.id).rerunOf == run.id)
    }

    /// The same cancel when the run's jobs are on Slurm: the running job and the one waiting
    /// for it are `scancel`led, and nothing is committed.
    @Test(.enabled(if: ActionsTests.sandboxWorks && SlurmCluster.unavailable == nil,
                   Comment(rawValue: SlurmCluster.unavailable ?? "bubblewrap cannot create a sandbox here")))
    func aRunOnSlurmIsCancelledWithScancel() throws {
        let workflow = """
            on: {github: {branches: {only: main}}}
            jobs:
              slowOnSlurm:
                outputs:
                  out: {type: dataset, with: {ref: slow-out}}
                uses: script@v1
                with: {script: "sleep 60"}
              afterOnSlurm:
                needs: [slowOnSlurm]
                uses: script@v1
                with: {script: "true"}
            """
        let (daemon, logs) = try linkedDaemon(workflow: workflow)
        // The nodes run the wf binary, not this test process.
        daemon.runOptions.engine = SlurmEngine(settings: SlurmSettings(wf: WFBinary.path))
        let store = daemon.triggers.store
        let worker = Thread { daemon.workLoop() }
        worker.start()
        defer { daemon.stopWorkLoop() }
        let run = try #require(try firstRun(in: store, running: "slowOnSlurm"), "the run did not start: \(logs.lines)")
        #expect(SlurmCluster.openJobs(named: "wf-slowOnSlurm").count == 1 && SlurmCluster.openJobs(named: "wf-afterOnSlurm").count == 1)
        #expect(try daemon.cancel(run: run.id) == .stopping(run: run.id))
        let item = try itemOnceCancelled(daemon, run: run.id)
        #expect(item?.status == .cancelled, "\(logs.lines)")
        #expect(SlurmCluster.openJobs(named: "wf-slowOnSlurm").isEmpty && SlurmCluster.openJobs(named: "wf-afterOnSlurm").isEmpty,
                "\(SlurmCluster.openJobs())")
        let ended = try store.run(run.id)
        #expect(ended.status == .cancelled)
        #expect(ended.jobs.allSatisfy { $0.status == .cancelled }, "\(ended.jobs)")
        #expect(try store.listDatasets().isEmpty, "a cancelled run committed something")
    }
}
