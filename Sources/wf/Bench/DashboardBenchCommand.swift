import ArgumentParser
import Benchmarks
import Datasets
import Foundation

struct DashboardBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dashboard",
        abstract: "Page times of the dashboard on a store of 1,000 runs and 1,000 versions, and a log line's way to a connected page.",
        discussion: """
            Builds a home in a temporary folder, serves it with a real `wf daemon --listen`, and fetches each page from 127.0.0.1, one connection per request: the time from connecting to the last byte bounds the server's time from above. `/health` is the floor. Then a running job's log is followed as the run page follows it (server-sent events) while lines are appended; each line's latency is from its write to its event.

            Example:
              wf bench dashboard
              wf bench dashboard --runs 5000 --versions 5000 --requests 100 --json
            """
    )

    @Option(parsing: .unconditional, help: "Runs in the store.")
    var runs = 1000

    @Option(parsing: .unconditional, help: "Versions of the one dataset in the store.")
    var versions = 1000

    @Option(parsing: .unconditional, help: "Timed requests per page (after 10 warm-ups).")
    var requests = 200

    @Flag(help: "Print JSON.")
    var json = false

    func validate() throws {
        guard (1...100_000).contains(runs), (1...100_000).contains(versions) else { throw ValidationError("--runs and --versions are 1 to 100000") }
        guard (1...100_000).contains(requests) else { throw ValidationError("--requests is 1 to 100000") }
    }

    func run() throws {
        let figures = try DashboardBenchmark(wf: CommandLine.executablePath, runs: runs, versions: versions, requests: requests)
            .run { FileHandle.standardError.write(Data(("bench: " + $0 + "\n").utf8)) }
        if json { return try JSONOutput.print(figures) }
        func ms(_ value: Double) -> String { Format.decimal(value, places: 1) + " ms" }
        let floor = figures.pages.first?.medianMilliseconds ?? 0
        var table = Table(headers: ["PAGE", "BYTES", "MEDIAN", "P99", "MAX", "× FLOOR"], rightAligned: [1, 2, 3, 4, 5])
        for page in figures.pages {
            table.append([page.name, Format.bytes(Int64(page.bytes)), ms(page.medianMilliseconds), ms(page.p99Milliseconds), ms(page.maximumMilliseconds),
                          floor > 0 ? Format.decimal(page.medianMilliseconds / floor, places: 1) : "-"])
        }
        print("\(figures.runs) runs, \(figures.versions) versions; \(figures.requests) requests per page, one connection each")
        print(table.render())
        print("log line → connected page: median \(ms(figures.logMedianMilliseconds)), p99 \(ms(figures.logP99Milliseconds)), max \(ms(figures.logMaximumMilliseconds)) (\(figures.logLines) lines)")
    }
}
