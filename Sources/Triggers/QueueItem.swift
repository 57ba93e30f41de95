import Datasets

/// One (link, commit, workflow) to run. The triple is unique in the queue, which is what
/// makes each of them run once however many times a push is reported.
public struct QueueItem: Sendable, Codable, Equatable {
    public enum Status: String, Sendable, Codable {
        case queued, running, succeeded, failed
        /// Cut off twice by daemon crashes: not tried again.
        case interrupted
    }

    /// Who reported the commit first.
    public enum Source: String, Sendable, Codable {
        case poll, webhook, trigger
    }

    public var id: Int64
    public var link: String
    public var commit: String
    public var ref: String
    /// The workflow file, relative to the repository.
    public var workflow: String
    public var source: Source
    public var status: Status
    public var attempts: Int
    public var enqueued: Timestamp
    public var started: Timestamp?
    public var finished: Timestamp?
    public var runID: String?
    public var detail: String?
}

/// A link with what the daemon last saw of it.
public struct LinkState: Sendable, Codable, Equatable {
    public var link: Link
    public var lastFetch: Timestamp?
    public var lastError: String?
    /// Consecutive failed fetches (the backoff grows with them).
    public var failures: Int
    /// Ref name → commit, as of the last fetch.
    public var heads: [String: String]
}
