import ArgumentParser
import Foundation
import Triggers

struct TriggerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trigger",
        abstract: "Queue a linked repository's workflows by hand, for a missed webhook.",
        discussion: "Fetches the mirror and queues the workflows that the commit triggers (default: the newest commit of the linked branch, else of the remote's default branch). A running `wf daemon` picks them up; each (link, commit, workflow) runs once: a commit whose run succeeded is not queued again; one whose run failed or was cut off twice by daemon crashes is queued again."
    )

    @Argument(help: "The link's name (see `wf links ls`).")
    var name: String

    @Option(help: "A commit, branch or tag (default: the branch's newest commit).")
    var commit: String?

    @OptionGroup var store: StoreOptions

    func run() throws {
        let daemon = try Daemon(home: store.resolvedHome, defaultModel: DefaultModel.folder) { _ in }
        let entries = try daemon.trigger(name, commit: commit)
        if entries.isEmpty { print("no workflow at that commit runs for its branch (see each workflow's `on`)") }
        for entry in entries {
            let item = entry.item
            if entry.isNew {
                print("queued \(item.workflow) at \(item.commit.prefix(12)) (queue item \(item.id)" + (item.detail.map { "; \($0)" } ?? "") + ")")
            } else {
                print("\(item.workflow) at \(item.commit.prefix(12)) was queued before: \(item.status.rawValue)" + (item.runID.map { " (\($0))" } ?? ""))
            }
        }
    }
}
