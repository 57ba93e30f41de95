import ArgumentParser
import Datasets

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check every object against its sha256 and the index against the objects.",
        discussion: """
            Exits with status 1 when a problem is found. With --repair, damaged objects are moved to datasets/corrupt/ and the index is rebuilt from the version and tag records alone.
            """
    )

    @Flag(name: .long, help: "Set damaged objects aside and rebuild the index from the records.")
    var repair = false

    @OptionGroup var store: StoreOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let report = repair ? try DatasetStore.repair(home: store.resolvedHome) : try store.open(.readOnly).verify()
        if output.json {
            try JSONOutput.print(report)
        } else {
            for line in report.repairs { print("repaired: \(line)") }
            for line in report.problems { print("problem: \(line)") }
            for line in report.notes { print("note: \(line)") }
            let verdict = report.isClean ? "ok" : "\(report.problems.count) problems"
            print("\(verdict): \(report.datasets) datasets, \(report.versions) versions, \(report.objects) objects, \(report.records) records checked")
        }
        if !report.isClean { throw ExitCode(1) }
    }
}
