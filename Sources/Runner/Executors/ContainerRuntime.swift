import Foundation

/// A container runtime's command line: Podman, or Docker (whose CLI Podman copies). Every
/// call goes through the binary, as a user would type it, so what wf runs can be repeated by
/// hand and no socket or API version is assumed.
struct ContainerRuntime: Sendable, Equatable {
    enum Kind: String, Sendable { case podman, docker }
    let kind: Kind
    let path: String
    /// The OCI runtime underneath (runc, crun), for the log.
    var ociRuntime = ""

    /// The runtime of `kind` when its binary is on PATH and answers `info` (`verify`: it can
    /// run containers, ~0.1 s) or `version` (it starts, ~0.02 s: when the user named the
    /// runtime, a failure to run shows in the step's log anyway); nil otherwise.
    static func find(_ kind: Kind, verify: Bool = true, environment: [String: String] = ProcessInfo.processInfo.environment) -> ContainerRuntime? {
        guard let path = Tool.find(kind.rawValue, environment: environment) else { return nil }
        var runtime = ContainerRuntime(kind: kind, path: path)
        guard verify || kind == .docker else {  // docker's client answers `version` with no engine behind it
            guard let version = try? runtime.call(["version", "--format", "{{.Client.Version}}"]), version.status == 0 else { return nil }
            return runtime
        }
        let format = kind == .podman ? "{{.Host.OCIRuntime.Name}}" : "{{.DefaultRuntime}}"
        guard let info = try? runtime.call(["info", "--format", format]), info.status == 0 else { return nil }
        runtime.ociRuntime = info.output.trimmingCharacters(in: .whitespacesAndNewlines)
        return runtime
    }

    /// Why `find` found nothing, for the error a user sees.
    static func absence(_ kind: Kind) -> String {
        let installed = Tool.find(kind.rawValue) != nil
        switch kind {
        case .podman:
            return installed ? "podman is installed but cannot run containers here (`podman info` fails); run `podman info` to see why"
                             : "podman is not installed; install it (apt-get install podman runc), or use --runtime bwrap"
        case .docker:
            return installed ? "docker is installed but no Docker engine answers (`docker info` fails); start the engine, or use --runtime podman"
                             : "docker is not installed; use --runtime podman or --runtime bwrap"
        }
    }

    /// Runs the runtime with `arguments`; output captured.
    func call(_ arguments: [String], environment: [String: String]? = nil) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        if let environment { process.environment = environment }
        let (pipe, exited) = try process.startWithOutput()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        exited.wait()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// `sha256:…` of a local image (its id: the digest of its configuration, which stays the
    /// same across a push and a pull, unlike the registry's manifest digest), or nil when the
    /// runtime has no such image.
    func imageID(_ image: String) -> String? {
        guard let result = try? call(["image", "inspect", "--format", "{{.Id}}", image]), result.status == 0 else { return nil }
        let id = result.output.trimmingCharacters(in: .whitespacesAndNewlines)
        return id.hasPrefix("sha256:") ? id : "sha256:" + id
    }
}
