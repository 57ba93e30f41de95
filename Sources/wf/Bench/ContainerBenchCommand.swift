import ArgumentParser
import Benchmarks
import Datasets
import Foundation

struct ContainerBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "container",
        abstract: "A one-job run with its step in a container (Podman) against the same run in bubblewrap, as a ratio.",
        discussion: "Times whole `wf run` processes of a one-job workflow (a script@v1 writing one file into a dataset output) with --runtime podman and with --runtime bwrap, in the same session, beside `podman run --rm IMAGE true` and an empty bubblewrap sandbox. The image must be on this machine (scripts/containers images builds the default one)."
    )

    @Option(parsing: .unconditional, help: "Timed runs of each command (after one warm-up).")
    var runs = 11

    @Option(help: "The image the step runs in.")
    var image = "localhost/wf-test/busybox:1"

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        let figures = try ContainerBenchmark(wf: CommandLine.executablePath, runs: runs, image: image)
            .run { FileHandle.standardError.write(Data(("bench: " + $0 + "\n").utf8)) }
        if json { return try JSONOutput.print(figures) }
        func ms(_ seconds: Double) -> String { Format.decimal(seconds * 1000, places: 1) + " ms" }
        var table = Table(headers: ["WHAT", "MEDIAN"], rightAligned: [1])
        table.append(["wf run, one job, --runtime podman", ms(figures.containerMedianSeconds)])
        table.append(["wf run, one job, --runtime bwrap", ms(figures.bubblewrapMedianSeconds)])
        table.append(["podman run --rm \(figures.image) true", ms(figures.bareContainerMedianSeconds)])
        table.append(["empty bubblewrap sandbox", ms(figures.emptySandboxMedianSeconds)])
        print("\(figures.runs) runs each; a step in a container costs \(Format.decimal(figures.ratio, places: 2))x the run in bubblewrap")
        print(table.render())
    }
}
