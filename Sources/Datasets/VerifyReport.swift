/// What `wf datasets verify` found: problems make the store unclean (exit status 1);
/// notes are harmless leftovers that `gc` removes.
public struct VerifyReport: Sendable, Codable, Equatable {
    public var objects = 0
    public var records = 0
    public var datasets = 0
    public var versions = 0
    public var problems = [String]()
    public var notes = [String]()
    /// What `--repair` changed.
    public var repairs = [String]()

    public var isClean: Bool { problems.isEmpty }
}

/// What `wf datasets gc` removed.
public struct GarbageReport: Sendable, Codable, Equatable {
    public var objectsRemoved = 0
    public var recordsRemoved = 0
    public var temporariesRemoved = 0
    public var bytesFreed: Int64 = 0
}
