import ArgumentParser
import Datasets
import Foundation
import Runner
import S3
#if canImport(Glibc)
import Glibc
#endif

/// Checking a remote's URL as `remote add` and `clone` take it (`StoreAccess` opens it).
enum RemoteStores {
    /// Checks a URL as `remote add` takes it; throws the reason.
    static func check(_ url: String, endpoint: String?, region: String?) throws {
        if url.hasPrefix("s3://") {
            _ = try S3Location(parsing: url)
            _ = try S3Endpoint.resolve(endpoint: endpoint, region: region)
        } else {
            _ = try StoreAccess.folder(url)
            if endpoint != nil || region != nil { throw ValidationError("--endpoint and --region are for s3:// remotes") }
        }
    }
}

/// Progress of a transfer on standard error: bytes, objects, rate; a terminal only.
final class TransferLine: @unchecked Sendable {
    let verb: String
    let enabled: Bool
    let started = Date()
    private let lock = NSLock()
    private var last = Date.distantPast

    init(_ verb: String, enabled: Bool) {
        self.verb = verb
        self.enabled = enabled && isatty(STDERR_FILENO) == 1
    }

    func update(_ progress: TransferProgress) {
        guard enabled else { return }
        let now = Date()
        // At most ten redraws a second, and always the last one.
        let due = lock.withLock {
            guard now.timeIntervalSince(last) >= 0.1 || progress.bytes == progress.totalBytes else { return false }
            last = now
            return true
        }
        guard due else { return }
        let seconds = max(now.timeIntervalSince(started), 0.001)
        let percent = progress.totalBytes > 0 ? Int(Double(progress.bytes) * 100 / Double(progress.totalBytes)) : 100
        Progress.line("\(verb): \(Format.bytes(progress.bytes)) of \(Format.bytes(progress.totalBytes)) (\(percent)%), "
                      + "\(progress.objects) of \(progress.totalObjects) objects, \(Format.bytes(Int64(Double(progress.bytes) / seconds)))/s")
    }

    func finish() { if enabled { Progress.clear() } }
}

struct RemoteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remote",
        abstract: "Name the places versions are pushed to and pulled from: S3 buckets or folders.",
        discussion: """
            A remote holds datasets in the store's own layout (objects and records by their sha256, one small object per dataset head and tag), so only what the other side lacks ever moves.

            Examples:
              wf datasets remote add origin s3://my-bucket/wf
              wf datasets remote add minio s3://datasets --endpoint http://127.0.0.1:9000
              wf datasets remote add share /mnt/team/wf-datasets
              wf datasets remote add team s3://team-data --access-key-secret S3_KEY --secret-key-secret S3_SECRET
              wf datasets remote add shared s3://team-data/wf --store     this home's store lives in the bucket

            S3 credentials come from the environment as the AWS tools take them (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, or AWS_PROFILE with ~/.aws/credentials), or from two wf secrets named with --access-key-secret and --secret-key-secret; AWS_ENDPOINT_URL and AWS_REGION apply when the remote names none. The remote keeps only the secrets' names.
            """,
        subcommands: [Add.self, List.self, Remove.self]
    )

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "add", abstract: "Add a remote.")
        @Argument(help: "Its name.") var name: String
        @Argument(help: "s3://BUCKET/PREFIX, or an absolute folder path.") var url: String
        @Option(help: "The S3 endpoint, for a service other than AWS (MinIO, Ceph, R2): http(s)://HOST[:PORT].") var endpoint: String?
        @Option(help: "The S3 region (default: AWS_REGION, else us-east-1).") var region: String?
        @Option(help: ArgumentHelp("The wf secret holding the access key id (with --secret-key-secret).",
                                   discussion: "Without them, credentials come from the environment as the AWS tools read it.", valueName: "name"))
        var accessKeySecret: String?
        @Option(help: ArgumentHelp("The wf secret holding the secret access key.", valueName: "name")) var secretKeySecret: String?
        @Flag(name: .customLong("store"), help: ArgumentHelp(
            "Make the remote this home's store: commits go to it first, and the local store becomes its cache.",
            discussion: "The local datasets are pushed to it first. Every home whose store is the same remote shares one history per dataset: the daemon, wf run and wf datasets put commit straight to it, and reading commands bring the cache up to it."))
        var isStore = false
        @OptionGroup var store: StoreOptions

        func validate() throws {
            if (accessKeySecret == nil) != (secretKeySecret == nil) { throw ValidationError("give --access-key-secret and --secret-key-secret together") }
            if accessKeySecret != nil && !url.hasPrefix("s3://") { throw ValidationError("credentials are for s3:// remotes") }
        }

        func run() throws {
            try RemoteStores.check(url, endpoint: endpoint, region: region)
            let config = RemoteConfig(name: name, url: url, endpoint: endpoint, region: region, accessKeySecret: accessKeySecret,
                                      secretKeySecret: secretKeySecret, store: isStore ? true : nil)
            let local = try store.openSettings()
            try local.checkNewRemote(config)
            // What this home has goes to the bucket before the bucket becomes the truth.
            if isStore, !(try local.listDatasets().isEmpty) {
                try performTransfer(config, label: "pushing to", verb: "sent", json: false) { remote, progress in
                    try await local.push([], to: remote, progress: progress)
                }
            }
            try local.addRemote(config)
            print("added remote \(name): \(url)" + (endpoint.map { " at \($0)" } ?? "") + (isStore ? "; it is now this home's store" : ""))
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "ls", abstract: "List the remotes.")
        @OptionGroup var store: StoreOptions
        @OptionGroup var output: OutputOptions

        func run() throws {
            let remotes = try store.openSettings().remotes()
            if output.json { return try JSONOutput.print(remotes) }
            if remotes.isEmpty { return print("no remotes: add one with wf datasets remote add NAME s3://BUCKET/PREFIX") }
            var table = Table(headers: ["NAME", "URL", "ENDPOINT", "REGION", "STORE"])
            for remote in remotes {
                table.append([remote.name, remote.url, remote.endpoint ?? "-", remote.region ?? "-", remote.store == true ? "yes" : "-"])
            }
            print(table.render())
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rm", abstract: "Remove a remote (nothing on it is deleted).",
            discussion: "Removing the home's store leaves this home with the versions its cache holds; `wf datasets pull` from another remote of the same bucket brings newer ones.")
        @Argument(help: "Its name.") var name: String
        @OptionGroup var store: StoreOptions

        func run() throws {
            let local = try store.openSettings()
            let wasStore = try local.remotes().first { $0.name == name }?.store == true
            try local.removeRemote(name)
            print("removed remote \(name)" + (wasStore ? "; this home's store is on this disk again" : ""))
        }
    }
}

/// Options every transfer takes.
struct TransferOptions: ParsableArguments {
    @Option(help: "The remote (default: the only one).") var remote: String?
    @OptionGroup var output: OutputOptions
}

/// Opens `config`'s object store, runs `transfer` against it with a progress line (`label`
/// and the remote's name), and prints the outcome: one line per dataset and a summary.
func performTransfer(_ config: RemoteConfig, label: String, verb: String, json: Bool,
                     _ transfer: @escaping @Sendable (any ObjectStore, @escaping @Sendable (TransferProgress) -> Void) async throws -> TransferReport) throws {
    let remote = try StoreAccess.objectStore(config)
    let line = TransferLine("\(label) \(config.name)", enabled: !json)
    let report = try Blocking.wait { try await transfer(remote, line.update) }
    line.finish()
    try printTransfer(report, verb: verb, remote: remote.description, json: json)
}

/// Prints a transfer's outcome: one line per dataset and a summary.
func printTransfer(_ report: TransferReport, verb: String, remote: String, json: Bool) throws {
    if json { return try JSONOutput.print(report) }
    for dataset in report.datasets {
        let head = dataset.head.map { String($0.prefix(12)) } ?? "-"
        print("\(dataset.name): \(dataset.state)" + (dataset.versions > 0 ? " (\(Format.count(dataset.versions, "version")), head \(head))" : " at \(head)"))
    }
    let rate = report.seconds > 0 ? Double(report.bytesSent) / report.seconds : 0
    print("\(verb) \(Format.count(report.objectsSent, "object")) (\(Format.bytes(report.bytesSent)), \(Format.bytes(Int64(rate)))/s) "
          + "and \(Format.count(report.records, "record")) \(verb == "sent" ? "to" : "from") \(remote); "
          + "\(Format.count(report.objectsSkipped, "object")) already there, in \(Format.decimal(report.seconds, places: 2)) s")
}

struct PushCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "push",
        abstract: "Send datasets and their histories to a remote: only what it lacks, heads last.",
        discussion: """
            Objects and records move by their sha256; objects over 64 MiB go to S3 in parts, and an upload cut off (a kill, a lost network) resumes where it stopped when pushed again. Each dataset's head moves only if the remote's is still the one read (S3's conditional writes), so two pushers never lose a version: the later one is told to pull first.

            Examples:
              wf datasets push                      every dataset
              wf datasets push generated-text       one dataset's newest version
              wf datasets push generated-text~2 --remote origin
            """
    )

    @Argument(help: "Datasets (NAME) or versions (a REF); none pushes every dataset.") var targets: [String] = []
    @OptionGroup var transfer: TransferOptions
    @OptionGroup var store: StoreOptions

    func run() throws {
        let local = try store.open(), targets = self.targets
        try performTransfer(try local.remote(transfer.remote), label: "pushing to", verb: "sent", json: transfer.output.json) { remote, progress in
            try await local.push(targets, to: remote, progress: progress)
        }
    }
}

struct PullCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pull",
        abstract: "Bring datasets' new versions from a remote into the local history.",
        discussion: """
            Fetches what the local store lacks (each object checked against its sha256 as it arrives), then moves each dataset's history forward to the remote's head. A dataset whose local history has versions the remote lacks is refused, with nothing changed.

            Examples:
              wf datasets pull                  every dataset on the remote
              wf datasets pull generated-text
            """
    )

    @Argument(help: "Datasets; none pulls every dataset on the remote.") var datasets: [String] = []
    @OptionGroup var transfer: TransferOptions
    @OptionGroup var store: StoreOptions

    func run() throws {
        let local = try store.open(), datasets = self.datasets
        try performTransfer(try local.remote(transfer.remote), label: "pulling from", verb: "received", json: transfer.output.json) { remote, progress in
            try await local.pull(datasets, from: remote, progress: progress)
        }
    }
}

struct FetchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fetch",
        abstract: "Download what the local store lacks of a remote's datasets, without changing the local history.",
        discussion: "Then `wf datasets pull` moves the history forward without downloading again."
    )

    @Argument(help: "Datasets; none fetches every dataset on the remote.") var datasets: [String] = []
    @OptionGroup var transfer: TransferOptions
    @OptionGroup var store: StoreOptions

    func run() throws {
        let local = try store.open(), datasets = self.datasets
        try performTransfer(try local.remote(transfer.remote), label: "fetching from", verb: "received", json: transfer.output.json) { remote, progress in
            try await local.fetch(datasets, from: remote, progress: progress)
        }
    }
}

struct CloneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clone",
        abstract: "Make a store from a remote: add it as `origin` and pull every dataset.",
        discussion: """
            Example:
              wf datasets clone s3://my-bucket/wf --home ~/work/copy
            """
    )

    @Argument(help: "s3://BUCKET/PREFIX, or an absolute folder path.") var url: String
    @Option(help: "The S3 endpoint, for a service other than AWS.") var endpoint: String?
    @Option(help: "The S3 region.") var region: String?
    @OptionGroup var output: OutputOptions
    @OptionGroup var store: StoreOptions

    func run() throws {
        try RemoteStores.check(url, endpoint: endpoint, region: region)
        let local = try store.open()
        guard try local.listDatasets().isEmpty, try local.remotes().isEmpty else {
            throw ValidationError("\(store.resolvedHome) already has datasets or remotes; clone into a new --home, or add the remote and pull")
        }
        let config = RemoteConfig(name: "origin", url: url, endpoint: endpoint, region: region)
        try performTransfer(config, label: "cloning into", verb: "received", json: output.json) { remote, progress in
            try await local.pull([], from: remote, progress: progress)
        }
        // Named once the pull succeeded: a failed clone leaves the home as it was.
        try local.addRemote(config)
    }
}
