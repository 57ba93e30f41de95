import ArgumentParser
import Datasets

struct TagCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tag",
        abstract: "Name a version with a tag, or move an existing tag to it.",
        discussion: "Example: wf datasets tag generated-text~2 good; then `wf datasets cat generated-text:good outputs.txt`."
    )

    @Argument(help: "The version to tag: NAME, NAME:ID, NAME:TAG or NAME~N.")
    var reference: String

    @Argument(help: "The tag: letters, digits, '.', '_' or '-'; not 'latest', not only hex digits.")
    var tag: String

    @OptionGroup var store: StoreOptions

    func run() throws {
        let version = try store.open().tag(reference, as: tag)
        print("tagged \(version.reference) as \(version.dataset):\(tag)")
    }
}
