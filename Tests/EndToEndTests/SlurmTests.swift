import Datasets
import Foundation
import Testing
import TestSupport
import Triggers

/// `--executor slurm` against a real Slurm: three `slurmd` nodes in network namespaces on this
/// machine (`scripts/slurm-cluster`, started by `.ci/run`). Each job is an `sbatch` of `wf job
/// exec`; the nodes share this machine's file system, as a cluster's nodes share theirs.
@Suite(.serialized, .enabled(if: SlurmCluster.unavailable == nil && WorkflowRepository.sandboxWorks,
                             Comment(rawValue: SlurmCluster.unavailable ?? "bubblewrap cannot create a sandbox here")))
struct SlurmTests {
    let scratch = Scratch("wf-slurm")

    /// A fan-out of three shards after a checkout (each holds a node for 3 s, so they overlap
    /// and must run on three nodes), text generation, and a join of everything into `report`.
    static let workflow = """
        jobs:
          cloneRepo:
            outputs:
              repo: {type: volume}
            uses: git-checkout@v1
            with: {url: context.event.github.url}
          shard1:
            needs: [cloneRepo]
            inputs: {repo: cloneRepo.outputs.repo}
            outputs: {part: {type: volume}}
            uses: script@v1
            with:
              script: |-
                sleep 3
                wc -c < /inputs/repo/settings.json > /outputs/part/size-1.txt
          shard2:
            needs: [cloneRepo]
            inputs: {repo: cloneRepo.outputs.repo}
            outputs: {part: {type: volume}}
            uses: script@v1
            with:
              script: |-
                sleep 3
                head -c 12 /inputs/repo/settings.json > /outputs/part/head-2.txt
          shard3:
            needs: [cloneRepo]
            outputs: {part: {type: volume}, word: {type: string}}
            env: {TOKEN: secret:HF_TOKEN}
            uses: script@v1
            with:
              script: |-
                sleep 3
                test "$(printf %s "$TOKEN" | wc -c)" = 17
                echo "token $TOKEN"
                echo three > /outputs/part/three.txt
                echo shard-three > /outputs/word
          generateText:
            needs: [cloneRepo, shard1]
            inputs: {repo: cloneRepo.outputs.repo}
            outputs:
              generatedText: {type: dataset, with: {ref: generated-text}}
            uses: text-generation@v1
            with:
              settings: repo/settings.json
          join:
            needs: [shard1, shard2, shard3, generateText]
            inputs:
              a: shard1.outputs.part
              b: shard2.outputs.part
              c: shard3.outputs.part
              word: shard3.outputs.word
              text: generateText.outputs.generatedText
            outputs:
              report: {type: dataset, with: {ref: report}}
            uses: script@v1
            with:
              script: |-
                cat /inputs/a/size-1.txt /inputs/b/head-2.txt /inputs/c/three.txt /inputs/word > /outputs/report/all.txt
                cp /inputs/text/outputs.txt /outputs/report/generated.txt
        """

    func latestRun(_ home: String) throws -> RunRecord {
        let listed = try SnakeCaseJSON.decoder.decode([RunRecord].self, from: Data(try WFBinary.run(["runs", "ls", "--json", "--home", home]).stdout.utf8))
        let id = try #require(listed.first?.id)
        return try SnakeCaseJSON.decoder.decode(RunRecord.self, from: Data(try WFBinary.run(["runs", "show", id, "--json", "--home", home]).stdout.utf8))
    }

    func versions(_ home: String, _ dataset: String) throws -> [VersionInfo] {
        let listed = try WFBinary.run(["datasets", "ls", dataset, "--json", "--home", home])
        guard listed.status == 0 else { return [] }
        return try SnakeCaseJSON.decoder.decode([VersionInfo].self, from: Data(listed.stdout.utf8))
    }

    @Test func independentJobsRunOnDifferentNodesAndTheResultEqualsALocalRun() throws {
        let repo = try WorkflowRepository(in: scratch, workflow: Self.workflow)
        let local = scratch("local"), cluster = scratch("cluster")
        // A secret: its value read on the node from the secrets folder (never from the plan), masked in the log.
        let secrets = ["WF_SECRETS": scratch("secrets")]
        #expect(try WFBinary.run(["secrets", "set", "HF_TOKEN"], environment: secrets, input: "hf-cluster-secret").status == 0)
        let here = try WFBinary.run(["run", repo.workflowFile, "--home", local], environment: secrets)
        #expect(here.status == 0, "\(here.stderr)")
        let there = try WFBinary.run(["run", repo.workflowFile, "--executor", "slurm", "--home", cluster], environment: secrets)
        #expect(there.status == 0, "\(there.stderr)")
        #expect(there.stderr.contains("submitted to slurm as slurm:"), "\(there.stderr)")

        // The same commit gives the same bytes, wherever its jobs ran.
        for dataset in ["report", "generated-text"] {
            let ours = try #require(try versions(local, dataset).first), theirs = try #require(try versions(cluster, dataset).first)
            #expect(ours.tree == theirs.tree, "\(dataset): local tree \(ours.tree.hex) vs Slurm tree \(theirs.tree.hex)")
            #expect(theirs.provenance.job == ours.provenance.job && theirs.provenance.commit == ours.provenance.commit)
            #expect(theirs.provenance.settingsDigest == ours.provenance.settingsDigest)
        }
        let report = try WFBinary.run(["datasets", "cat", "report", "all.txt", "--home", cluster]).stdout
        #expect(report.hasSuffix("three\nshard-three\n"), "\(report)")  // a string input is the file its job wrote

        // Every job went through Slurm; the three shards, which overlapped, on three nodes.
        let run = try latestRun(cluster)
        #expect(run.status == .succeeded)
        #expect(run.jobs.allSatisfy { $0.engineJob?.hasPrefix("slurm:") == true && $0.node != nil }, "\(run.jobs)")
        let shardNodes = Set(run.jobs.filter { $0.name.hasPrefix("shard") }.compactMap(\.node))
        #expect(shardNodes.count == 3, "shards ran on \(shardNodes)")
        #expect(Set(run.jobs.compactMap(\.node)).isSubset(of: ["n1", "n2", "n3"]))
        #expect(run.jobs.first { $0.name == "shard3" }?.outputs["word"] == "shard-three")
        let shardLog = try String(contentsOfFile: "\(cluster)/runs/\(run.id)/shard3/log.txt", encoding: .utf8)
        #expect(shardLog.contains("token ***") && !shardLog.contains("hf-cluster-secret"), "\(shardLog)")
        #expect(!(try String(contentsOfFile: "\(cluster)/runs/\(run.id)/plan.json", encoding: .utf8)).contains("hf-cluster-secret"))
        let shown = try WFBinary.run(["runs", "show", run.id, "--home", cluster]).stdout
        #expect(shown.contains("ENGINE") && shown.contains("NODE"), "\(shown)")
        // Each job's batch script and Slurm's output are kept beside its log.
        let folder = "\(cluster)/runs/\(run.id)/join"
        #expect(FileManager.default.fileExists(atPath: "\(folder)/slurm.sh") && FileManager.default.fileExists(atPath: "\(folder)/result.json"))
        #expect(try String(contentsOfFile: "\(folder)/slurm.sh", encoding: .utf8).contains("job exec '\(cluster)/runs/\(run.id)/plan.json' 'join'"))

        // A job run again, here rather than on a node (an engine's retry), is harmless: the same tree, the record rewritten.
        func partTree() throws -> String? {
            let data = try Data(contentsOf: URL(fileURLWithPath: "\(cluster)/runs/\(run.id)/shard1/result.json"))
            let record = try JSONSerialization.jsonObject(with: data) as? [String: Any]
            return ((record?["outputs"] as? [String: Any])?["part"] as? [String: Any])?["tree"] as? String
        }
        let tree = try #require(try partTree())
        let again = try WFBinary.run(["job", "exec", "\(cluster)/runs/\(run.id)/plan.json", "shard1"])
        #expect(again.status == 0 && again.stderr.contains("job shard1 succeeded"), "\(again.stderr)")
        #expect(try partTree() == tree)
        let unknown = try WFBinary.run(["job", "exec", "\(cluster)/runs/\(run.id)/plan.json", "nope"])
        #expect(unknown.status == 2 && unknown.stderr.contains("plans no job nope; its jobs are cloneRepo, shard1"), "\(unknown.stderr)")
        let notAPlan = try WFBinary.run(["job", "exec", repo.workflowFile, "shard1"])
        #expect(notAPlan.status == 2 && notAPlan.stderr.contains("plan file \(repo.workflowFile): not a wf plan file"), "\(notAPlan.stderr)")

        // The trees the nodes stored were pinned for the run; once it has committed, gc drops the pins
        // (and the volume outputs no version names, so no job of it can run again) and keeps every version whole.
        #expect(FileManager.default.fileExists(atPath: "\(cluster)/datasets/pins/\(run.id)"))
        let collected = try WFBinary.run(["datasets", "gc", "--home", cluster])
        #expect(collected.status == 0, "\(collected.stderr)")
        #expect(!FileManager.default.fileExists(atPath: "\(cluster)/datasets/pins/\(run.id)"))
        #expect(try WFBinary.run(["datasets", "verify", "--home", cluster]).status == 0)
        #expect(try WFBinary.run(["datasets", "cat", "generated-text", "outputs.txt", "--home", cluster]).status == 0)
    }

    @Test func aFailedJobSkipsWhatNeedsItAndCtrlCCancelsTheClusterJobs() throws {
        let failing = """
            jobs:
              bad:
                outputs: {out: {type: dataset, with: {ref: never}}}
                uses: script@v1
                with: {script: "echo partial > /outputs/out/x.txt; exit 3"}
              after:
                needs: [bad]
                inputs: {x: bad.outputs.out}
                outputs: {out: {type: dataset, with: {ref: never-after}}}
                uses: script@v1
                with: {script: "cp -r /inputs/x/. /outputs/out/"}
            """
        let repo = try WorkflowRepository(in: scratch, workflow: failing)
        let home = scratch("home")
        let failed = try WFBinary.run(["run", repo.workflowFile, "--executor", "slurm", "--home", home])
        #expect(failed.status != 0)
        #expect(failed.stderr.contains("job bad failed: the script exited with status 3"), "\(failed.stderr)")
        #expect(failed.stderr.contains("job after was not run: it needs bad"), "\(failed.stderr)")
        #expect(try versions(home, "never").isEmpty)
        let run = try latestRun(home)
        #expect(run.jobs.first { $0.name == "after" }?.status == .skipped && run.jobs.first { $0.name == "bad" }?.node != nil)
        // Slurm removed the job that can never run (--kill-on-invalid-dep), nothing waits.
        #expect(eventually(10) { SlurmCluster.openJobs(named: "wf-after").isEmpty })

        // A submission Slurm refuses fails the run with Slurm's words, and the record says so.
        let refused = try WFBinary.run(["run", repo.workflowFile, "--executor", "slurm", "--partition", "nosuch", "--home", home])
        #expect(refused.status != 0 && refused.stderr.contains("Slurm: sbatch refused job bad") && refused.stderr.contains("partition"), "\(refused.stderr)")
        let refusedRun = try latestRun(home)
        #expect(refusedRun.status == .failed && refusedRun.summary?.contains("sbatch refused job bad") == true, "\(refusedRun)")
        #expect(refusedRun.jobs.allSatisfy { $0.status == .interrupted }, "\(refusedRun.jobs)")

        let slow = """
            jobs:
              long:
                outputs: {out: {type: volume}}
                uses: script@v1
                with: {script: "sleep 120"}
              afterLong:
                needs: [long]
                uses: script@v1
                with: {script: "true"}
            """
        try repo.write(workflow: slow)
        let started = try WFBinary.start(["run", repo.workflowFile, "--executor", "slurm", "--home", home],
                                         stdoutFile: scratch("slow.out"), stderrFile: scratch("slow.err"))
        let log = { (try? String(contentsOfFile: scratch("slow.err"), encoding: .utf8)) ?? "" }
        #expect(eventually(30) { log().contains("job long started") }, "\(log())")
        #expect(SlurmCluster.openJobs(named: "wf-long").count == 1)
        kill(started.processIdentifier, SIGINT)
        started.waitUntilExit()
        // Ctrl-C leaves nothing on the cluster: the running job and the one waiting for it are cancelled.
        #expect(eventually(15) { SlurmCluster.openJobs(named: "wf-long").isEmpty && SlurmCluster.openJobs(named: "wf-afterLong").isEmpty },
                "\(SlurmCluster.openJobs())")
        #expect(try latestRun(home).status == .interrupted)
    }
}

/// The daemon with `--executor slurm`, killed while its run's job is on the cluster: restarted,
/// it takes up the same run and watches the same Slurm job instead of submitting it again.
@Suite(.serialized, .enabled(if: SlurmCluster.unavailable == nil && WorkflowRepository.sandboxWorks,
                             Comment(rawValue: SlurmCluster.unavailable ?? "bubblewrap cannot create a sandbox here")))
struct SlurmDaemonTests {
    let scratch = Scratch("wf-slurm-daemon")

    struct Status: Decodable {
        var queue: [QueueItem]
        var runs: [RunRecord]
    }

    func status(_ home: String) throws -> Status {
        try SnakeCaseJSON.decoder.decode(Status.self, from: Data(try WFBinary.run(["status", "--json", "--home", home]).stdout.utf8))
    }

    @Test func aRestartedDaemonWatchesItsSlurmJobsInsteadOfSubmittingThemAgain() throws {
        let workflow = """
            on:
              github:
                branches:
                  only: main
            jobs:
              slow:
                outputs: {out: {type: dataset, with: {ref: slow-out}}}
                uses: script@v1
                with: {script: "sleep 6; echo slow > /outputs/out/done.txt"}
            """
        let work = try WorkflowRepository(in: scratch, workflow: workflow)
        let remote = scratch("remote.git")
        _ = try Shell.run("git", ["init", "-q", "--bare", "-b", "main", remote])
        try work.git("remote", "add", "origin", remote)
        try work.git("push", "-q", "origin", "main")
        let home = scratch("home")
        #expect(try WFBinary.run(["link", remote, "--poll", "0", "--home", home]).status == 0)
        #expect(try WFBinary.run(["trigger", "remote", "--home", home]).status == 0)

        let first = try DaemonProcess(home: home, scratch: scratch, label: "first", arguments: ["--executor", "slurm"])
        var submitted: JobRecord?
        #expect(try eventually(30) {
            submitted = try status(home).runs.first?.jobs.first { $0.engineJob != nil && $0.status == .running }
            return submitted != nil
        }, "\(first.log)")
        first.stop(SIGKILL)
        let runID = try #require(try status(home).runs.first?.id)
        let engineJob = try #require(submitted?.engineJob)

        let second = try DaemonProcess(home: home, scratch: scratch, label: "second", arguments: ["--executor", "slurm"])
        #expect(try eventually(60) { try status(home).queue.first?.status == .succeeded }, "\(second.log)")
        let run = try #require(try status(home).runs.first { $0.id == runID })
        #expect(run.status == .succeeded)
        #expect(run.jobs.first?.engineJob == engineJob, "resubmitted: \(run.jobs)")
        let outputs = try FileManager.default.contentsOfDirectory(atPath: "\(home)/runs/\(runID)/slow").filter { $0.hasPrefix("slurm-") }
        #expect(outputs == ["slurm-\(engineJob.dropFirst("slurm:".count)).out"], "\(outputs)")
        let listed = try WFBinary.run(["datasets", "ls", "slow-out", "--json", "--home", home])
        #expect(try SnakeCaseJSON.decoder.decode([VersionInfo].self, from: Data(listed.stdout.utf8)).count == 1)

        // A run that failed and is queued again by `wf trigger` is a new run with new Slurm jobs, not the old one taken up.
        try work.write(workflow: workflow.replacingOccurrences(of: "sleep 6; echo slow > /outputs/out/done.txt", with: "exit 3"))
        try work.git("commit", "-q", "-am", "fail")
        try work.git("push", "-q", "origin", "main")
        let failing = try work.git("rev-parse", "HEAD")
        #expect(try WFBinary.run(["trigger", "remote", "--commit", failing, "--home", home]).status == 0)
        #expect(try eventually(30) { try status(home).queue.first { $0.commit == failing }?.status == .failed }, "\(second.log)")
        let firstFailure = try #require(try status(home).runs.first { $0.commit == failing })
        let again = try WFBinary.run(["trigger", "remote", "--commit", failing, "--home", home])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try eventually(30) { try status(home).runs.filter { $0.commit == failing && $0.status == .failed }.count == 2 }, "\(second.log)")
        let failures = try status(home).runs.filter { $0.commit == failing }
        #expect(Set(failures.map(\.id)).count == 2 && failures.contains { $0.id == firstFailure.id })
        #expect(Set(failures.compactMap { $0.jobs.first?.engineJob }).count == 2, "\(failures.map(\.jobs))")
        #expect(second.stop() == 0)
    }
}
