import GRDB

/// The index is the one SQLite database of a wf home: modules that keep tables of their own
/// there (the daemon's links and queue) reach it through these two calls, and create their
/// tables with `CREATE TABLE IF NOT EXISTS`.
extension DatasetStore {
    /// Runs `body` in a `BEGIN IMMEDIATE` transaction.
    public func writeIndex<T>(_ body: (Database) throws -> T) throws -> T {
        try writableIndex().write(body)
    }

    /// The index of a store opened for writing.
    func writableIndex() throws -> DatasetIndex {
        guard let index, mode == .readWrite else {
            throw DatasetError.indexUnavailable(path: indexPath, cause: .openedReadOnly, detail: "the store was opened read-only")
        }
        return index
    }

    /// Runs `body` on a read snapshot; nil when a read-only store has no index yet.
    public func readIndex<T>(_ body: (Database) throws -> T) throws -> T? {
        guard let index else { return nil }
        return try index.read(body)
    }
}
