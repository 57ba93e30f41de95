import Foundation
import TestSupport

/// Repositories built with the `git` command in a temporary folder: the reference every test
/// compares libgit2's answers against.
final class GitFixture: @unchecked Sendable {
    struct Failure: Error, CustomStringConvertible {
        var command: String
        var status: Int32
        var description: String { "`\(command)` exited with \(status)" }
    }

    let scratch = Scratch("wf-git")

    /// `scratch/relative`.
    func callAsFunction(_ relative: String) -> String { scratch(relative) }

    /// Runs `git -C scratch/folder ARGUMENTS`, throws on failure, returns standard output trimmed.
    @discardableResult
    func git(_ folder: String, _ arguments: String...) throws -> String {
        try git(folder, arguments)
    }

    @discardableResult
    func git(_ folder: String, _ arguments: [String]) throws -> String {
        let output = try Shell.run("git", ["-C", scratch(folder)] + arguments)
        guard output.status == 0 else { throw Failure(command: "git " + arguments.joined(separator: " "), status: output.status) }
        return output.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// A new repository at `scratch/folder` on branch `main`, with an identity in its own config
    /// (so the tests do not depend on the machine's ~/.gitconfig).
    @discardableResult
    func makeRepository(_ folder: String = "repo", bare: Bool = false) throws -> String {
        try FileManager.default.createDirectory(atPath: scratch(folder), withIntermediateDirectories: true)
        try git(folder, ["-c", "init.defaultBranch=main", "init", "-q"] + (bare ? ["--bare"] : []))
        try configure(folder)
        return scratch(folder)
    }

    /// Sets the identity and turns off signing in `folder`'s repository config.
    func configure(_ folder: String) throws {
        try git(folder, "config", "user.name", "Test")
        try git(folder, "config", "user.email", "test@example.com")
        try git(folder, "config", "commit.gpgsign", "false")
        try git(folder, "config", "tag.gpgsign", "false")
    }

    /// Writes `files` (path → text) into `folder`, commits everything, returns the commit id.
    @discardableResult
    func commit(_ files: [String: String], message: String = "change") throws -> String {
        try commit("repo", files, message: message)
    }

    @discardableResult
    func commit(_ folder: String, _ files: [String: String], message: String = "change") throws -> String {
        for (path, text) in files { try scratch.write("\(folder)/\(path)", text) }
        try git(folder, "add", "-A")
        try git(folder, "commit", "-q", "-m", message)
        return try git(folder, "rev-parse", "HEAD")
    }
}
