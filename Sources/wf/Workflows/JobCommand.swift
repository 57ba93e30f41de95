import ArgumentParser
import Foundation
import Runner

/// `wf job exec PLAN JOB`: what a cluster's node runs for one job of a planned run.
struct JobCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "job",
        abstract: "Run one job of a planned run (what Slurm and Argo nodes run).",
        subcommands: [Exec.self]
    )

    struct Exec: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "exec",
            abstract: "Run one planned job anywhere wf is installed and leave its result for the run.",
            discussion: """
                PLAN is the plan file the run wrote (HOME/runs/RUN/plan.json; `wf run --executor slurm` and the daemon write it and submit this command for each job). The job's inputs are fetched by content address: dataset versions from the home's store, other jobs' outputs through their result records. The step runs as in a local run, in HOME/runs/RUN/JOB/ with its log.txt; each output folder is then stored as a tree in the store and HOME/runs/RUN/JOB/result.json says where. Nothing is committed: the run that planned the job commits every dataset output once all its jobs have succeeded. Running a job twice (an engine's retry) starts it from a clean folder and is harmless.

                --staged is for engines that move the files themselves (Argo's artifacts): the inputs are already at /inputs/NAME, the outputs are left at /outputs/NAME, and the result record is printed instead of written.

                Exit status: 0 when the job succeeded, 1 when it failed (the result record says why), 2 when the plan cannot be read.

                Example:
                  wf job exec ~/wf/runs/run-1764558000000-1a2b3c4d/plan.json generate
                """
        )

        @Argument(help: "The plan file (HOME/runs/RUN/plan.json).")
        var plan: String

        @Argument(help: "The job to run.")
        var job: String

        @Flag(help: "Inputs are already at /inputs/NAME and outputs stay at /outputs/NAME (Argo).")
        var staged = false

        func run() throws {
            let result: JobResult
            do {
                result = try JobExec.run(planFile: URL(fileURLWithPath: plan).standardized.path, job: job, staged: staged) { Console.error($0) }
            } catch {
                Console.error("wf: \(error)")
                throw ExitCode(2)
            }
            if staged {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
                print(String(decoding: try encoder.encode(result), as: UTF8.self))
            }
            guard result.status == .succeeded else {
                Console.error("wf: job \(job) failed on \(result.node): \(result.detail ?? "see its log")")
                throw ExitCode(1)
            }
            Console.error("job \(job) succeeded on \(result.node) in \(String(format: "%.1f", result.finished.seconds(since: result.started))) s")
        }
    }
}
