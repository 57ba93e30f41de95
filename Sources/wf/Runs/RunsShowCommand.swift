import ArgumentParser
import Datasets

struct RunsShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show one run: where it came from, how it ended, and each job with its timing and outputs."
    )

    @Argument(help: "The run id, or a unique prefix of it (default: the latest run).")
    var id: String?

    @OptionGroup var store: StoreOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let record = try RunsCommand.find(id, in: store)
        if output.json { return try JSONOutput.print(record) }
        print("run        \(record.id)")
        print("status     \(record.status.rawValue)")
        print("workflow   \(record.workflow)")
        print("repository \(record.repository)")
        print("commit     \(record.commit ?? "-")")
        print("trigger    \(record.trigger)")
        print("started    \(Format.time(record.started))")
        if let finished = record.finished {
            print("took       \(Format.duration(finished.seconds(since: record.started)))")
        }
        for (name, value) in record.inputs.sorted(by: { $0.key < $1.key }) { print("input      \(name) = \(value)") }
        print("")
        // Jobs an engine ran also show where: the engine's id (`slurm:1234`) and the node.
        let onEngine = record.jobs.contains { $0.engineJob != nil }
        var table = Table(headers: ["JOB", "ACTION", "STATUS", "TOOK"] + (onEngine ? ["ENGINE", "NODE"] : []) + ["OUTPUTS"], rightAligned: [3])
        for job in record.jobs {
            let outputs = job.outputs.sorted(by: { $0.key < $1.key }).map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            table.append([job.name, job.action, job.status.rawValue, job.seconds.map(Format.duration) ?? "-"]
                         + (onEngine ? [job.engineJob ?? "-", job.node ?? "-"] : []) + [outputs])
        }
        print(table.render())
        for job in record.jobs { if let image = job.image { print("image of \(job.name): \(image)") } }
        if let summary = record.summary {
            print("")
            print(summary)
        }
    }
}
