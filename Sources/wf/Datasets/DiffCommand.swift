import ArgumentParser
import Datasets

struct DiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Compare two versions: files added, removed and changed, with a unified diff of text files.",
        discussion: "Example: wf datasets diff generated-text~1 generated-text"
    )

    @Argument(help: "The older version.")
    var old: String

    @Argument(help: "The newer version.")
    var new: String

    @Option(name: .customShort("U"), parsing: .unconditional, help: "Lines of context around each change.")
    var context: Int = 3

    @Flag(name: .long, help: "List changed files only, without line diffs.")
    var nameOnly = false

    @OptionGroup var store: StoreOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        if context < 0 { throw ValidationError("-U must be 0 or more lines") }
    }

    func run() throws {
        let opened = try store.open(.readOnly)
        let (a, b) = (try opened.resolve(old), try opened.resolve(new))
        let diff = TreeDiff(from: try opened.tree(of: a), to: try opened.tree(of: b))
        if output.json {
            return try JSONOutput.print(try VersionDiff(from: a, to: b, in: opened, lines: false))
        }
        if diff.isEmpty {
            print("\(a.reference) and \(b.reference) are the same: identical content (tree \(a.tree.short))")
            return
        }
        var summary = [String]()
        for change in diff.changes {
            switch change {
            case .added(let e): summary.append("added    \(e.path) (\(Format.bytes(e.size)))")
            case .removed(let e): summary.append("removed  \(e.path) (\(Format.bytes(e.size)))")
            case .changed(let x, let y):
                let mode = x.executable != y.executable ? ", mode \(x.mode) → \(y.mode)" : ""
                summary.append("changed  \(y.path) (\(Format.bytes(x.size)) → \(Format.bytes(y.size))\(mode))")
            }
        }
        print("\(a.reference) → \(b.reference): \(diff.changes.count) files differ")
        print(summary.joined(separator: "\n"))
        guard !nameOnly else { return }
        for change in diff.changes {
            let (before, after) = try VersionDiff.texts(of: change, in: opened)
            guard let before, let after else {
                if case .changed(let x, let y) = change, x.blob == y.blob { continue }
                print("\nBinary or large file \(change.path) differs")
                continue
            }
            let hunks = UnifiedDiff.hunks(from: before, to: after, context: context)
            guard !hunks.isEmpty else { continue }
            let oldName: String, newName: String
            switch change {
            case .added: (oldName, newName) = ("/dev/null", "\(b.reference)/\(change.path)")
            case .removed: (oldName, newName) = ("\(a.reference)/\(change.path)", "/dev/null")
            case .changed: (oldName, newName) = ("\(a.reference)/\(change.path)", "\(b.reference)/\(change.path)")
            }
            print("\n--- \(oldName)\n+++ \(newName)")
            print(hunks.joined(separator: "\n"))
        }
    }
}
