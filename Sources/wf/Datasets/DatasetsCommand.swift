import ArgumentParser

struct DatasetsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "datasets",
        abstract: "Browse, commit and compare versions of datasets.",
        discussion: """
            A dataset is a name with a history of immutable versions. Identical files are stored once; identical content gives an identical tree id.

            A REF names one version:
              NAME          the newest version (also NAME:latest)
              NAME:ID       a version id, or a unique prefix of at least 4 hex digits
              NAME:TAG      a tagged version (see `wf datasets tag`)
              NAME~N        the N-th version before the newest (also NAME:ID~N)
            """,
        subcommands: [
            ListCommand.self, VersionsCommand.self, PutCommand.self, ShowCommand.self, CatCommand.self,
            ExportCommand.self, DiffCommand.self, TagCommand.self, VerifyCommand.self, GCCommand.self,
            RemoteCommand.self, PushCommand.self, PullCommand.self, FetchCommand.self, CloneCommand.self,
        ]
    )
}
