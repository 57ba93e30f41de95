import Foundation

/// The executors of one run's script and container steps, picked from `--runtime` once:
/// with `auto`, a step that names an image runs in it when Podman or Docker works, and in
/// bubblewrap on this machine's system otherwise (the log says so once); a step without an
/// image runs in bubblewrap. `--no-sandbox` runs every step directly on this machine.
struct ExecutorSelection: Sendable {
    let container: (any StepExecutor)?
    let host: any StepExecutor
    /// Said once, in the log of the first step it concerns (`takeNote`).
    private let note: String?
    private let noteTaken = Once()
    let choice: RuntimeChoice
    /// The sweep of orphaned containers, which runs beside the run's first steps.
    private let sweep = DispatchGroup()

    /// Waits for the sweep (call when the run ends, so the process does not cut it off).
    func finish() { sweep.wait() }

    /// - Throws: `RunError.badInput` when the runtime asked for by name cannot run containers.
    /// `registryConfig`: a folder holding the registry credentials (`config.json`) for pulls.
    init(_ choice: RuntimeChoice, pull: PullPolicy, sandbox: Bool, registryConfig: String? = nil) throws {
        self.choice = choice
        host = SandboxExecutor(sandboxed: sandbox)
        switch choice {
        case .bwrap:
            container = nil
            note = nil
        case .podman, .docker:
            let kind: ContainerRuntime.Kind = choice == .podman ? .podman : .docker
            guard let runtime = ContainerRuntime.find(kind, verify: false) else {
                throw RunError.badInput(name: "--runtime \(choice.rawValue)", detail: ContainerRuntime.absence(kind))
            }
            ContainerExecutor.removeOrphansSoon(runtime, group: sweep)
            container = ContainerExecutor(runtime: runtime, pull: pull, registryConfig: registryConfig)
            note = nil
        case .auto:
            let runtime = sandbox ? ContainerRuntime.find(.podman) ?? ContainerRuntime.find(.docker) : nil
            if let runtime { ContainerExecutor.removeOrphansSoon(runtime, group: sweep) }
            container = runtime.map { ContainerExecutor(runtime: $0, pull: pull, registryConfig: registryConfig) }
            note = runtime == nil && sandbox
                ? "no container runtime works here (podman, docker): steps run on this machine's system in bubblewrap, and their images are recorded, not run"
                : nil
        }
    }

    /// The note, the first time only.
    func takeNote() -> String? { noteTaken.first() ? note : nil }

    final class Once: @unchecked Sendable {
        private let lock = NSLock()
        private var done = false
        func first() -> Bool { lock.withLock { defer { done = true }; return !done } }
    }

    /// The executor for a step that names `image` (or none).
    func executor(for image: String?, job: String) throws -> any StepExecutor {
        guard image != nil, let container else {
            if image == nil, choice == .podman || choice == .docker {
                throw RunError.unsupported(job: job, detail: "the step names no image for --runtime \(choice.rawValue) to run; add with: image, or use --runtime auto")
            }
            return host
        }
        return container
    }
}
