import ArgumentParser
import Datasets
#if canImport(Glibc)
import Glibc
#endif

struct PutCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "put",
        abstract: "Commit files and folders as a new version of a dataset.",
        discussion: """
            A folder contributes its contents at the root of the version; a file contributes itself under its own name. The dataset is created on its first version.

            Example: wf datasets put corpus ./texts notes.md -m "first import"
            """
    )

    @Argument(help: "The dataset name: letters, digits, '.', '_' or '-', at most 128, not starting with '.'.")
    var name: String

    @Argument(help: "Files and folders to commit.")
    var paths: [String]

    @Option(name: .shortAndLong, help: "A message describing this version.")
    var message: String = ""

    @OptionGroup var store: StoreOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        if paths.isEmpty { throw ValidationError("give at least one file or folder to commit") }
    }

    func run() throws {
        try DatasetName.validate(name)
        let showProgress = isatty(STDERR_FILENO) == 1 && !output.json
        let version = try store.open().commit(dataset: name, paths: paths, message: message) { done, total in
            if showProgress { Progress.line("hashing \(done)/\(total) files") }
        }
        if showProgress { Progress.clear() }
        if output.json { return try JSONOutput.print(version) }
        print("committed \(version.reference) (version \(version.sequence)): \(Format.count(version.files, "file")), "
              + "\(Format.bytes(version.bytes)), tree \(version.tree.short)")
    }
}
