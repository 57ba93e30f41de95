import ArgumentParser
import Benchmarks
import Datasets
import Foundation

struct StoreBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "Commit speed against git, and listing latency on a large store.",
        discussion: """
            Commits a tree of many small files and one large file with `wf datasets put` and with `git add -A && git commit` in the same run (whole processes, medians), then times `wf datasets ls` and `wf datasets ls NAME` on a store of many datasets.

            "vs GIT" above 1 means wf is that many times faster; GIT+FSYNC is git with core.fsync=all (batched), the durability wf always gives. Needs about 5 × --big-file-mib of free disk in --work.
            """
    )

    @Option(help: "Folder for the benchmark's files (deleted afterwards).")
    var work: String = (ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp") + "/wf-bench-store"

    @Option(parsing: .unconditional, help: "Number of small files (512 B to 4 KiB each).")
    var smallFiles = 10_000

    @Option(parsing: .unconditional, help: "Size of the large file in MiB.")
    var bigFileMib = 1024

    @Option(parsing: .unconditional, help: "Datasets in the listing store.")
    var datasets = 1_000

    @Option(parsing: .unconditional, help: "Versions per dataset in the listing store.")
    var versions = 10

    @Option(parsing: .unconditional, help: "Repeats of the small-file commit (the median is reported).")
    var repeats = 3

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    func run() throws {
        var settings = StoreBenchmark.Settings(wf: CommandLine.executablePath, workDirectory: work)
        settings.smallFiles = smallFiles
        settings.bigFileBytes = bigFileMib << 20
        settings.datasets = datasets
        settings.versionsPerDataset = versions
        settings.commitRepeats = repeats
        try? FileManager.default.removeItem(atPath: work)
        defer { try? FileManager.default.removeItem(atPath: work) }
        let result = try StoreBenchmark(settings: settings).run { FileHandle.standardError.write(Data(("bench: " + $0 + "\n").utf8)) }
        if json { return try JSONOutput.print(result) }
        var commits = Table(headers: ["TREE", "BYTES", "WF s", "WF MB/s", "GIT s", "vs GIT", "GIT+FSYNC s", "vs GIT+FSYNC"],
                            rightAligned: [1, 2, 3, 4, 5, 6, 7])
        for figure in result.commits {
            commits.append([figure.tree, Format.bytes(figure.bytes), Format.decimal(figure.wfSeconds, places: 3),
                            Format.decimal(figure.wfMBPerSecond, places: 1), Format.decimal(figure.gitSeconds, places: 3),
                            Format.decimal(figure.speedup, places: 2) + "x", Format.decimal(figure.durableGitSeconds, places: 3),
                            Format.decimal(figure.durableSpeedup, places: 2) + "x"])
        }
        print(commits.render())
        print("")
        var listings = Table(headers: ["COMMAND (\(result.datasets) datasets × \(result.versionsPerDataset) versions)", "MEDIAN ms", "P90 ms"],
                             rightAligned: [1, 2])
        for figure in result.listings {
            listings.append([figure.command, Format.decimal(figure.medianMilliseconds, places: 1), Format.decimal(figure.p90Milliseconds, places: 1)])
        }
        print(listings.render())
    }
}
