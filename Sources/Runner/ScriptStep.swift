import Foundation
import Workflows

/// `script@v1` and `container@v1`: the job's shell script (or the container's command and
/// args) run in a bubblewrap sandbox: the system read-only, `/inputs/NAME` read-only,
/// `/outputs/NAME` writable, a private `/tmp`, no network, its own process tree, killed when
/// wf dies or the timeout passes. `image:` is recorded, not pulled: the step runs on this
/// machine's system. Output streams to the terminal and to `log.txt` in the job's folder.
struct ScriptStep {
    let job: Job
    let inputs: [String: String]
    let outputs: [String: String]
    let environment: [String: String]
    let workspace: String
    let timeout: TimeInterval
    let log: (String) -> Void

    static var sandboxPath: String? {
        ["/usr/bin/bwrap", "/bin/bwrap", "/usr/local/bin/bwrap"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    func run() throws {
        guard let bwrap = ScriptStep.sandboxPath else {
            throw RunError.unsupported(job: job.name, detail: "\(job.action.rawValue) runs in a bubblewrap sandbox, and bwrap is missing; install it (apt-get install bubblewrap)")
        }
        let command = try commandLine()
        if case .literal(let image)? = job.with["image"] {
            log("  image \(image) is recorded, not pulled: the step runs on this machine's system in a sandbox")
        }
        var arguments = ["--unshare-all", "--die-with-parent", "--new-session", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp",
                         "--ro-bind", "/usr", "/usr", "--ro-bind", "/etc", "/etc", "--dir", "/inputs", "--dir", "/outputs", "--chdir", "/tmp",
                         "--clearenv", "--setenv", "PATH", "/usr/local/bin:/usr/bin:/bin", "--setenv", "HOME", "/tmp"]
        // Merged-/usr systems link these into /usr; others have them as folders.
        for name in ["bin", "sbin", "lib", "lib32", "lib64"] {
            let path = "/" + name
            if let target = try? FileManager.default.destinationOfSymbolicLink(atPath: path) {
                arguments += ["--symlink", target, path]
            } else if FileManager.default.fileExists(atPath: path) {
                arguments += ["--ro-bind", path, path]
            }
        }
        for (name, folder) in inputs.sorted(by: { $0.key < $1.key }) { arguments += ["--ro-bind", folder, "/inputs/\(name)"] }
        for (name, folder) in outputs.sorted(by: { $0.key < $1.key }) { arguments += ["--bind", folder, "/outputs/\(name)"] }
        for (key, value) in environment.sorted(by: { $0.key < $1.key }) { arguments += ["--setenv", key, value] }
        arguments += command

        try FileManager.default.createDirectory(atPath: workspace, withIntermediateDirectories: true)
        let logPath = "\(workspace)/log.txt"
        FileManager.default.createFile(atPath: logPath, contents: nil)
        let logFile = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        defer { try? logFile.close() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: bwrap)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let deadline = DispatchTime.now() + timeout
        let timer = DispatchSource.makeTimerSource()
        timer.schedule(deadline: deadline)
        timer.setEventHandler { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        timer.resume()
        defer { timer.cancel() }
        let prefix = Data("  [\(job.name)] ".utf8)
        var pending = Data()
        while true {
            let chunk = pipe.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            logFile.write(chunk)
            pending.append(chunk)
            while let newline = pending.firstIndex(of: 0x0A) {
                FileHandle.standardError.write(prefix + pending[pending.startIndex...newline])
                pending.removeSubrange(pending.startIndex...newline)
            }
        }
        if !pending.isEmpty { FileHandle.standardError.write(prefix + pending + Data("\n".utf8)) }
        process.waitUntilExit()
        if process.terminationReason == .uncaughtSignal {
            throw RunError.failed(job: job.name, detail: "killed after \(Int(timeout)) s (the step timeout); see \(logPath)")
        }
        guard process.terminationStatus == 0 else {
            throw RunError.failed(job: job.name, detail: "the script exited with status \(process.terminationStatus); see \(logPath)")
        }
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
