import Datasets
import Foundation
import GitSource

/// Which daemon runs a push when several share one store (`wf datasets remote add … --store`),
/// each linked to the same repository: the first to write the push's claim into the bucket
/// (`claims/SHA256`, keyed by the repository's identity, the commit and the workflow file) with
/// S3's `If-None-Match: *`. The others mark their item `skipped`, naming the daemon that runs
/// it; its version appears in their histories at their next synchronization. So each push is
/// run, and its version committed, once across the daemons, and they share the queue's work.
///
/// A daemon that restarts finds its own claims (its id is kept in `HOME/daemon/id`) and runs
/// them again. Re-runs are never claimed: asking for one asks for a new run.
///
/// Not handled: a daemon that claimed a push and never comes back; its push then runs nowhere
/// until `wf trigger` is asked on a daemon whose claim it is, or the claim object is deleted.
struct RunClaim: Codable, Equatable {
    var daemon: String
    var host: String
    var pid: Int32
    var claimed: String
    var repository: String
    var commit: String
    var workflow: String

    enum Outcome: Equatable {
        /// This daemon holds the claim (new, or its own from before a restart).
        case ours
        /// Another daemon runs it; its description for the item's detail.
        case theirs(String)
    }

    /// The claim's key under the store's prefix.
    static func key(repository: RepositoryURL, commit: String, workflow: String) -> String {
        "claims/" + ObjectID.of(Array("\(repository.key)\n\(commit)\n\(workflow)".utf8)).hex
    }

    /// Claims the push for `daemon`, or names who holds it.
    /// - Throws: the object store's one-line errors.
    static func claim(repository url: String, commit: String, workflow: String, daemon: String, in store: any ObjectStore) throws -> Outcome {
        let repository = RepositoryURL(url)
        let key = key(repository: repository, commit: commit, workflow: workflow)
        let claim = RunClaim(daemon: daemon, host: ProcessInfo.processInfo.hostName, pid: getpid(), claimed: Timestamp.now().iso8601,
                             repository: repository.key, commit: commit, workflow: workflow)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let bytes = Array(try encoder.encode(claim))
        return try Blocking.wait {
            if try await store.put(key, bytes: bytes, sha256: nil, condition: .ifAbsent) { return .ours }
            guard let body = try await store.get(key), let held = try? JSONDecoder().decode(RunClaim.self, from: Data(body.bytes)) else {
                return .theirs("another daemon (its claim \(key) in \(store.description) is unreadable)")
            }
            if held.daemon == daemon { return .ours }
            return .theirs("daemon \(held.daemon.prefix(8)) on \(held.host) (pid \(held.pid), since \(held.claimed))")
        }
    }

    /// This daemon's id, made once per home: `HOME/daemon/id`.
    static func daemonID(home: String) throws -> String {
        let path = "\(home)/daemon/id"
        if let text = try? String(contentsOfFile: path, encoding: .utf8), !text.isEmpty { return text.trimmingCharacters(in: .whitespacesAndNewlines) }
        try FileManager.default.createDirectory(atPath: "\(home)/daemon", withIntermediateDirectories: true)
        let id = UUID().uuidString.lowercased()
        // Atomic: two processes of one home starting at once keep one id.
        let temporary = "\(path).\(getpid())"
        try Data(id.utf8).write(to: URL(fileURLWithPath: temporary))
        if link(temporary, path) != 0 {
            unlink(temporary)
            return try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        unlink(temporary)
        return id
    }
}
