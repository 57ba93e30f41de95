import ArgumentParser
import Datasets
import Foundation
import Triggers

struct LinksCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "links",
        abstract: "List or remove linked repositories.",
        subcommands: [LinksListCommand.self, LinksRemoveCommand.self]
    )
}

struct LinksListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ls", abstract: "List linked repositories (secrets show only where they come from).")

    @OptionGroup var store: StoreOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let links = try TriggerStore(home: store.resolvedHome).links()
        if output.json { return try JSONOutput.print(links) }
        if links.isEmpty { print("no links yet; add one with `wf link URL`"); return }
        var table = Table(headers: ["NAME", "URL", "BRANCH", "POLL", "WEBHOOK SECRET", "LAST FETCH", "STATE"])
        for state in links {
            let link = state.link
            table.append([link.name, link.url, link.branch ?? "*", link.pollSeconds > 0 ? "\(link.pollSeconds)s" : "off",
                          link.webhookSecret?.description ?? "-", state.lastFetch.map(Format.time) ?? "-",
                          state.lastError.map { "failing (\(state.failures)): \($0.prefix(60))" } ?? "ok"])
        }
        print(table.render())
        for state in links {
            for (id, path) in (state.link.models ?? [:]).sorted(by: { $0.key < $1.key }) { print("\(state.link.name): model \(id) = \(path)") }
        }
    }
}

struct LinksRemoveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rm", abstract: "Stop watching a repository (its queued runs are dropped; its mirror is deleted).")

    @Argument(help: "The link's name.")
    var name: String

    @OptionGroup var store: StoreOptions

    func run() throws {
        let home = store.resolvedHome
        try TriggerStore(home: home).remove(name)
        try? FileManager.default.removeItem(atPath: "\(home)/mirrors/\(name).git")
        print("removed link \(name)")
    }
}
