import ArgumentParser
import Benchmarks
import Datasets
import Foundation

struct ClusterBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cluster",
        abstract: "N independent jobs and a join: this machine vs the Slurm cluster, and each job's overhead there.",
        discussion: """
            Makes a git repository with a workflow of --jobs independent script jobs that each sleep --seconds, then a join that sleeps as long and reads all their outputs, and times whole `wf run` processes: with --executor slurm on the cluster `sinfo` shows, on this machine (wf's default, two jobs at once), and one job at a time. From the Slurm run's records: how long each job waited from being runnable to `wf job exec` starting (submission and Slurm's scheduling), and what `wf job exec` spent beyond the step (plan, inputs, outputs stored). Needs a cluster whose nodes share this machine's file system (scripts/slurm-cluster start makes one here).

            Example:
              wf bench cluster --jobs 8 --seconds 10
              wf bench cluster --jobs 8 --seconds 10 --megabytes 64
            """
    )

    @Option(parsing: .unconditional, help: "Independent jobs before the join.")
    var jobs = 8

    @Option(parsing: .unconditional, help: "Seconds each job (and the join) holds its CPU.")
    var seconds = 10.0

    @Option(parsing: .unconditional, help: "MiB of random bytes each job writes to its output (stored as a tree, exported again by the join).")
    var megabytes = 0

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        guard jobs >= 1, jobs <= 64, seconds >= 0, (0...4096).contains(megabytes) else {
            throw ValidationError("--jobs is 1 to 64, --seconds at least 0, --megabytes 0 to 4096")
        }
        let figures = try ClusterBenchmark(wf: CommandLine.executablePath, jobs: jobs, seconds: seconds, megabytes: megabytes)
            .run { FileHandle.standardError.write(Data(("bench: " + $0 + "\n").utf8)) }
        if json { return try JSONOutput.print(figures) }
        func s(_ value: Double) -> String { Format.decimal(value, places: 1) + " s" }
        func ratio(_ value: Double) -> String { Format.decimal(value, places: 2) + "x" }
        var table = Table(headers: ["WHERE", "WALL", "SLURM IS"], rightAligned: [1, 2])
        table.append(["Slurm, \(figures.nodes) nodes", s(figures.slurmSeconds), "-"])
        table.append(["this machine, 2 jobs at once", s(figures.localSeconds), ratio(figures.localSeconds / figures.slurmSeconds) + " faster"])
        table.append(["this machine, one job at a time", s(figures.localOneAtATimeSeconds), ratio(figures.localOneAtATimeSeconds / figures.slurmSeconds) + " faster"])
        print("\(figures.jobs) jobs of \(s(figures.seconds))\(figures.megabytes > 0 ? " writing \(figures.megabytes) MiB each" : "") and a join; the shortest possible on \(figures.nodes) one-CPU nodes is \(s(figures.idealSlurmSeconds))")
        print(table.render())
        func ms(_ value: Double) -> String { Format.decimal(value * 1000, places: 0) + " ms" }
        print("per job on Slurm: runnable → wf job exec started \(ms(figures.dispatchMedianSeconds)) median (\(ms(figures.dispatchMaximumSeconds)) max); "
              + "wf job exec beyond the step \(ms(figures.execOverheadMedianSeconds)) median (\(ms(figures.execOverheadMaximumSeconds)) max)")
    }
}
