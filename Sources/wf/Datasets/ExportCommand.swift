import ArgumentParser
import Datasets

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write every file of a version into a folder.",
        discussion: "DIR must not exist or be empty. Files are checked against their sha256 and appear all at once."
    )

    @Argument(help: "The version: NAME, NAME:ID, NAME:TAG or NAME~N.")
    var reference: String

    @Argument(help: "The folder to create.")
    var directory: String

    @OptionGroup var store: StoreOptions

    func run() throws {
        let opened = try store.open(.readOnly)
        let version = try opened.resolve(reference)
        try opened.export(version, to: directory)
        print("exported \(version.reference) to \(directory): \(Format.count(version.files, "file")), \(Format.bytes(version.bytes))")
    }
}
