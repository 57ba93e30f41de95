import ArgumentParser
import Datasets

struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ls",
        abstract: "List datasets, or the history of one dataset.",
        discussion: "Without NAME: every dataset with its version count, latest id, size and last update. With NAME: the same as `wf datasets versions NAME`."
    )

    @Argument(help: "A dataset whose versions to list, newest first.")
    var name: String?

    @OptionGroup var store: StoreOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        if let name {
            try VersionsCommand.printHistory(of: name, store: store, output: output)
            return
        }
        let datasets = try store.open(.readOnly).listDatasets()
        if output.json { return try JSONOutput.print(datasets) }
        if datasets.isEmpty {
            print("no datasets yet in \(store.resolvedHome)/datasets; add one with `wf datasets put NAME FILES...`")
            return
        }
        var table = Table(headers: ["NAME", "VERSIONS", "LATEST", "FILES", "SIZE", "UPDATED"], rightAligned: [1, 3, 4])
        for dataset in datasets {
            table.append([dataset.name, String(dataset.versions), dataset.latest.short, String(dataset.files),
                          Format.bytes(dataset.bytes), Format.time(dataset.updated)])
        }
        print(table.render())
    }
}
