import ArgumentParser
import Datasets
import Foundation

struct RunsLogsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs",
        abstract: "Print a run's logs, job by job (secret values appear as ***)."
    )

    @Argument(help: "The run id, or a unique prefix of it (default: the latest run).")
    var id: String?

    @Option(help: "Only this job's log.")
    var job: String?

    @OptionGroup var store: StoreOptions
    @OptionGroup var output: OutputOptions

    struct JobLog: Encodable {
        var job: String
        var status: String
        var log: String
    }

    func run() throws {
        let opened = try store.open(.readOnly)
        let record = try RunsCommand.find(id, in: opened, home: store.resolvedHome)
        var jobs = record.jobs
        if let job {
            jobs = jobs.filter { $0.name == job }
            guard !jobs.isEmpty else {
                throw ValidationError("\(record.id) has no job \(job); its jobs are \(record.jobs.map(\.name).joined(separator: ", "))")
            }
        }
        let logs = jobs.map { job in
            JobLog(job: job.name, status: job.status.rawValue, log: opened.log(of: job))
        }
        if output.json { return try JSONOutput.print(logs) }
        for log in logs {
            Console.write("==> \(log.job) (\(log.status)) <==\n")
            Console.write(log.log.isEmpty ? "(no output)\n" : log.log)
        }
    }
}
