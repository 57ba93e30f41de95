import ArgumentParser
import Benchmarks
import Datasets
import Foundation

struct RunBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "wf run's own cost on a two-job workflow (checkout, then a script step), whole processes.",
        discussion: "Times `wf run` on a small git repository made in a temporary folder, sandboxed and with --no-sandbox, beside the time to start wf at all and to start an empty bubblewrap sandbox. The steps do next to nothing, so the times are wf's overhead: parse, validate, record, copy, sandbox, commit."
    )

    @Option(parsing: .unconditional, help: "Timed runs of each command (after one warm-up).")
    var runs = 11

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        let figures = try RunBenchmark(wf: CommandLine.executablePath, runs: runs)
            .run { FileHandle.standardError.write(Data(("bench: " + $0 + "\n").utf8)) }
        if json { return try JSONOutput.print(figures) }
        func ms(_ seconds: Double) -> String { Format.decimal(seconds * 1000, places: 1) + " ms" }
        var table = Table(headers: ["WHAT", "MEDIAN"], rightAligned: [1])
        table.append(["wf run, two jobs, sandboxed", ms(figures.sandboxedMedianSeconds)])
        table.append(["wf run, two jobs, --no-sandbox", ms(figures.unsandboxedMedianSeconds)])
        table.append(["wf --version (process start)", ms(figures.processStartMedianSeconds)])
        if let sandbox = figures.emptySandboxMedianSeconds { table.append(["empty bubblewrap sandbox", ms(sandbox)]) }
        print("\(figures.runs) runs each; fastest sandboxed run \(ms(figures.sandboxedMinimumSeconds)); aim: under 150 ms")
        print(table.render())
    }
}
