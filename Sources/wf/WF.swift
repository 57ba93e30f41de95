import ArgumentParser

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
        subcommands: [DatasetsCommand.self, GenerateCommand.self, TokenizeCommand.self, TrainCommand.self, ValidateCommand.self, RunCommand.self, BenchCommand.self]
    )
}
