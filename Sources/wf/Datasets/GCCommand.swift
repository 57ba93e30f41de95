import ArgumentParser
import Datasets

struct GCCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gc",
        abstract: "Delete objects and records that no version or tag needs, and leftovers of interrupted writes.",
        discussion: "Safe beside running writers: they wait while gc sweeps, and gc waits for their commits."
    )

    @OptionGroup var store: StoreOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        // gc only reads the index: opened for reading, it still runs on a full disk, where it
        // is most wanted.
        let report = try store.open(.readOnly).collectGarbage()
        if output.json { return try JSONOutput.print(report) }
        print("removed \(report.objectsRemoved) objects, \(report.recordsRemoved) records, "
              + "\(report.temporariesRemoved) temporaries; freed \(Format.bytes(report.bytesFreed))")
    }
}
