import Foundation
import GitSource

/// A link's bare mirror under `HOME/mirrors/NAME.git`: fetched on the poll interval or when a
/// webhook announces a push, and the source of the files the daemon reads at a commit. One
/// process-wide lock per mirror keeps fetches of one repository from overlapping.
public final class Mirror: @unchecked Sendable {
    public let link: Link
    public let path: String
    private let lock: NSLock

    nonisolated(unsafe) private static var locks = [String: NSLock]()
    private static let locksLock = NSLock()

    public init(link: Link, home: String) {
        self.link = link
        path = "\(home)/mirrors/\(link.name).git"
        lock = Self.locksLock.withLock {
            if let existing = Self.locks[link.name] { return existing }
            let created = NSLock()
            Self.locks[link.name] = created
            return created
        }
    }

    /// Clones the mirror if it is missing, else fetches (pruning deleted refs); returns the
    /// refs now present (branches and tags) with their commits.
    @discardableResult
    public func update() throws -> [String: String] {
        try lock.withLock { try updateHoldingLock() }
    }

    private func updateHoldingLock() throws -> [String: String] {
        do {
            let credentials = try link.gitCredentials()
            let repository: GitRepository
            if FileManager.default.fileExists(atPath: "\(path)/HEAD") {
                repository = try GitRepository.open(path)
                try repository.fetch(credentials: credentials)
            } else {
                try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                let temporary = path + ".incomplete-\(getpid())"
                try? FileManager.default.removeItem(atPath: temporary)
                // Cloned beside and renamed: a clone cut off never looks like a mirror.
                _ = try GitRepository.cloneMirror(url: link.url, to: temporary, credentials: credentials)
                try FileManager.default.moveItem(atPath: temporary, toPath: path)
                repository = try GitRepository.open(path)
            }
            var heads = [String: String]()
            for glob in ["refs/heads/*", "refs/tags/*"] {
                for reference in try repository.references(matching: glob) { heads[reference.name] = reference.commit }
            }
            return heads
        }
    }

    /// The commit `revision` names (annotated tags peeled), fetching first only when the mirror
    /// lacks it. The check is made under the lock, so a burst of deliveries of one push fetches
    /// once. Returns the commit and, when it fetched, the refs now present.
    public func ensure(_ revision: String) throws -> (commit: String, fetched: [String: String]?) {
        try lock.withLock {
            if FileManager.default.fileExists(atPath: "\(path)/HEAD"), let commit = try? GitRepository.open(path).resolve(revision) {
                return (commit, nil)
            }
            let heads = try updateHoldingLock()
            return (try GitRepository.open(path).resolve(revision), heads)
        }
    }

    /// Opens the mirror (it must have been updated once).
    public func repository() throws -> GitRepository { try lock.withLock { try GitRepository.open(path) } }
}
