import ArgumentParser
import Foundation
import Runner

struct SecretsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "secrets",
        abstract: "Values for secret:NAME in workflows, kept where only you can read them.",
        discussion: """
            Secrets live one file each in $WF_SECRETS, else $XDG_CONFIG_HOME/wf/secrets, else ~/.config/wf/secrets (folder 0700, files 0600), never in a checkout. wf never prints a value: logs show *** in its place.

            Example: printf %s "$TOKEN" | wf secrets set HF_TOKEN
            """,
        subcommands: [SecretsSetCommand.self, SecretsListCommand.self, SecretsRemoveCommand.self]
    )
}

struct SecretsSetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set",
        abstract: "Set a secret from standard input (or --from-file), never from the command line, where other users could see it."
    )

    @Argument(help: "Letters, digits and underscores.")
    var name: String

    @Option(help: "Read the value from this file instead of standard input.")
    var fromFile: String?

    func run() throws {
        let data: Data
        if let fromFile {
            guard let contents = FileManager.default.contents(atPath: fromFile) else { throw ValidationError("cannot read \(fromFile)") }
            data = contents
        } else {
            if isatty(STDIN_FILENO) == 1 { Console.error("value for \(name) (end with Ctrl-D):") }
            data = FileHandle.standardInput.readDataToEndOfFile()
        }
        var value = String(decoding: data, as: UTF8.self)
        while value.last?.isNewline == true { value.removeLast() }   // what `echo` (or a Windows editor) adds
        guard !value.isEmpty else { throw ValidationError("the value is empty; pipe it in: printf %s \"$VALUE\" | wf secrets set \(name)") }
        let store = SecretStore()
        try store.set(name, value: value)
        print("set \(name) in \(store.folder)")
    }
}

struct SecretsListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ls", abstract: "List the secrets' names (never their values).")

    @OptionGroup var output: OutputOptions

    func run() throws {
        let names = SecretStore().names()
        if output.json { return try JSONOutput.print(names) }
        if names.isEmpty { print("no secrets in \(SecretStore().folder); add one with `wf secrets set NAME`") }
        for name in names { print(name) }
    }
}

struct SecretsRemoveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rm", abstract: "Remove a secret.")

    @Argument(help: "The secret's name.")
    var name: String

    func run() throws {
        try SecretStore().remove(name)
        print("removed \(name)")
    }
}
