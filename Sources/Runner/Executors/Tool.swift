import Foundation

/// Programs wf drives through their command line (podman, docker, sbatch, squeue, tar), found
/// on PATH as a shell would find them.
enum Tool {
    /// The first executable `name` in PATH's folders, or nil.
    static func find(_ name: String, environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        let folders = (environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":")
        return folders.map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Runs `path` with `arguments` to its end, standard output and error captured apart.
    /// Both pipes are read at once: a program that fills one while wf waits on the other would hang.
    static func run(_ path: String, _ arguments: [String]) throws -> (status: Int32, output: String, error: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let output = Pipe(), error = Pipe()
        process.standardOutput = output
        process.standardError = error
        process.standardInput = FileHandle.nullDevice
        let exited = process.exitSignal()
        try process.run()
        let errorText = Captured()
        let reader = Thread { errorText.set(error.fileHandleForReading.readDataToEndOfFile()) }
        reader.start()
        let out = output.fileHandleForReading.readDataToEndOfFile()
        exited.wait()
        return (process.terminationStatus, String(decoding: out, as: UTF8.self), errorText.text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// Standard error, read on its own thread and handed over once.
    private final class Captured: @unchecked Sendable {
        private let done = DispatchSemaphore(value: 0)
        private var data = Data()
        func set(_ data: Data) { self.data = data; done.signal() }
        var text: String { done.wait(); return String(decoding: data, as: UTF8.self) }
    }
}
