import ArgumentParser
import Runner

/// Where a run's jobs execute: `--executor local` (this machine) or `slurm` (a cluster, each
/// job one `sbatch` of `wf job exec`), with Slurm's settings. Shared by `wf run` and `wf daemon`.
struct EngineOptions: ParsableArguments {
    enum Executor: String, ExpressibleByArgument, CaseIterable { case local, slurm }

    @Option(help: ArgumentHelp("Where jobs run: local (this machine) or slurm (each job an sbatch submission of `wf job exec`; the home and checkout must be on a file system the nodes share). For Argo Workflows, see `wf export argo`.", valueName: "executor"))
    var executor: Executor = .local

    @Option(help: ArgumentHelp("Slurm partition for the jobs (default: the cluster's default).", valueName: "name"))
    var partition: String?

    @Option(help: ArgumentHelp("Slurm account charged for the jobs (default: yours).", valueName: "name"))
    var account: String?

    @Option(help: ArgumentHelp("The wf the Slurm nodes run (default: this binary, at the same path on the shared file system).", valueName: "path"))
    var slurmWf: String?

    @Option(parsing: .unconditional, help: ArgumentHelp("Slurm's --time for each job, in minutes (default: the partition's); Slurm ends a job that runs longer.", valueName: "minutes"))
    var slurmTime: Int?

    /// The engine, or nil for this machine.
    func engine() -> (any JobEngine)? {
        switch executor {
        case .local: return nil
        case .slurm:
            var settings = SlurmSettings(partition: partition, account: account, timeLimitMinutes: slurmTime)
            if let slurmWf { settings.wf = slurmWf }
            return SlurmEngine(settings: settings)
        }
    }

    func validate() throws {
        if executor == .local && (partition != nil || account != nil || slurmWf != nil || slurmTime != nil) {
            throw ValidationError("--partition, --account, --slurm-wf and --slurm-time are Slurm's: add --executor slurm")
        }
        if let slurmTime, slurmTime < 1 { throw ValidationError("--slurm-time is minutes: at least 1") }
    }
}
