import Foundation
import Workflows

/// Runs a step in its image with Podman or Docker: `/inputs/NAME` mounted read-only,
/// `/outputs/NAME` writable, the job's environment and secrets passed by name (`--env NAME`,
/// the value in the runtime's own environment, never its arguments), no network unless
/// asked, GPUs for a GPU instance type where the runtime has them, and the timeout. The
/// image is pulled by `pull` policy first (its progress in the log), and the id of the image
/// that ran is reported for the run record.
///
/// Containers carry labels (`wf.run`, `wf.job`, `wf.pid`): a timeout removes the step's
/// container, and `removeOrphans()` removes those whose wf process is gone (a wf killed with
/// SIGKILL), which every run and the daemon do when they start.
struct ContainerExecutor: StepExecutor {
    let runtime: ContainerRuntime
    let pull: PullPolicy
    /// A folder holding `config.json` with registry credentials (`--registry-auth`), or nil.
    var registryConfig: String? = nil

    var description: String { "\(runtime.kind.rawValue)\(runtime.ociRuntime.isEmpty ? "" : " (\(runtime.ociRuntime))")" }

    func execute(_ request: ExecutionRequest, log: JobLog) throws -> ExecutionReport {
        guard let image = request.image else {
            throw RunError.unsupported(job: request.job, detail: "the step names no image; add with: image, or run it with --runtime bwrap")
        }
        let imageID = try ensureImage(image, job: request.job, log: log)
        let name = ContainerExecutor.containerName(run: request.run, job: request.job)
        // A leftover of an earlier attempt of this run goes (Podman's --replace; Docker needs a call).
        if runtime.kind == .docker { _ = try? runtime.call(["rm", "--force", "--time", "0", name]) }
        // No --init (it costs each step ~30 ms): wf never asks a container to stop politely, it
        // removes it with `rm --force --time 0`, which kills at once whatever PID 1 is.
        var arguments = ["run", "--rm", "--name", name, "--pull", "never",
                         "--label", "wf.run=\(request.run)", "--label", "wf.job=\(request.job)", "--label", "wf.pid=\(getpid())",
                         "--network", request.network ? "bridge" : "none", "--workdir", "/"]
        for (name, path) in request.inputs.sorted(by: { $0.key < $1.key }) { arguments += ["--volume", "\(path):/inputs/\(name):ro"] }
        for (name, path) in request.outputs.sorted(by: { $0.key < $1.key }) { arguments += ["--volume", "\(path):/outputs/\(name):rw"] }
        for name in request.environment.keys.sorted() { arguments.append("--env=\(name)") }
        // The runtime's cgroup bounds memory and processes; /tmp is a sized tmpfs. A file-size
        // rlimit only when the job sets one: some hosts refuse any --ulimit (runc's "error
        // setting rlimit ... operation not permitted").
        let limits = request.limits.over(.executorDefaults)
        arguments += ["--memory", "\(limits.memory!)", "--pids-limit", "\(limits.processes!)", "--tmpfs", "/tmp:rw,size=\(limits.tmpSize!)"]
        if let fileSize = request.limits.fileSize { arguments += ["--ulimit", "fsize=\(fileSize):\(fileSize)"] }
        if request.gpus {
            // Podman reaches NVIDIA GPUs through CDI specs; Docker through its --gpus flag and the NVIDIA runtime.
            if runtime.kind == .podman && ContainerExecutor.hasCDIGPUs {
                arguments += ["--device", "nvidia.com/gpu=all"]
            } else if runtime.kind == .docker && FileManager.default.fileExists(atPath: "/dev/nvidia0") {
                arguments += ["--gpus", "all"]
            } else {
                log.line("the instance type asks for a GPU and \(runtime.kind.rawValue) has none here: the step runs on the CPU")
            }
        }
        if let entrypoint = request.entrypoint {
            let json = try JSONSerialization.data(withJSONObject: entrypoint)
            arguments += ["--entrypoint", String(decoding: json, as: UTF8.self)]
        }
        if runtime.kind == .podman { arguments.append("--replace") }
        arguments.append(image)
        arguments += request.arguments ?? []
        log.line("running in \(image) (\(imageID.map { String($0.prefix(19)) } ?? "id unknown")) with \(description)")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: runtime.path)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(request.environment) { $1 }
        let runtime = self.runtime
        let result = try LoggedProcess.run(process, log: log, timeout: request.timeout, cancellation: request.cancellation) {
            _ = try? runtime.call(["rm", "--force", "--time", "0", name])
        }
        // `--rm` removes the container when it ends; make sure when something else ended it.
        if result.status != 0 { _ = try? runtime.call(["rm", "--force", "--time", "0", name]) }
        if result.cancelled { throw RunError.cancelled(job: request.job) }
        if result.timedOut {
            throw RunError.failed(job: request.job, detail: "killed after \(Int(request.timeout)) s (the step timeout), and its container removed; see \(log.path)")
        }
        switch result.status {
        case 0: break
        case 125:
            throw RunError.failed(job: request.job, detail: "\(runtime.kind.rawValue) could not start the container (status 125); see \(log.path)")
        case 126, 127:
            throw RunError.failed(job: request.job, detail: "the command could not run in \(image) (status \(result.status): not executable or not found); see \(log.path)")
        default:
            throw RunError.failed(job: request.job, detail: "the step exited with status \(result.status) in \(image); see \(log.path)")
        }
        return ExecutionReport(imageDigest: imageID, executor: description)
    }

    /// Pulls `image` as the policy says, its progress into the log; returns the image's id.
    func ensureImage(_ image: String, job: String, log: JobLog) throws -> String? {
        let present = runtime.imageID(image)
        switch pull {
        case .never where present == nil:
            throw RunError.failed(job: job, detail: "image \(image) is not on this machine and --pull never forbids fetching it; pull it (\(runtime.kind.rawValue) pull \(image)) or build it")
        case .missing where present != nil, .never:
            return present
        default:
            log.line("pulling \(image)")
            let process = Process()
            process.executableURL = URL(fileURLWithPath: runtime.path)
            var arguments = ["pull", image]
            if let registryConfig {
                // Podman takes the file; Docker the folder that holds config.json.
                arguments = runtime.kind == .podman ? ["pull", "--authfile", "\(registryConfig)/config.json", image]
                                                    : ["--config", registryConfig, "pull", image]
            }
            process.arguments = arguments
            let result = try LoggedProcess.run(process, log: log, timeout: 3600) { process.terminate() }
            guard result.status == 0 else {
                throw RunError.failed(job: job, detail: "cannot pull image \(image) (\(runtime.kind.rawValue) pull exited with \(result.status)); check its name and registry, log in for a private one, or build it locally; see \(log.path)")
            }
            return runtime.imageID(image)
        }
    }

    /// `wf-RUN-JOB`: unique per run and job, and a valid container name.
    static func containerName(run: String, job: String) -> String {
        let name = "wf-\(run)-\(job)"
        return String(name.map { $0.isASCII && ($0.isLetter || $0.isNumber || "_.-".contains($0)) ? $0 : "-" })
    }

    /// `removeOrphans` beside the run's own work: it touches only containers whose wf is gone.
    static func removeOrphansSoon(_ runtime: ContainerRuntime, group: DispatchGroup) {
        DispatchQueue.global(qos: .utility).async(group: group) { removeOrphans(runtime) }
    }

    /// Removes containers wf started from processes that are gone. Returns their names.
    @discardableResult
    static func removeOrphans(_ runtime: ContainerRuntime) -> [String] {
        guard let listing = try? runtime.call(["ps", "--all", "--filter", "label=wf.pid", "--format", "{{.Names}} {{index .Labels \"wf.pid\"}}"]),
              listing.status == 0 else { return [] }
        var removed = [String]()
        for line in listing.output.split(separator: "\n") {
            let parts = line.split(separator: " ")
            guard parts.count == 2, let pid = Int32(parts[1]), pid > 0 else { continue }
            if kill(pid, 0) == 0 || errno == EPERM { continue }  // its wf is alive
            if (try? runtime.call(["rm", "--force", "--time", "0", String(parts[0])]))?.status == 0 { removed.append(String(parts[0])) }
        }
        return removed
    }

    /// A CDI specification of NVIDIA GPUs (`nvidia-ctk cdi generate`), which `--device nvidia.com/gpu=all` needs.
    static var hasCDIGPUs: Bool {
        ["/etc/cdi", "/var/run/cdi"].contains { folder in
            ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).contains { $0.hasPrefix("nvidia") }
        }
    }
}

/// Stopping `wf run` (SIGTERM, Ctrl-C) must not leave its steps' containers running: the
/// container runtime keeps a container alive after the client that started it dies.
public enum ContainerCleanup {
    /// Installs SIGTERM and SIGINT handlers that remove this process's containers, then let
    /// the signal take its default course (wf dies; the run record reads `interrupted`).
    public static func removeContainersOnSignals() {
        for number in [SIGTERM, SIGINT] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                let message = "\nwf: \(number == SIGINT ? "interrupted" : "terminated"); nothing is committed, and the run reads interrupted in `wf runs`\n"
                FileHandle.standardError.write(Data(message.utf8))
                for cleanup in SlurmEngine.signalCleanups { cleanup() }
                removeContainers(of: getpid())
                signal(number, SIG_DFL)
                kill(getpid(), number)
            }
            source.resume()
            sources.append(source)
        }
    }

    nonisolated(unsafe) private static var sources = [DispatchSourceSignal]()

    /// Removes, with every runtime that works here, the containers `pid` started.
    static func removeContainers(of pid: Int32) {
        for kind in [ContainerRuntime.Kind.podman, .docker] {
            guard let path = Tool.find(kind.rawValue) else { continue }
            let runtime = ContainerRuntime(kind: kind, path: path)
            guard let listing = try? runtime.call(["ps", "--all", "--quiet", "--filter", "label=wf.pid=\(pid)"]), listing.status == 0 else { continue }
            let ids = listing.output.split(separator: "\n").map(String.init)
            if !ids.isEmpty { _ = try? runtime.call(["rm", "--force", "--time", "0"] + ids) }
        }
    }
}
