import Datasets
import Foundation
import Runner

/// `wf bench cluster`: a workflow of N independent jobs that each hold a CPU for S seconds
/// (`sleep`), then one join that reads all their outputs, run by whole `wf run` processes on
/// this machine (two jobs at once, wf's default, and one at a time) and with `--executor
/// slurm` on the cluster `sinfo` shows. The ratios are the speed-up the cluster gives; the
/// per-job figures, read from the Slurm run's result records, are what each job costs
/// beyond its step: the wait from being runnable (its needs done, a node free) to `wf job
/// exec` starting (submission, Slurm's scheduling cycle, process start) and `wf job exec`'s
/// own work (plan, inputs, storing outputs, the result record).
public struct ClusterBenchmark {
    public struct Figures: Sendable, Codable {
        public var jobs: Int
        public var seconds: Double
        public var megabytes: Int
        public var nodes: Int
        public var localSeconds: Double
        public var localOneAtATimeSeconds: Double
        public var slurmSeconds: Double
        /// The shortest wall time on `nodes` one-CPU nodes: ceil(jobs / nodes) + 1 rounds of `seconds`.
        public var idealSlurmSeconds: Double
        /// Median seconds from a job being runnable (its needs done and its node free) to `wf job exec` starting.
        public var dispatchMedianSeconds: Double
        public var dispatchMaximumSeconds: Double
        /// Median seconds of `wf job exec` beyond the step (plan, inputs, outputs stored, record written).
        public var execOverheadMedianSeconds: Double
        public var execOverheadMaximumSeconds: Double
    }

    struct Failed: Error, CustomStringConvertible { var description: String }

    public let wf: String
    public let jobs: Int
    public let seconds: Double
    /// MiB of random bytes each job writes to its output, which `wf job exec` stores as a tree
    /// and the join exports again: the data movement a job pays for.
    public let megabytes: Int

    public init(wf: String, jobs: Int, seconds: Double, megabytes: Int = 0) {
        self.wf = wf
        self.jobs = max(1, jobs)
        self.seconds = max(0, seconds)
        self.megabytes = max(0, megabytes)
    }

    var workflow: String {
        var text = "jobs:\n"
        for index in 1...jobs {
            text += """
                  shard\(index):
                    outputs: {part: {type: volume}}
                    uses: script@v1
                    with: {script: "sleep \(seconds); echo \(index) > /outputs/part/\(index).txt; head -c \(megabytes)M /dev/urandom > /outputs/part/\(index).bin"}

                """
        }
        text += """
              join:
                needs: [\((1...jobs).map { "shard\($0)" }.joined(separator: ", "))]
                inputs: {\((1...jobs).map { "p\($0): shard\($0).outputs.part" }.joined(separator: ", "))}
                outputs: {all: {type: dataset, with: {ref: bench-cluster}}}
                uses: script@v1
                with: {script: "sleep \(seconds); cat /inputs/p*/*.txt > /outputs/all/all.txt; cat /inputs/p*/*.bin | wc -c > /outputs/all/bytes.txt"}

            """
        return text
    }

    public func run(log: (String) -> Void) throws -> Figures {
        guard let listing = try? SlurmNodes.list(), !listing.isEmpty else {
            throw Failed(description: "no Slurm cluster answers sinfo here; start one (scripts/slurm-cluster start) or run on a cluster's login node")
        }
        let folder = NSTemporaryDirectory() + "wf-bench-cluster-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let repo = try BenchRepository(at: "\(folder)/repo", workflow: workflow)
        func timed(_ label: String, _ home: String, _ extra: [String]) throws -> Double {
            log("\(label): \(jobs) jobs of \(seconds) s and a join")
            return try ChildProcess.run([wf, "run", repo.workflowFile, "--home", "\(folder)/\(home)"] + extra)
        }
        let slurm = try timed("wf run --executor slurm (\(listing.count) nodes)", "slurm", ["--executor", "slurm"])
        let local = try timed("wf run (this machine, 2 jobs at once)", "local", [])
        let serial = try timed("wf run --parallel 1 (one job at a time)", "serial", ["--parallel", "1"])

        // Per job, from the Slurm run's records: when it could have started, when `wf job exec` did.
        let store = try DatasetStore(home: "\(folder)/slurm", mode: .readOnly)
        guard let run = try store.runs(limit: 1).first else { throw Failed(description: "the Slurm run left no record") }
        var results = [String: JobResult]()
        for job in run.jobs {
            guard let result = try JobResult.read(JobResult.path(home: "\(folder)/slurm", run: run.id, job: job.name)) else {
                throw Failed(description: "job \(job.name) left no result record")
            }
            results[job.name] = result
        }
        var dispatch = [Double](), overhead = [Double]()
        for job in run.jobs {
            let result = results[job.name]!
            // Runnable once its needs are done and its node is free: a job queued behind another on
            // a busy node is waiting for the cluster, not paying wf's or Slurm's overhead.
            let needsDone = job.needs.compactMap { results[$0]?.finished }.max() ?? run.started
            let nodeFree = results.values.filter { $0.node == result.node && $0.finished <= result.started }.map(\.finished).max() ?? run.started
            dispatch.append(result.started.seconds(since: max(needsDone, nodeFree)))
            overhead.append(result.finished.seconds(since: result.started) - (result.stepSeconds ?? 0))
        }
        dispatch.sort()
        overhead.sort()
        let rounds = Double((jobs + listing.count - 1) / listing.count + 1)
        return Figures(jobs: jobs, seconds: seconds, megabytes: megabytes, nodes: listing.count, localSeconds: local, localOneAtATimeSeconds: serial, slurmSeconds: slurm,
                       idealSlurmSeconds: rounds * seconds, dispatchMedianSeconds: dispatch[dispatch.count / 2], dispatchMaximumSeconds: dispatch.last!,
                       execOverheadMedianSeconds: overhead[overhead.count / 2], execOverheadMaximumSeconds: overhead.last!)
    }
}

/// The nodes `sinfo` lists as up.
enum SlurmNodes {
    static func list() throws -> [String] {
        let listing = try Captured.run(["/usr/bin/env", "sinfo", "--noheader", "--Node", "--format=%N %t"])
        guard listing.status == 0 else { return [] }
        let up = listing.stdout.split(separator: "\n").filter { line in
            ["idle", "mix", "alloc"].contains(line.split(separator: " ").last.map(String.init) ?? "")
        }
        return Array(Set(up.map { String($0.split(separator: " ")[0]) })).sorted()
    }
}
