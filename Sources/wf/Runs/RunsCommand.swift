import ArgumentParser
import Datasets

struct RunsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runs",
        abstract: "The workflow runs recorded in this store: status, jobs, timings and logs.",
        discussion: """
            Every `wf run` is recorded in the index as it goes. A run whose process died (killed, or the machine stopped) shows as interrupted.

            A RUN is its id (run-…) or a unique prefix of it; `wf runs ls` lists them.
            """,
        subcommands: [RunsListCommand.self, RunsShowCommand.self, RunsLogsCommand.self]
    )

    /// The run `id` names, or the latest run.
    static func find(_ id: String?, in store: StoreOptions) throws -> RunRecord {
        try find(id, in: try store.open(.readOnly), home: store.resolvedHome)
    }

    static func find(_ id: String?, in opened: DatasetStore, home: String) throws -> RunRecord {
        if let id { return try opened.run(id) }
        guard let latest = try opened.runs(limit: 1).first else { throw ValidationError("no runs yet in \(home); start one with `wf run`") }
        return latest
    }
}
