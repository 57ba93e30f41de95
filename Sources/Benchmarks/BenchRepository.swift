import Foundation

/// A git repository in a temporary folder holding one workflow (and any other files),
/// committed on `main`: what the run benchmarks run `wf run` against.
struct BenchRepository {
    let path: String
    var workflowFile: String { "\(path)/.gradient/workflows/bench.yaml" }

    /// - Parameter files: relative path → contents, beside the workflow.
    init(at path: String, workflow: String, files: [String: String] = [:]) throws {
        self.path = path
        try FileManager.default.createDirectory(atPath: "\(path)/.gradient/workflows", withIntermediateDirectories: true)
        try workflow.write(toFile: "\(path)/.gradient/workflows/bench.yaml", atomically: true, encoding: .utf8)
        for (name, text) in files { try text.write(toFile: "\(path)/\(name)", atomically: true, encoding: .utf8) }
        let git = ["git", "-C", path, "-c", "user.name=bench", "-c", "user.email=bench@localhost"]
        try ChildProcess.run(git + ["init", "-q", "-b", "main"])
        try ChildProcess.run(git + ["add", "-A"])
        try ChildProcess.run(git + ["commit", "-q", "-m", "bench"])
    }
}
