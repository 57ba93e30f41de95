import ArgumentParser
import Benchmarks
import Datasets
import Foundation

struct ValidateBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "wf validate on generated workflows of 1,000 and 10,000 jobs: linear growth, against PyYAML loading the same files.",
        discussion: "Two shapes: a chain (each job needs and reads the one before) and a fan-in (a wide first layer, each later job reading ten of it). GROWTH is the time for 10,000 jobs over the time for 1,000: 10 means linear. PYYAML is python3's yaml.CSafeLoader (libyaml, as wf uses) only loading the file, when PyYAML is installed."
    )

    @Option(parsing: .unconditional, help: "Timed runs of each case (after one warm-up).")
    var runs = 5

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        let figures = try ValidateBenchmark(wf: CommandLine.executablePath, runs: runs)
            .run { FileHandle.standardError.write(Data(("bench: " + $0 + "\n").utf8)) }
        if json { return try JSONOutput.print(figures) }
        func ms(_ seconds: Double) -> String { Format.decimal(seconds * 1000, places: 1) + " ms" }
        var table = Table(headers: ["SHAPE", "JOBS", "WF VALIDATE", "PER JOB", "PYYAML LOAD", "RATIO"], rightAligned: [1, 2, 3, 4, 5])
        for item in figures.cases {
            table.append([item.shape, "\(item.jobs)", ms(item.medianSeconds), Format.decimal(item.microsecondsPerJob, places: 1) + " µs",
                          item.pyyamlLoadSeconds.map(ms) ?? "-",
                          item.pyyamlLoadSeconds.map { Format.decimal(item.medianSeconds / $0, places: 2) + "x" } ?? "-"])
        }
        print("\(figures.runs) runs each (medians; wf's include process start)")
        print(table.render())
        for (shape, growth) in figures.growth.sorted(by: { $0.key < $1.key }) {
            print("growth, \(shape), 1,000 → 10,000 jobs: \(Format.decimal(growth, places: 1))x (10x is linear)")
        }
    }
}
