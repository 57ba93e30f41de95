import ArgumentParser
import Datasets

struct ShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show one version: its record, provenance and files."
    )

    @Argument(help: "The version: NAME, NAME:ID, NAME:TAG or NAME~N.")
    var reference: String

    @OptionGroup var store: StoreOptions
    @OptionGroup var output: OutputOptions

    struct Shown: Encodable {
        var version: VersionInfo
        var files: [TreeEntry]
    }

    func run() throws {
        let opened = try store.open(.readOnly)
        let version = try opened.resolve(reference)
        let tree = try opened.tree(of: version)
        if output.json { return try JSONOutput.print(Shown(version: version, files: tree.entries)) }
        var lines = [
            "version   \(version.id.hex)",
            "dataset   \(version.dataset) (version \(version.sequence))",
            "parent    \(version.parent?.hex ?? "none")",
            "tree      \(version.tree.hex)",
            "created   \(Format.time(version.created))",
        ]
        if !version.tags.isEmpty { lines.append("tags      \(version.tags.joined(separator: ", "))") }
        if !version.message.isEmpty { lines.append("message   \(version.message)") }
        let provenance = version.provenance
        let commit = provenance.commit.map { $0 + (provenance.uncommitted == "true" ? " with uncommitted changes" : "") }
        for (label, value) in [("repo", provenance.repository), ("commit", commit), ("workflow", provenance.workflow),
                               ("job", provenance.job), ("run", provenance.run), ("settings", provenance.settingsDigest),
                               ("model", provenance.modelDigest), ("model from", provenance.modelSource), ("image", provenance.image)] {
            if let value { lines.append(label.padding(to: max(10, label.count + 1)) + value) }
        }
        print(lines.joined(separator: "\n"))
        print("")
        var table = Table(headers: ["MODE", "SIZE", "SHA256", "PATH"], rightAligned: [1])
        for entry in tree.entries { table.append([entry.mode, Format.bytes(entry.size), entry.blob.short, entry.path]) }
        print(table.render())
        print("\(Format.count(version.files, "file")), \(Format.bytes(version.bytes))")
    }
}

extension String {
    func padding(to width: Int) -> String { count >= width ? self + " " : self + String(repeating: " ", count: width - count) }
}
