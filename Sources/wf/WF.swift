import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif

@main
struct WF: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wf",
        abstract: "Turn a git push into a reproducible, versioned result.",
        discussion: """
            wf keeps every result as an immutable, content-addressed version of a named dataset. The store lives in DIR/datasets, where DIR is --home, else $WF_HOME, else the root of the git checkout you are in, else the current folder.

            Start with `wf datasets put NAME FILES...`, then `wf datasets ls`.
            """,
        version: "0.1.0",
        subcommands: [DatasetsCommand.self, RunCommand.self, RunsCommand.self, ValidateCommand.self, MigrateCommand.self, SecretsCommand.self, LinkCommand.self, LinksCommand.self, DaemonCommand.self, TriggerCommand.self, StatusCommand.self, GenerateCommand.self, TokenizeCommand.self, TrainCommand.self, ServeCommand.self, BenchCommand.self, JobCommand.self, WorkflowExportCommand.self]
    )

    /// Ctrl-C and SIGTERM stop wf (and, through bubblewrap's --die-with-parent, its steps)
    /// however it was started: a parent may leave them ignored or blocked, and both survive exec.
    static func main() {
        signal(SIGINT, nil)   // SIG_DFL
        signal(SIGTERM, nil)
        var signals = sigset_t()
        sigemptyset(&signals)
        sigaddset(&signals, SIGINT)
        sigaddset(&signals, SIGTERM)
        sigprocmask(SIG_UNBLOCK, &signals, nil)
        main(nil)
    }
}
