import ArgumentParser

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure wf against a reference tool in the same run.",
        subcommands: [StoreBenchCommand.self, GenerateBenchCommand.self, TrainBenchCommand.self, RunBenchCommand.self, ContainerBenchCommand.self, DaemonBenchCommand.self, ValidateBenchCommand.self, ServeBenchCommand.self, DashboardBenchCommand.self, RemoteBenchCommand.self, ClusterBenchCommand.self]
    )
}
