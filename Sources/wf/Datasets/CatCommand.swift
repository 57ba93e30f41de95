import ArgumentParser
import Datasets
#if canImport(Glibc)
import Glibc
#endif

struct CatCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cat",
        abstract: "Print one file of a version to standard output.",
        discussion: "Example: wf datasets cat generated-text outputs.txt"
    )

    @Argument(help: "The version: NAME, NAME:ID, NAME:TAG or NAME~N.")
    var reference: String

    @Argument(help: "The file's path inside the version, as `wf datasets show` lists it.")
    var file: String

    @OptionGroup var store: StoreOptions

    func run() throws {
        let opened = try store.open(.readOnly)
        try opened.write(file, of: try opened.resolve(reference), to: STDOUT_FILENO)
    }
}
