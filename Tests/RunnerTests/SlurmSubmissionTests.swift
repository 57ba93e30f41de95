import Datasets
import Foundation
@testable import Runner
import Testing
import Workflows

/// What `SlurmEngine` hands Slurm and reads back, without a cluster (the cluster itself is
/// tested end to end in `EndToEndTests/SlurmTests`).
@Suite struct SlurmSubmissionTests {
    func job(_ name: String, needs: [String] = [], instanceType: String? = nil, limits: ResourceLimits? = nil) -> PlannedJob {
        PlannedJob(name: name, action: .script, needs: needs, inputs: [:], outputs: [:], settings: .script(ScriptSettings(script: "true")),
                   environment: [:], secrets: [], instanceType: instanceType, limits: limits, line: 1)
    }

    @Test func resourcesAndNeedsBecomeSbatchOptions() {
        let settings = SlurmSettings(partition: "gpu", account: "lab", wf: "/opt/wf", timeLimitMinutes: 61)
        let arguments = SlurmSubmission.arguments(for: job("train", needs: ["a", "b"], instanceType: "A100-80Gx4",
                                                          limits: ResourceLimits(memory: 1_500_000_000, cpu: 8)),
                                                  run: "run-1", runFolder: "/home/runs/run-1", dependencies: ["11", "12"], settings: settings)
        #expect(arguments == ["--parsable", "--job-name=wf-train", "--output=/home/runs/run-1/train/slurm-%j.out", "--chdir=/home/runs/run-1/train",
                              "--comment=wf run run-1", "--no-requeue", "--dependency=afterok:11:12", "--kill-on-invalid-dep=yes", "--partition=gpu", "--account=lab",
                              "--cpus-per-task=8", "--mem=1431M", "--gres=gpu:4", "--time=61"])
        // A CPU instance type asks for no GPU; no needs, no dependency.
        let plain = SlurmSubmission.arguments(for: job("a", instanceType: "C4"), run: "r", runFolder: "/h", dependencies: [], settings: SlurmSettings(wf: "/wf"))
        #expect(!plain.contains { $0.hasPrefix("--gres") || $0.hasPrefix("--dependency") || $0.hasPrefix("--mem") })
        #expect(InstanceType.gpus("P4000") == 1 && InstanceType.gpus("C7") == 0 && InstanceType.gpus("A100-80Gx8") == 8)
    }

    @Test func theBatchScriptQuotesForTheShell() {
        let script = SlurmSubmission.script(wf: "/opt/my wf/wf", planPath: "/h/runs/it's/plan.json", job: "gen", run: "run-1")
        #expect(script.hasPrefix("#!/bin/sh\n"))
        #expect(script.contains(#"exec '/opt/my wf/wf' job exec '/h/runs/it'\''s/plan.json' 'gen'"#))
    }

    @Test func sbatchAndSqueueAnswersAreRead() {
        #expect(SlurmSubmission.jobID(fromParsable: "1234\n") == "1234")
        #expect(SlurmSubmission.jobID(fromParsable: "1234;cluster2\n") == "1234")
        #expect(SlurmSubmission.jobID(fromParsable: "sbatch: error: Batch job submission failed") == nil)
        // What squeue --states=all printed on the test cluster (scripts/slurm-cluster), and sacct's cancelled form.
        let states = SlurmQueue.parse("""
            24|COMPLETED|n1|None
            25|RUNNING|n2|None
            26|PENDING||Dependency
            27|FAILED|n1|NonZeroExitCode
            28|CANCELLED||DependencyNeverSatisfied
            29|CANCELLED by 0|n3|
            30|TIMEOUT|n3|TimeLimit
            garbage line
            """)
        #expect(states.count == 7)
        #expect(states["24"] == SlurmJobState(state: "COMPLETED", node: "n1", reason: "None") && states["24"]!.isEnded)
        #expect(states["25"]!.isRunning && !states["25"]!.isEnded)
        #expect(!states["26"]!.isEnded && states["26"]!.node == nil && !states["26"]!.neverRuns)
        #expect(states["28"]!.neverRuns && states["29"]!.state == "CANCELLED" && !states["29"]!.neverRuns)
        #expect(states["30"]!.isEnded && states["27"]!.isEnded)
    }

    @Test func aPlanFileRoundTripsAndRefusesOtherFormats() throws {
        let plan = RunPlan(runID: "run-1", workflow: "w.yaml", repository: "/r", commit: "abc", trigger: "wf run", inputs: [:], secrets: [],
                           jobs: [job("a"), job("b", needs: ["a"])])
        let file = JobPlanFile(plan: plan, home: "/home", checkout: "/r", options: JobOptions(RunOptions()))
        let path = NSTemporaryDirectory() + "wf-plan-\(getpid()).json"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try file.encoded().write(to: URL(fileURLWithPath: path))
        #expect(try JobPlanFile.read(path) == file)
        try Data(String(decoding: try file.encoded(), as: UTF8.self).replacingOccurrences(of: "\"format\" : 1", with: "\"format\" : 9").utf8)
            .write(to: URL(fileURLWithPath: path))
        #expect(throws: RunError.self) { try JobPlanFile.read(path) }
    }

    /// A result record is a file on a shared file system: a succeeded one must account for every
    /// output the plan names before the run commits anything from it.
    @Test func aResultRecordMustAccountForEveryOutput() {
        var planned = job("make")
        planned.outputs = ["data": .dataset(name: "d"), "scratch": .volume, "word": .string]
        let tree = ObjectID.of(Array("a tree".utf8)).hex
        var record = JobResult(run: "run-1", job: "make", status: .succeeded, node: "n1", started: .now(), finished: .now())
        record.outputs = ["data": .init(tree: tree), "scratch": .init(tree: tree), "word": .init(value: "hello\n")]
        guard case .success(let outcome) = LocalRunner.outcome(of: record, for: planned) else { Issue.record("a complete record was refused"); return }
        #expect(outcome.trees["data"]?.hex == tree && outcome.values["word"] == "hello", "a string output's value drops its final newline")
        for broken in [["data": JobResult.Output(tree: "not-a-sha256")], ["data": .init(tree: tree), "scratch": .init(value: "x")]] {
            var bad = record
            bad.outputs = broken.merging(["word": .init(value: "w")]) { a, _ in a }
            guard case .failure(let error) = LocalRunner.outcome(of: bad, for: planned) else { Issue.record("accepted \(broken)"); continue }
            #expect("\(error)".contains("gives no valid"), "\(error)")
        }
        var other = record
        other.job = "someone-else"
        guard case .failure = LocalRunner.outcome(of: other, for: planned) else { Issue.record("another job's record was accepted"); return }
    }
}
