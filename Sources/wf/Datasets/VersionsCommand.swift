import ArgumentParser
import Datasets

struct VersionsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "versions",
        abstract: "List the versions of a dataset, newest first.",
        discussion: "Each line: version id, time, files, bytes, the commit it came from when known, tags and message."
    )

    @Argument(help: "The dataset name.")
    var name: String

    @OptionGroup var store: StoreOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        try VersionsCommand.printHistory(of: name, store: store, output: output)
    }

    static func printHistory(of name: String, store: StoreOptions, output: OutputOptions) throws {
        let versions = try store.open(.readOnly).versions(of: name)
        if output.json { return try JSONOutput.print(versions) }
        var table = Table(headers: ["ID", "CREATED", "FILES", "SIZE", "COMMIT", "MESSAGE"], rightAligned: [2, 3])
        for version in versions {
            let tags = version.tags.isEmpty ? "" : "(" + version.tags.joined(separator: ", ") + ") "
            table.append([version.id.short, Format.time(version.created), String(version.files), Format.bytes(version.bytes),
                          Format.commit(version.provenance.commit), tags + version.message])
        }
        print(table.render())
    }
}
