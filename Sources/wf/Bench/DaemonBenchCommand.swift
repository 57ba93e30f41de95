import ArgumentParser
import Benchmarks
import Datasets
import Foundation

struct DaemonBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "daemon",
        abstract: "Latency of the daemon: webhook delivery to run start, and push to new version with a 1 s poll.",
        discussion: "Starts real `wf daemon` processes against a bare repository in a temporary folder, pushes a commit per round, and takes medians. The workflow is one sandboxed script writing one file, so the times are the daemon's (fetch, queue, export, run, commit), not a model's."
    )

    @Option(parsing: .unconditional, help: "Pushes measured for each figure.")
    var rounds = 11

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        let figures = try DaemonBenchmark(wf: CommandLine.executablePath, rounds: rounds)
            .run { FileHandle.standardError.write(Data(("bench: " + $0 + "\n").utf8)) }
        if json { return try JSONOutput.print(figures) }
        func ms(_ seconds: Double) -> String { Format.decimal(seconds * 1000, places: 0) + " ms" }
        var table = Table(headers: ["FROM → TO", "MEDIAN", "MAX"], rightAligned: [1, 2])
        table.append(["webhook delivery → run start", ms(figures.webhookToRunStartMedianSeconds), ms(figures.webhookToRunStartMaximumSeconds)])
        table.append(["git push → new version (1 s poll)", ms(figures.pushToVersionMedianSeconds), ms(figures.pushToVersionMaximumSeconds)])
        print("\(figures.rounds) pushes each")
        print(table.render())
    }
}
