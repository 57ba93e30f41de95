import ArgumentParser
import Datasets
import Foundation
import Logging
import Runner
import Server
import ServiceLifecycle
import TextGeneration
import Triggers

struct DaemonCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "daemon",
        abstract: "Run workflows when linked repositories change: poll their mirrors, take webhooks, work the queue.",
        discussion: """
            Each link is fetched on its --poll interval (±10% jitter; after a failure the wait doubles, up to 10 minutes; a failing remote is logged and retried, never fatal). With --listen, webhooks arrive at POST /hooks/github, /hooks/gitea and /hooks/gitlab, verified with the link's webhook secret (401 otherwise; 413 over 1 MiB; 400 for malformed JSON); a push is fetched and queued at once.

            The queue runs one run at a time, in order. Each (link, commit, workflow) runs once, whoever reports it. The queue lives in the index: a daemon killed and started again retries a run it cut off (once) and repeats nothing finished. SIGTERM or Ctrl-C stops polling and listening, lets the current run finish, then exits.

            Example: wf daemon --home /srv/wf --listen 127.0.0.1:8080
            """
    )

    @Option(help: ArgumentHelp("Take webhooks on this address (port 0 picks a free one; the daemon prints it).", valueName: "host:port"))
    var listen: String?

    @Option(parsing: .unconditional, help: "Compute threads for in-process steps.")
    var threads = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: ArgumentHelp("Where script and container steps run: auto, podman, docker or bwrap.", valueName: "runtime"))
    var runtime: RuntimeChoice = .auto

    @Option(help: ArgumentHelp("When to pull a step's image: missing, always or never.", valueName: "policy"))
    var pull: PullPolicy = .missing

    @Option(name: .customLong("model"), help: ArgumentHelp("Map a model id that settings name to a local model folder, for every link (repeatable; a link's own --model wins).", valueName: "id=path"))
    var models: [String] = []

    @Option(help: ArgumentHelp("Pull private images with the registry credentials in this secret (a docker/podman config.json).", valueName: "secret"))
    var registryAuth: String?

    @Option(name: .customLong("max-connections"), parsing: .unconditional, help: "With --listen: HTTP connections served at once; more wait until one closes.")
    var maxConnections = 256

    @Option(name: .customLong("idle-timeout"), parsing: .unconditional, help: ArgumentHelp("With --listen: close a connection idle this long.", valueName: "seconds"))
    var idleTimeout: Double = 60

    @Option(name: .customLong("header-timeout"), parsing: .unconditional, help: ArgumentHelp("With --listen: close a connection whose request head has not arrived in full after this long.", valueName: "seconds"))
    var headerTimeout: Double = 10

    @Option(name: .customLong("body-timeout"), parsing: .unconditional, help: ArgumentHelp("With --listen: close a connection whose request body has not arrived in full this long after its head.", valueName: "seconds"))
    var bodyTimeout: Double = 60

    @Option(name: .customLong("serve-model"), help: ArgumentHelp("With --listen: also serve this model (wf serve's routes: /v1/completions, /v1/models, /, /metrics).", valueName: "model"))
    var serveModel: String?

    @Option(parsing: .unconditional, help: "With --serve-model: sequences decoded side by side.")
    var parallel = 4

    @Option(parsing: .unconditional, help: "With --serve-model: requests that may wait for a slot.")
    var queue = 16

    @Option(name: .customLong("api-key-env"), help: ArgumentHelp("With --serve-model: require this variable's value as a bearer token for generation.", valueName: "variable"))
    var apiKeyEnv: String?

    @OptionGroup var engine: EngineOptions

    @OptionGroup var store: StoreOptions

    func validate() throws {
        if serveModel != nil && listen == nil { throw ValidationError("--serve-model needs --listen") }
        guard maxConnections >= 1 else { throw ValidationError("--max-connections must be 1 or more") }
        guard idleTimeout > 0, headerTimeout > 0, bodyTimeout > 0 else {
            throw ValidationError("--idle-timeout, --header-timeout and --body-timeout are seconds: more than 0")
        }
    }

    func run() throws {
        let home = store.resolvedHome
        let openFiles = Self.raiseOpenFileLimit()
        let lock = try Self.lockHome(home)
        defer { close(lock) }
        let daemon = try Daemon(home: home, defaultModel: DefaultModel.folder) { Console.error(Self.stamp() + $0) }
        daemon.runOptions.runtime = runtime
        daemon.runOptions.computeThreads = threads
        daemon.runOptions.pull = pull
        daemon.runOptions.models = try ModelMapping.parse(models)
        daemon.runOptions.registryAuthSecret = registryAuth
        daemon.runOptions.engine = engine.engine()
        let recovered = try daemon.triggers.recoverInterrupted()
        for item in recovered.retried { Console.error(Self.stamp() + "\(item.link): \(item.workflow) at \(item.commit.prefix(12)) was cut off; running it again") }
        for item in recovered.abandoned { Console.error(Self.stamp() + "\(item.link): \(item.workflow) at \(item.commit.prefix(12)) was cut off twice; not retried") }
        let links = try daemon.triggers.links()
        Console.error(Self.stamp() + "wf daemon in \(home): \(Format.count(links.count, "link")) (\(links.map(\.link.name).joined(separator: ", ")))")

        // The poller, the queue worker, and with --listen the HTTP server (and with
        // --serve-model the generation engine) are Services of one ServiceGroup: started
        // together, and on SIGTERM or SIGINT stopped together in reverse order, the server
        // first (requests in flight are answered), the worker last (its current run finishes).
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: LoopService(name: "poller", loop: daemon.pollLoop, stop: daemon.stopPollLoop)),
            .init(service: LoopService(name: "worker", loop: daemon.workLoop, stop: {
                Console.error(Self.stamp() + "stopping: the current run (if any) finishes first")
                daemon.stopWorkLoop()
            })),
        ]
        if let listen {
            let (host, port) = try Self.address(listen)
            // Connections stay well inside the open-file limit: runs, git and SQLite need descriptors too.
            let limits = HTTPLimits(maxConnections: min(maxConnections, max(1, openFiles / 2)), idleTimeout: .milliseconds(Int64(idleTimeout * 1000)),
                                    headerTimeout: .milliseconds(Int64(headerTimeout * 1000)), bodyTimeout: .milliseconds(Int64(bodyTimeout * 1000)))
            let apiKey = try ServeCommand.apiKey(environment: apiKeyEnv, file: nil)
            let generation = serveModel.map {
                ServeCommand.routes(model: $0, id: nil, parallel: parallel, queue: queue, context: nil, threads: threads,
                                    apiKey: apiKey, requestTimeout: 300)
            }
            if let generation { services.append(.init(service: generation.engine.service)) }
            services.append(.init(service: try WebhookServer(daemon: daemon, host: host, port: port, limits: limits, generation: generation, apiKey: apiKey).application { bound in
                // Tests and benchmarks read this line to find a port chosen with :0.
                Console.error(Self.stamp() + "listening on http://\(host):\(bound)")
            }))
        }
        var logger = Logger(label: "wf.daemon")
        logger.logLevel = .critical
        let group = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            try Blocking.wait { try await group.run() }
        } catch {
            Console.error(Self.stamp() + "cannot take webhooks on \(listen ?? "?"): \(error); stopping")
            Console.error(Self.stamp() + "stopped")
            throw ExitCode.failure
        }
        Console.error(Self.stamp() + "stopped")
    }

    /// Raises the soft limit on open files to the hard one (Linux starts processes at 1,024)
    /// and returns it.
    static func raiseOpenFileLimit() -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 1024 }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = min(limit.rlim_max, 1 << 20)
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { limit = raised }
        }
        return Int(clamping: limit.rlim_cur)
    }

    /// One daemon per home: two would fetch the same mirrors and race for the same queue.
    /// The lock is an flock, so it goes with the process however it ends.
    static func lockHome(_ home: String) throws -> Int32 {
        try FileManager.default.createDirectory(atPath: "\(home)/daemon", withIntermediateDirectories: true)
        let path = "\(home)/daemon/lock"
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw ValidationError("cannot open \(path): \(String(cString: strerror(errno)))") }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let holder = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "?"
            close(descriptor)
            throw ValidationError("another wf daemon (pid \(holder)) runs on \(home); stop it first, or give this one another --home")
        }
        ftruncate(descriptor, 0)
        let pid = "\(getpid())\n"
        _ = pid.withCString { write(descriptor, $0, strlen($0)) }
        return descriptor
    }

    static func address(_ text: String) throws -> (String, Int) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else {
            throw ValidationError("--listen \(text): write HOST:PORT, such as 127.0.0.1:8080")
        }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }  // [::1]:8080
        return (host, port)
    }

    nonisolated(unsafe) static let stampFormat: DateFormatter = {
        let formatter = DateFormatter()
        formatter.dateFormat = "HH:mm:ss.SSS "
        return formatter
    }()

    /// The time at the start of each daemon log line (DateFormatter is thread-safe for formatting).
    static func stamp() -> String { stampFormat.string(from: Date()) }
}
