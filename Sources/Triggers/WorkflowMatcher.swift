import Foundation
import GitSource
import Workflows

/// Which workflows a push runs: the `.gradient/workflows/*.yaml` files at the pushed commit
/// whose `on.github` filters take the ref. A branch push needs the branch in `branches.only`
/// (when given) and not in `branches.ignore`; a tag push needs the tag in `tags.only`. A
/// workflow without `on` runs for branch pushes. Patterns are globs (`release/*`).
public enum WorkflowMatcher {
    public static let folder = ".gradient/workflows"

    public struct Decision: Sendable, Equatable {
        /// The workflow file, relative to the repository.
        public var workflow: String
        /// nil: run it; otherwise why it cannot run (it does not parse).
        public var problem: String?
    }

    /// The workflows at `commit` that `ref` triggers.
    public static func workflows(in repository: GitRepository, commit: String, ref: String) throws -> [Decision] {
        var decisions = [Decision]()
        for name in try repository.files(in: folder, at: commit) where name.hasSuffix(".yaml") || name.hasSuffix(".yml") {
            let path = "\(folder)/\(name)"
            guard let data = try repository.file(path, at: commit) else { continue }
            let spec: WorkflowSpec
            do {
                spec = try WorkflowParser.parse(String(decoding: data, as: UTF8.self), file: path)
            } catch {
                decisions.append(Decision(workflow: path, problem: "\(error)"))
                continue
            }
            if triggers(spec.trigger, ref: ref) { decisions.append(Decision(workflow: path, problem: nil)) }
        }
        return decisions
    }

    public static func triggers(_ trigger: Trigger?, ref: String) -> Bool {
        if ref.hasPrefix("refs/tags/") {
            let tag = String(ref.dropFirst("refs/tags/".count))
            return trigger?.tags.contains { matches($0, tag) } ?? false
        }
        guard ref.hasPrefix("refs/heads/") else { return false }
        let branch = String(ref.dropFirst("refs/heads/".count))
        guard let trigger else { return true }
        if trigger.branches.isEmpty && !trigger.tags.isEmpty && trigger.ignoredBranches.isEmpty { return false }
        if !trigger.branches.isEmpty && !trigger.branches.contains(where: { matches($0, branch) }) { return false }
        return !trigger.ignoredBranches.contains { matches($0, branch) }
    }

    static func matches(_ pattern: String, _ name: String) -> Bool { fnmatch(pattern, name, 0) == 0 }
}
