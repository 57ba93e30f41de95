import ArgumentParser
import Datasets
import Foundation
import GitSource
import Triggers

struct LinkCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "link",
        abstract: "Watch a repository: `wf daemon` then runs its workflows on every push.",
        discussion: """
            wf makes a bare mirror of the repository in HOME/mirrors/NAME.git at once (so a wrong URL or token fails here), and remembers where each branch and tag is, so only pushes after now start runs. `wf trigger NAME` runs the current commit by hand.

            Secrets are never stored: --token-env, --token-file, --webhook-secret-env and --webhook-secret-file name where the daemon reads them when it needs them.

            Examples:
              wf link https://github.com/me/text-gen --branch main --poll 60
              wf link git@github.com:me/private.git --ssh-key ~/.ssh/id_ed25519 --webhook-secret-env WF_HOOK_SECRET
              wf link /srv/git/project.git --poll 5
              wf link /srv/git/nlp-text-generation.git --model gpt2=/srv/models/gpt2
            """
    )

    @Argument(help: "The repository: an https or ssh URL, or a path on this machine.")
    var url: String

    @Option(help: "Only pushes to this branch run workflows (default: every branch and tag, as each workflow's `on` allows).")
    var branch: String?

    @Option(help: "The link's name (default: the repository's).")
    var name: String?

    @Option(parsing: .unconditional, help: "Seconds between fetches; 0 leaves it to webhooks.")
    var poll = 60

    @Option(help: ArgumentHelp("Read an HTTPS token from this environment variable of the daemon.", valueName: "variable"))
    var tokenEnv: String?

    @Option(help: ArgumentHelp("Read an HTTPS token from this file.", valueName: "path"))
    var tokenFile: String?

    @Option(help: "The user name that goes with the token.")
    var username = "git"

    @Option(help: ArgumentHelp("Authenticate over SSH with this private key.", valueName: "path"))
    var sshKey: String?

    @Option(help: ArgumentHelp("Verify webhook deliveries with the secret in this environment variable.", valueName: "variable"))
    var webhookSecretEnv: String?

    @Option(help: ArgumentHelp("Verify webhook deliveries with the secret in this file.", valueName: "path"))
    var webhookSecretFile: String?

    @Option(name: .customLong("model"), help: ArgumentHelp("Map a model id the repository's settings name to a local model folder (repeatable); runs of this link load that folder.", valueName: "id=path"))
    var models: [String] = []

    @OptionGroup var store: StoreOptions

    func validate() throws {
        guard poll >= 0 else { throw ValidationError("--poll must be 0 or more seconds") }
        guard [tokenEnv, tokenFile, sshKey].compactMap({ $0 }).count <= 1 else { throw ValidationError("give one of --token-env, --token-file and --ssh-key") }
        guard webhookSecretEnv == nil || webhookSecretFile == nil else { throw ValidationError("give one of --webhook-secret-env and --webhook-secret-file") }
    }

    func run() throws {
        guard !RepositoryURL.hasCredentials(url) else {
            throw ValidationError("the URL carries a user name or token, which would be stored and shown; give the URL without it and the token with --token-env VARIABLE or --token-file PATH")
        }
        var location = url
        if !url.contains("://") && !url.contains("@") && (url.hasPrefix("/") || url.hasPrefix(".") || FileManager.default.fileExists(atPath: url)) {
            location = URL(fileURLWithPath: url).standardized.path
        }
        let linkName = name ?? Link.defaultName(for: location)
        do { try DatasetName.validate(linkName) }  // names name mirror folders: dataset rules catch { throw ValidationError("link name \(linkName): \(error); choose one with --name") }
        var credentials: Link.Credentials?
        if let tokenEnv { credentials = .token(username: username, token: .environment(tokenEnv)) }
        if let tokenFile { credentials = .token(username: username, token: .file(absolute(tokenFile))) }
        if let sshKey { credentials = .sshKey(path: absolute(sshKey), passphrase: nil) }
        let secret: SecretSource? = webhookSecretEnv.map { .environment($0) } ?? webhookSecretFile.map { .file(absolute($0)) }
        let mapped = try ModelMapping.parse(models)
        let link = Link(name: linkName, url: location, branch: branch, pollSeconds: poll, credentials: credentials, webhookSecret: secret,
                        models: mapped.isEmpty ? nil : mapped)
        let home = store.resolvedHome
        let triggers = try TriggerStore(home: home)
        if (try? triggers.link(linkName)) != nil { throw TriggerStore.Failure.duplicateLink(linkName) }
        let heads = try Mirror(link: link, home: home).update()
        try triggers.add(link, heads: heads)
        let watched = branch.map { "branch \($0)" } ?? "every branch and tag"
        print("linked \(linkName): \(location), \(watched), " + (poll > 0 ? "fetched every \(poll) s" : "webhooks only")
              + (secret == nil ? "" : ", webhooks verified with \(secret!)"))
        print("mirror \(home)/mirrors/\(linkName).git at \(heads.count) refs; start `wf daemon` to run workflows on pushes")
    }

    private func absolute(_ path: String) -> String { URL(fileURLWithPath: path).standardized.path }
}
