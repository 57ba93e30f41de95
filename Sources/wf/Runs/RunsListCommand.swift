import ArgumentParser
import Datasets

struct RunsListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ls", abstract: "List the latest runs, newest first.")

    @Option(parsing: .unconditional, help: "How many runs to list.")
    var limit = 20

    @OptionGroup var store: StoreOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let runs = try store.open(.readOnly).runs(limit: max(1, limit))
        if output.json { return try JSONOutput.print(runs) }
        if runs.isEmpty {
            print("no runs yet in \(store.resolvedHome); start one with `wf run`")
            return
        }
        var table = Table(headers: ["RUN", "STATUS", "WORKFLOW", "COMMIT", "JOBS", "STARTED", "TOOK"], rightAligned: [6])
        for run in runs {
            let done = run.jobs.filter { $0.status == .succeeded }.count
            let took = run.finished.map { Format.duration($0.seconds(since: run.started)) } ?? "-"
            table.append([run.id, run.status.rawValue, run.workflow, Format.commit(run.commit), "\(done)/\(run.jobs.count)",
                          Format.time(run.started), took])
        }
        print(table.render())
    }
}
