import Foundation
import Workflows

/// `script@v1` and `container@v1`: the job's shell script (or the container's command and
/// args) run in a bubblewrap sandbox: the system read-only, `/inputs/NAME` read-only,
/// `/outputs/NAME` writable, a private `/tmp`, no network, its own process tree, killed when
/// wf dies or the timeout passes. `image:` is recorded, not pulled: the step runs on this
/// machine's system. Output streams to the terminal and to `log.txt` in the job's folder.
/// With `--no-sandbox` the script runs directly, with `INPUTS_DIR` and `OUTPUTS_DIR` set
/// instead of the mounts (and `/inputs/NAME` in the script left to the user).
struct ScriptStep {
    let context: StepContext
    var job: Job { context.job }

    static var sandboxPath: String? {
        ["/usr/bin/bwrap", "/bin/bwrap", "/usr/local/bin/bwrap"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    func run() throws {
        let command = try commandLine()
        if case .literal(let image)? = job.with["image"] {
            context.log.line("image \(image) is recorded, not pulled: the step runs on this machine's system\(context.options.sandbox ? " in a sandbox" : "")")
        }
        let process = Process()
        if context.options.sandbox {
            guard let bwrap = ScriptStep.sandboxPath else {
                throw RunError.unsupported(job: job.name, detail: "\(job.action.rawValue) runs in a bubblewrap sandbox, and bwrap is missing; install it (apt-get install bubblewrap), or pass --no-sandbox to run steps unconfined")
            }
            process.executableURL = URL(fileURLWithPath: bwrap)
            process.arguments = sandboxArguments() + command
            // The environment goes through bwrap's own, not its arguments, so secret values
            // never show in the process list.
            process.environment = ["PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": "/tmp"].merging(context.environment) { $1 }
        } else {
            context.log.line("running without a sandbox (--no-sandbox): the script sees and can change this machine")
            // $INPUTS_DIR/NAME for every input, including other jobs' outputs kept in their own folders.
            let inputsFolder = "\(context.workspace)/inputs"
            try FileManager.default.createDirectory(atPath: inputsFolder, withIntermediateDirectories: true)
            for (name, path) in context.inputs where path != "\(inputsFolder)/\(name)" {
                try FileManager.default.createSymbolicLink(atPath: "\(inputsFolder)/\(name)", withDestinationPath: path)
            }
            process.executableURL = URL(fileURLWithPath: command[0])
            process.arguments = Array(command.dropFirst())
            process.currentDirectoryURL = URL(fileURLWithPath: context.workspace)
            var environment = ["PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": context.workspace,
                               "INPUTS_DIR": "\(context.workspace)/inputs", "OUTPUTS_DIR": "\(context.workspace)/outputs"]
            environment.merge(context.environment) { $1 }
            process.environment = environment
        }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let timeout = context.options.stepTimeout
        let timer = DispatchSource.makeTimerSource()
        timer.schedule(deadline: .now() + timeout)
        let sandboxed = context.options.sandbox
        timer.setEventHandler {
            guard process.isRunning else { return }
            // bwrap's --unshare-pid takes the sandbox's processes with it. Unsandboxed, the step
            // leads its own process group (Foundation starts children so), and the group goes.
            if !sandboxed { kill(-process.processIdentifier, SIGKILL) }
            kill(process.processIdentifier, SIGKILL)
        }
        timer.resume()
        defer { timer.cancel() }
        while true {
            let chunk = pipe.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            context.log.write(chunk)
        }
        context.log.finish()
        process.waitUntilExit()
        if process.terminationReason == .uncaughtSignal {
            throw RunError.failed(job: job.name, detail: "killed after \(Int(timeout)) s (the step timeout); see \(context.log.path)")
        }
        guard process.terminationStatus == 0 else {
            throw RunError.failed(job: job.name, detail: "the script exited with status \(process.terminationStatus); see \(context.log.path)")
        }
    }

    /// bubblewrap's arguments: a fresh namespace of everything, the system read-only, the
    /// inputs read-only and the outputs writable at /inputs/NAME and /outputs/NAME.
    func sandboxArguments() -> [String] {
        var arguments = ["--unshare-all", "--die-with-parent", "--new-session", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp",
                         "--ro-bind", "/usr", "/usr", "--ro-bind", "/etc", "/etc", "--dir", "/inputs", "--dir", "/outputs", "--chdir", "/tmp"]
        // Merged-/usr systems link these into /usr; others have them as folders.
        for name in ["bin", "sbin", "lib", "lib32", "lib64"] {
            let path = "/" + name
            if let target = try? FileManager.default.destinationOfSymbolicLink(atPath: path) {
                arguments += ["--symlink", target, path]
            } else if FileManager.default.fileExists(atPath: path) {
                arguments += ["--ro-bind", path, path]
            }
        }
        for (name, path) in context.inputs.sorted(by: { $0.key < $1.key }) { arguments += ["--ro-bind", path, "/inputs/\(name)"] }
        for (name, path) in context.outputs.sorted(by: { $0.key < $1.key }) { arguments += ["--bind", path, "/outputs/\(name)"] }
        return arguments
    }

    /// `/bin/sh -e -c SCRIPT` for script@v1; COMMAND ARGS… for container@v1.
    func commandLine() throws -> [String] {
        switch job.action {
        case .script:
            guard case .literal(let script)? = job.with["script"] else {
                throw RunError.unsupported(job: job.name, detail: "script@v1 needs with: script")
            }
            return ["/bin/sh", "-e", "-c", script]
        default:
            var command = [String]()
            switch job.with["command"] {
            case .literal(let text)?: command = ["/bin/sh", "-c", text]
            case .list(let items)?: command = items
            default: break
            }
            switch job.with["args"] {
            case .list(let items)?: command += items
            case .literal(let text)?: command += [text]
            default: break
            }
            guard !command.isEmpty else {
                throw RunError.unsupported(job: job.name, detail: "container@v1 needs with: command or args to run (the image's entry point is not known here)")
            }
            return command
        }
    }
}
