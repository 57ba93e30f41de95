import ArgumentParser
import Datasets
import Runner

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check every object against its sha256 and the index against the objects.",
        discussion: """
            Exits with status 1 when a problem is found. With --repair, damaged objects are moved to datasets/corrupt/ and the index is rebuilt from the version and tag records alone; a store that lives in a bucket (remote add --store) then catches up with the records there.
            """
    )

    @Flag(name: .long, help: "Set damaged objects aside and rebuild the index from the records.")
    var repair = false

    @OptionGroup var store: StoreOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        var report = repair ? try DatasetStore.repair(home: store.resolvedHome) : try store.open(.readOnly).verify()
        // A shared store's index is a cache of the bucket: the repair ends by catching up with it.
        if repair, let shared = try DatasetStore.sharedStoreRemote(home: store.resolvedHome) {
            let line = TransferLine("synchronizing with \(shared.name)", enabled: !output.json)
            let synchronized = try StoreAccess.open(home: store.resolvedHome).synchronize(progress: line.update)
            line.finish()
            let versions = synchronized?.datasets.reduce(0) { $0 + $1.versions } ?? 0
            report.repairs.append("brought the index up to \(shared.name) (\(shared.url)): \(versions) versions added from its records")
        }
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
