import ArgumentParser
import Datasets
import Foundation
import Triggers

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Each link and the commit last fetched, the run queue, and the latest runs."
    )

    @Option(parsing: .unconditional, help: "How many queue items and runs to show.")
    var limit = 10

    @OptionGroup var store: StoreOptions
    @OptionGroup var output: OutputOptions

    struct Status: Encodable {
        var links: [LinkState]
        var queue: [QueueItem]
        var runs: [RunRecord]
    }

    func run() throws {
        let triggers = try TriggerStore(home: store.resolvedHome)
        let status = Status(links: try triggers.links(), queue: try triggers.queue(limit: limit), runs: try triggers.store.runs(limit: limit))
        if output.json { return try JSONOutput.print(status) }
        var links = Table(headers: ["LINK", "BRANCH", "COMMIT", "FETCHED", "STATE"])
        for state in status.links {
            let ref = state.link.branch.map { "refs/heads/\($0)" } ?? state.heads.keys.filter { $0.hasPrefix("refs/heads/") }.sorted().first
            links.append([state.link.name, state.link.branch ?? "*", Format.commit(ref.flatMap { state.heads[$0] }),
                          state.lastFetch.map(Format.time) ?? "-", state.lastError.map { "failing: \($0.prefix(60))" } ?? "ok"])
        }
        print(status.links.isEmpty ? "links: none (wf link URL)" : links.render())
        print("")
        var queue = Table(headers: ["ITEM", "LINK", "COMMIT", "WORKFLOW", "FROM", "STATUS", "RUN"])
        for item in status.queue {
            queue.append(["\(item.id)", item.link, Format.commit(item.commit), item.workflow, item.source.rawValue, item.status.rawValue, item.runID ?? "-"])
        }
        print(status.queue.isEmpty ? "queue: empty" : queue.render())
        print("")
        var runs = Table(headers: ["RUN", "STATUS", "WORKFLOW", "COMMIT", "TRIGGER", "STARTED"])
        for run in status.runs {
            runs.append([run.id, run.status.rawValue, run.workflow, Format.commit(run.commit), run.trigger, Format.time(run.started)])
        }
        print(status.runs.isEmpty ? "runs: none yet" : runs.render())
    }
}
