import Foundation
import Workflows

/// Where a script or container step's process runs (nektos/act's `ExecutionsEnvironment`):
/// bubblewrap on this machine's system (`SandboxExecutor`), a container runtime running the
/// step's image (`ContainerExecutor`), and, later, a cluster. A step describes what to run
/// (`ExecutionRequest`); the executor decides how, streams the output into the job's log,
/// and enforces the timeout.
protocol StepExecutor: Sendable {
    /// For the log: `podman (runc)`, `bubblewrap`, …
    var description: String { get }
    /// Runs the request to the end.
    ///
    /// - Returns: what ran (the image digest, for the run record).
    /// - Throws: `RunError.failed` for a non-zero exit, a timeout or a missing image, each
    ///   naming what to do; `RunError.unsupported` when the request needs what this executor
    ///   lacks.
    func execute(_ request: ExecutionRequest, log: JobLog) throws -> ExecutionReport
}

/// One process to run for a step.
struct ExecutionRequest: Sendable {
    var run: String
    var job: String
    /// The image to run in; nil where the workflow names none.
    var image: String?
    /// Replaces the image's entry point (`container@v1` `command`, or `/bin/sh -e -c` for a script).
    var entrypoint: [String]?
    /// Replaces the image's default arguments (`CMD`).
    var arguments: [String]?
    /// NAME → host path, seen read-only at `/inputs/NAME`.
    var inputs: [String: String]
    /// NAME → host path, seen writable at `/outputs/NAME`.
    var outputs: [String: String]
    /// Given through the environment, never the command line (secrets among them).
    var environment: [String: String]
    /// Steps have no network unless the workflow asks for it.
    var network = false
    var timeout: TimeInterval
    /// GPUs to ask for (a GPU instance type asks for all the runtime has).
    var gpus = false
    /// The job's folder on the host (for executors that run there).
    var workspace: String
    /// `resources: limits:` of the job (or `defaults`); what is not set takes `ResourceLimits.executorDefaults`.
    var limits = ResourceLimits()
    /// Kills the process when the run is cancelled, as the timeout does.
    var cancellation: RunCancellation?

    /// The command as given: entry point then arguments.
    var command: [String] { (entrypoint ?? []) + (arguments ?? []) }
}

extension ResourceLimits {
    /// What a step gets when its workflow sets no limit: the machine's memory, 4,096
    /// processes, 64 GiB per file, 1 GiB of /tmp.
    static var executorDefaults: ResourceLimits {
        ResourceLimits(memory: Int64(clamping: ProcessInfo.processInfo.physicalMemory), processes: 4096, fileSize: 64 << 30, tmpSize: 1 << 30)
    }
}

/// What an executor reports about a finished step.
struct ExecutionReport: Sendable, Equatable {
    /// `sha256:…` of the image that ran, when there was one.
    var imageDigest: String?
    var executor: String
}

/// `--runtime`: which executor runs script and container steps.
public enum RuntimeChoice: String, Sendable, CaseIterable, Codable {
    /// A container runtime that works (Podman, then Docker), else bubblewrap.
    case auto
    case podman
    case docker
    /// bubblewrap on this machine's system; the image is recorded, not run.
    case bwrap
}

/// `--pull`: when a container runtime fetches an image.
public enum PullPolicy: String, Sendable, CaseIterable, Codable {
    case missing, always, never
}

/// A child process whose output goes to a job log, killed when the timeout passes or the run
/// is cancelled.
enum LoggedProcess {
    struct Outcome {
        var status: Int32
        var timedOut: Bool
        var cancelled: Bool
    }

    /// Runs `process` (its pipes are set here), streams its output into `log`, and waits.
    /// On timeout or cancellation `stop` runs (it must make the process end), and the
    /// outcome says which.
    static func run(_ process: Process, log: JobLog, timeout: TimeInterval, cancellation: RunCancellation? = nil,
                    stop: @escaping @Sendable () -> Void) throws -> Outcome {
        let (pipe, exited) = try process.startWithOutput()
        let timedOut = Flag(), cancelled = Flag()
        let timer = DispatchSource.makeTimerSource()
        timer.schedule(deadline: .now() + timeout)
        timer.setEventHandler {
            timedOut.set()
            stop()
        }
        timer.resume()
        defer { timer.cancel() }
        let removeHandler = cancellation?.onCancel {
            cancelled.set()
            stop()
        }
        defer { removeHandler?() }
        while true {
            let chunk = pipe.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            log.write(chunk)
        }
        log.finish()
        exited.wait()
        let status = process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
        return Outcome(status: status, timedOut: timedOut.value, cancelled: cancelled.value)
    }

    final class Flag: @unchecked Sendable {
        private let lock = NSLock()
        private var flag = false
        func set() { lock.withLock { flag = true } }
        var value: Bool { lock.withLock { flag } }
    }
}

extension Process {
    /// Starts the process with standard output and error into one pipe and no input.
    /// - Returns: the pipe, and the semaphore its exit signals.
    func startWithOutput() throws -> (Pipe, DispatchSemaphore) {
        let pipe = Pipe()
        standardOutput = pipe
        standardError = pipe
        standardInput = FileHandle.nullDevice
        let exited = exitSignal()
        try run()
        return (pipe, exited)
    }

    /// A semaphore signalled when the process exits; call before `run()`. Waiting on it
    /// wakes at once, where Foundation's `waitUntilExit` polls every 50 ms on Linux (which
    /// cost each container step several such naps).
    func exitSignal() -> DispatchSemaphore {
        let exited = DispatchSemaphore(value: 0)
        terminationHandler = { _ in exited.signal() }
        return exited
    }
}
