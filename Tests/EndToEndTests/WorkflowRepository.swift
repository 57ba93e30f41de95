import Foundation
import Testing
import TestSupport

/// A git repository in a scratch folder holding a workflow, a settings file and the tiny
/// fixture model, committed on `main`: what `wf run` end-to-end tests run against.
struct WorkflowRepository {
    let scratch: Scratch
    let path: String
    var workflowFile: String { "\(path)/.gradient/workflows/nlp.yaml" }

    static let defaultSettings = #"{"prompt": "ROMEO:", "seed": 42, "max_length": 20, "num_return_sequences": 2, "model": "models/tiny"}"#

    init(in scratch: Scratch, workflow: String, settings: String = WorkflowRepository.defaultSettings) throws {
        self.scratch = scratch
        path = scratch("repo")
        try scratch.write("repo/.gradient/workflows/nlp.yaml", workflow)
        try scratch.write("repo/settings.json", settings)
        try FileManager.default.createDirectory(atPath: "\(path)/models", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Fixtures.path("models/tiny"), toPath: "\(path)/models/tiny")
        _ = try git("init", "-q", "-b", "main")
        _ = try git("add", "-A")
        _ = try git("commit", "-q", "-m", "settings")
    }

    @discardableResult
    func git(_ arguments: String...) throws -> String {
        try Shell.run("git", ["-C", path, "-c", "user.name=test", "-c", "user.email=test@localhost"] + arguments)
            .stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Replaces the workflow file (uncommitted).
    func write(workflow: String) throws { try scratch.write("repo/.gradient/workflows/nlp.yaml", workflow) }

    static let sandboxWorks = (try? Shell.run("bwrap", ["--ro-bind", "/", "/", "--unshare-all", "true"]).status) == 0
}
