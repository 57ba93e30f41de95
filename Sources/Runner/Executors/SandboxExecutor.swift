import Foundation
import Workflows

/// Runs a step on this machine's own system: in a bubblewrap sandbox (the system read-only,
/// `/inputs/NAME` read-only, `/outputs/NAME` writable, a private `/tmp`, no network unless
/// asked, its own process tree, killed when wf dies or the timeout passes), or, with
/// `--no-sandbox`, directly, with `INPUTS_DIR` and `OUTPUTS_DIR` set instead of the mounts.
/// The image a step names is recorded, not run.
struct SandboxExecutor: StepExecutor {
    /// false: `--no-sandbox`.
    let sandboxed: Bool

    var description: String { sandboxed ? "bubblewrap" : "no sandbox" }

    static var bwrapPath: String? {
        ["/usr/bin/bwrap", "/bin/bwrap", "/usr/local/bin/bwrap"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    func execute(_ request: ExecutionRequest, log: JobLog) throws -> ExecutionReport {
        let command = request.command
        guard !command.isEmpty else {
            throw RunError.unsupported(job: request.job, detail: "container@v1 needs with: command or args here: without a container runtime the image's entry point is not known (use --runtime podman)")
        }
        if let image = request.image {
            log.line("image \(image) is recorded, not run: the step runs on this machine's system\(sandboxed ? " in a bubblewrap sandbox" : "")")
        }
        let process = Process()
        var group: ResourceGroup?
        defer { group?.remove() }
        if sandboxed {
            guard let bwrap = SandboxExecutor.bwrapPath else {
                throw RunError.unsupported(job: request.job, detail: "the step runs in a bubblewrap sandbox, and bwrap is missing; install it (apt-get install bubblewrap), use a container runtime (--runtime podman), or pass --no-sandbox to run steps unconfined")
            }
            let limits = request.limits.over(.executorDefaults)
            var bounded = [bwrap] + (try sandboxArguments(request, tmpSize: limits.tmpSize!)) + command
            // Processes and memory in a cgroup when wf may make one (as root); otherwise, and
            // for file size always, rlimits set by util-linux's prlimit just before bwrap starts.
            group = ResourceGroup.make(name: "\(request.run)-\(request.job)", processes: limits.processes!, memory: limits.memory!)
            var rlimits = ["--fsize=\(limits.fileSize!)"]
            if group == nil { rlimits += ["--nproc=\(limits.processes!)", "--as=\(limits.memory!)"] }
            bounded = ["/usr/bin/prlimit"] + rlimits + ["--"] + bounded
            if let group { bounded = group.wrapping(bounded) }
            log.line("limits: \(limits.summary)" + (group == nil ? " (memory as address space, processes per user: no cgroup here)" : ""))
            process.executableURL = URL(fileURLWithPath: bounded[0])
            process.arguments = Array(bounded.dropFirst())
            // The environment goes through bwrap's own, not its arguments, so secret values
            // never show in the process list.
            process.environment = ["PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": "/tmp"].merging(request.environment) { $1 }
        } else {
            log.line("running without a sandbox (--no-sandbox): the script sees and can change this machine")
            // $INPUTS_DIR/NAME for every input, including other jobs' outputs kept in their own folders.
            let inputsFolder = "\(request.workspace)/inputs"
            try FileManager.default.createDirectory(atPath: inputsFolder, withIntermediateDirectories: true)
            for (name, path) in request.inputs where path != "\(inputsFolder)/\(name)" {
                try FileManager.default.createSymbolicLink(atPath: "\(inputsFolder)/\(name)", withDestinationPath: path)
            }
            process.executableURL = URL(fileURLWithPath: command[0])
            process.arguments = Array(command.dropFirst())
            process.currentDirectoryURL = URL(fileURLWithPath: request.workspace)
            var environment = ["PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": request.workspace,
                               "INPUTS_DIR": "\(request.workspace)/inputs", "OUTPUTS_DIR": "\(request.workspace)/outputs"]
            environment.merge(request.environment) { $1 }
            process.environment = environment
        }
        let sandboxed = self.sandboxed
        let result = try LoggedProcess.run(process, log: log, timeout: request.timeout, cancellation: request.cancellation) {
            guard process.isRunning else { return }
            // bwrap's --unshare-pid takes the sandbox's processes with it. Unsandboxed, the step
            // leads its own process group (Foundation starts children so), and the group goes.
            if !sandboxed { kill(-process.processIdentifier, SIGKILL) }
            kill(process.processIdentifier, SIGKILL)
        }
        if result.cancelled { throw RunError.cancelled(job: request.job) }
        if result.timedOut {
            throw RunError.failed(job: request.job, detail: "killed after \(Int(request.timeout)) s (the step timeout); see \(log.path)")
        }
        guard result.status == 0 else {
            throw RunError.failed(job: request.job, detail: "the script exited with status \(result.status); see \(log.path)")
        }
        return ExecutionReport(imageDigest: nil, executor: description)
    }

    /// bubblewrap's arguments: a fresh namespace of everything (the network too, unless
    /// asked), no capabilities, the system read-only with a minimal /etc (`SandboxEtc`), a
    /// /tmp of `tmpSize` bytes, the inputs read-only and the outputs writable at
    /// /inputs/NAME and /outputs/NAME.
    func sandboxArguments(_ request: ExecutionRequest, tmpSize: Int64) throws -> [String] {
        var arguments = ["--unshare-all", "--die-with-parent", "--new-session", "--cap-drop", "ALL", "--dev", "/dev", "--proc", "/proc",
                         "--size", "\(tmpSize)", "--tmpfs", "/tmp", "--ro-bind", "/usr", "/usr"]
        arguments += try SandboxEtc.arguments(folder: "\(request.workspace)/etc", network: request.network)
        arguments += ["--dir", "/inputs", "--dir", "/outputs", "--chdir", "/tmp"]
        if request.network { arguments.insert("--share-net", at: 1) }
        // Merged-/usr systems link these into /usr; others have them as folders.
        for name in ["bin", "sbin", "lib", "lib32", "lib64"] {
            let path = "/" + name
            if let target = try? FileManager.default.destinationOfSymbolicLink(atPath: path) {
                arguments += ["--symlink", target, path]
            } else if FileManager.default.fileExists(atPath: path) {
                arguments += ["--ro-bind", path, path]
            }
        }
        for (name, path) in request.inputs.sorted(by: { $0.key < $1.key }) { arguments += ["--ro-bind", path, "/inputs/\(name)"] }
        for (name, path) in request.outputs.sorted(by: { $0.key < $1.key }) { arguments += ["--bind", path, "/outputs/\(name)"] }
        return arguments
    }
}
