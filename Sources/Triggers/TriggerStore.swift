import Datasets
import Foundation
import GRDB
import Runner

/// The daemon's tables in the wf home's SQLite index: links, the refs last seen on each, and
/// the run queue. Everything the daemon must not forget lives here, so a daemon killed at any
/// moment and started again loses no queued run and repeats no finished one.
///
///     links(name PK, definition JSON, last_fetch_ms, last_error, failures)
///     link_refs(link, ref, commit_id, PK(link, ref))
///     queue(id PK, link, commit_id, ref, workflow, source, status, attempts, enqueued_ms,
///           started_ms, finished_ms, run_id, detail, not_before_ms, cutoffs, rerun_of, rerun_job)
///     UNIQUE INDEX queue_once ON queue(link, commit_id, workflow) WHERE rerun_of IS NULL
///
/// `attempts` counts claims; `cutoffs` the daemon deaths that cut the item off (twice and it
/// is left `interrupted`); `not_before_ms` holds back an item retried after a transient error.
public struct TriggerStore: Sendable {
    public let store: DatasetStore

    public enum Failure: Error, CustomStringConvertible, Equatable {
        case duplicateLink(String)
        case unknownLink(String, known: [String])
        case unknownItem(Int64)
        case unknownJob(run: String, job: String, jobs: [String])

        public var description: String {
            switch self {
            case .duplicateLink(let name): return "a link named \(name) exists; choose another --name, or remove it with `wf links rm \(name)`"
            case .unknownLink(let name, let known):
                return "no link named \(name)" + (known.isEmpty ? "; add one with `wf link URL`" : "; links: \(known.joined(separator: ", "))")
            case .unknownItem(let id): return "no queue item \(id); GET /api/queue (or wf status) lists them"
            case .unknownJob(let run, let job, let jobs): return "\(run) has no job \(job); its jobs: \(jobs.joined(separator: ", "))"
            }
        }
    }

    public init(home: String) throws {
        store = try StoreAccess.open(home: home)
        try store.writeIndex { db in
            try db.execute(sql: Self.schema)
            try db.execute(sql: Self.queueTable)
            // Queues made before transient retries gain their two columns.
            let columns = Set(try Row.fetchAll(db, sql: "PRAGMA table_info(queue)").map { $0["name"] as String })
            if !columns.contains("not_before_ms") { try db.execute(sql: "ALTER TABLE queue ADD COLUMN not_before_ms INTEGER") }
            if !columns.contains("cutoffs") { try db.execute(sql: "ALTER TABLE queue ADD COLUMN cutoffs INTEGER NOT NULL DEFAULT 0") }
            // Re-runs repeat a triple on purpose: queues made before them held the triple unique in
            // the table itself, which SQLite cannot drop, so the table is rebuilt (ids kept).
            if !columns.contains("rerun_of") {
                let kept = "id, link, commit_id, ref, workflow, source, status, attempts, enqueued_ms, started_ms, finished_ms, run_id, detail, not_before_ms, cutoffs"
                try db.execute(sql: Self.queueTable.replacingOccurrences(of: "queue(", with: "queue_rebuilt("))
                try db.execute(sql: "INSERT INTO queue_rebuilt(\(kept)) SELECT \(kept) FROM queue")
                try db.execute(sql: "DROP TABLE queue")
                try db.execute(sql: "ALTER TABLE queue_rebuilt RENAME TO queue")
            }
            try db.execute(sql: Self.queueIndexes)
        }
    }

    static let schema = """
        CREATE TABLE IF NOT EXISTS links(
            name TEXT PRIMARY KEY, definition TEXT NOT NULL, last_fetch_ms INTEGER, last_error TEXT,
            failures INTEGER NOT NULL DEFAULT 0);
        CREATE TABLE IF NOT EXISTS link_refs(
            link TEXT NOT NULL, ref TEXT NOT NULL, commit_id TEXT NOT NULL, PRIMARY KEY(link, ref));
        """

    /// The queue: each push's (link, commit, workflow) once (`queue_once`), re-runs beside them.
    static let queueTable = """
        CREATE TABLE IF NOT EXISTS queue(
            id INTEGER PRIMARY KEY AUTOINCREMENT, link TEXT NOT NULL, commit_id TEXT NOT NULL, ref TEXT NOT NULL,
            workflow TEXT NOT NULL, source TEXT NOT NULL, status TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
            enqueued_ms INTEGER NOT NULL, started_ms INTEGER, finished_ms INTEGER, run_id TEXT, detail TEXT,
            not_before_ms INTEGER, cutoffs INTEGER NOT NULL DEFAULT 0, rerun_of TEXT, rerun_job TEXT)
        """
    static let queueIndexes = """
        CREATE UNIQUE INDEX IF NOT EXISTS queue_once ON queue(link, commit_id, workflow) WHERE rerun_of IS NULL;
        CREATE INDEX IF NOT EXISTS queue_by_status ON queue(status, id);
        CREATE INDEX IF NOT EXISTS queue_by_run ON queue(run_id);
        CREATE INDEX IF NOT EXISTS queue_by_rerun ON queue(rerun_of);
        """

    // MARK: links

    public func add(_ link: Link, heads: [String: String]) throws {
        let definition = String(decoding: try JSONEncoder().encode(link), as: UTF8.self)
        try store.writeIndex { db in
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM links WHERE name = ?", arguments: [link.name]) == true {
                throw Failure.duplicateLink(link.name)
            }
            try db.execute(sql: "INSERT INTO links(name, definition, last_fetch_ms) VALUES (?, ?, ?)",
                           arguments: [link.name, definition, Timestamp.now().milliseconds])
            try Self.replaceHeads(heads, of: link.name, in: db)
        }
    }

    public func remove(_ name: String) throws {
        try store.writeIndex { db in
            try db.execute(sql: "DELETE FROM links WHERE name = ?", arguments: [name])
            guard db.changesCount > 0 else { throw Failure.unknownLink(name, known: try String.fetchAll(db, sql: "SELECT name FROM links ORDER BY name")) }
            try db.execute(sql: "DELETE FROM link_refs WHERE link = ?", arguments: [name])
            try db.execute(sql: "UPDATE queue SET status = 'failed', detail = 'the link was removed' WHERE link = ? AND status = 'queued'",
                           arguments: [name])
        }
    }

    public func links() throws -> [LinkState] {
        try store.readIndex { db in
            try Row.fetchAll(db, sql: "SELECT * FROM links ORDER BY name").map { row in
                let name: String = row["name"]
                let definition: String = row["definition"]
                let heads = try Row.fetchAll(db, sql: "SELECT ref, commit_id FROM link_refs WHERE link = ?", arguments: [name])
                let lastFetch: Int64? = row["last_fetch_ms"]
                return LinkState(link: try JSONDecoder().decode(Link.self, from: Data(definition.utf8)),
                                 lastFetch: lastFetch.map(Timestamp.init(milliseconds:)), lastError: row["last_error"],
                                 failures: row["failures"],
                                 heads: Dictionary(uniqueKeysWithValues: heads.map { ($0["ref"] as String, $0["commit_id"] as String) }))
            }
        } ?? []
    }

    public func link(_ name: String) throws -> LinkState {
        let all = try links()
        guard let found = all.first(where: { $0.link.name == name }) else { throw Failure.unknownLink(name, known: all.map(\.link.name)) }
        return found
    }

    /// The refs in `heads` whose commit differs from the last recorded fetch (or is new).
    public func changes(_ name: String, heads: [String: String]) throws -> [(ref: String, commit: String)] {
        let old = try store.readIndex { db in
            Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT ref, commit_id FROM link_refs WHERE link = ?", arguments: [name])
                .map { ($0["ref"] as String, $0["commit_id"] as String) })
        } ?? [:]
        return heads.filter { old[$0.key] != $0.value }.map { (ref: $0.key, commit: $0.value) }.sorted { $0.ref < $1.ref }
    }

    /// Records a fetch: on success the refs now on the remote, replacing the last seen, and
    /// returns the refs whose commit changed or appeared; on failure the error and one more failure.
    @discardableResult
    public func recordFetch(_ name: String, heads: [String: String]?, error: String?) throws -> [(ref: String, commit: String)] {
        try store.writeIndex { db in
            guard let heads else {
                try db.execute(sql: "UPDATE links SET last_fetch_ms = ?, last_error = ?, failures = failures + 1 WHERE name = ?",
                               arguments: [Timestamp.now().milliseconds, error, name])
                return []
            }
            let old = Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT ref, commit_id FROM link_refs WHERE link = ?", arguments: [name])
                .map { ($0["ref"] as String, $0["commit_id"] as String) })
            try db.execute(sql: "UPDATE links SET last_fetch_ms = ?, last_error = NULL, failures = 0 WHERE name = ?",
                           arguments: [Timestamp.now().milliseconds, name])
            try Self.replaceHeads(heads, of: name, in: db)
            return heads.filter { old[$0.key] != $0.value }.map { (ref: $0.key, commit: $0.value) }.sorted { $0.ref < $1.ref }
        }
    }

    private static func replaceHeads(_ heads: [String: String], of link: String, in db: Database) throws {
        try db.execute(sql: "DELETE FROM link_refs WHERE link = ?", arguments: [link])
        for (ref, commit) in heads {
            try db.execute(sql: "INSERT INTO link_refs(link, ref, commit_id) VALUES (?, ?, ?)", arguments: [link, ref, commit])
        }
    }

    // MARK: queue

    /// Queues (link, commit, workflow) unless it was ever queued; returns the item and whether
    /// it is new. `status: .failed` records a workflow that cannot run (it does not parse), so
    /// the commit counts as processed and the failure shows in `wf status`.
    @discardableResult
    public func enqueue(link: String, commit: String, ref: String, workflow: String, source: QueueItem.Source,
                        status: QueueItem.Status = .queued, detail: String? = nil) throws -> (item: QueueItem, isNew: Bool) {
        try store.writeIndex { db in
            try db.execute(
                sql: """
                    INSERT OR IGNORE INTO queue(link, commit_id, ref, workflow, source, status, enqueued_ms, detail, finished_ms)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [link, commit, ref, workflow, source.rawValue, status.rawValue, Timestamp.now().milliseconds, detail,
                            status == .queued ? nil : Timestamp.now().milliseconds])
            let isNew = db.changesCount > 0
            let row = try Row.fetchOne(db, sql: "SELECT * FROM queue WHERE link = ? AND commit_id = ? AND workflow = ? AND rerun_of IS NULL",
                                       arguments: [link, commit, workflow])!
            return (Self.item(row), isNew)
        }
    }

    /// `wf trigger` on an item that ended without success (cut off twice, failed, cancelled): queues
    /// it again with a fresh count of attempts. Returns the item as queued, or nil when it
    /// is waiting, running or succeeded (a success is never repeated).
    public func requeue(_ id: Int64, detail: String) throws -> QueueItem? {
        try store.writeIndex { db in
            try db.execute(sql: """
                UPDATE queue SET status = 'queued', attempts = 0, cutoffs = 0, not_before_ms = NULL, detail = ?, started_ms = NULL,
                    finished_ms = NULL
                WHERE id = ? AND status IN ('interrupted', 'failed', 'cancelled')
                """, arguments: [detail, id])
            guard db.changesCount > 0 else { return nil }
            return try Row.fetchOne(db, sql: "SELECT * FROM queue WHERE id = ?", arguments: [id]).map(Self.item)
        }
    }

    /// Queues a re-run of `run` (all of it, or `job` and what depends on it) at its commit, on
    /// the ref its first item had. Refused while an earlier re-run of it waits or runs, so a
    /// button pressed twice queues it once.
    public func enqueueRerun(of run: String, job: String?, link: String, commit: String, workflow: String) throws -> QueueItem {
        try store.writeIndex { db in
            if let pending = try Row.fetchOne(db, sql: "SELECT * FROM queue WHERE rerun_of = ? AND status IN ('queued', 'running') LIMIT 1",
                                              arguments: [run]).map(Self.item) {
                throw Daemon.Refusal("\(run) is already queued again as item \(pending.id) (\(pending.status.rawValue)); cancel that first to change what re-runs")
            }
            let ref = try String.fetchOne(db, sql: "SELECT ref FROM queue WHERE run_id = ? LIMIT 1", arguments: [run]) ?? "refs/heads/main"
            try db.execute(sql: """
                INSERT INTO queue(link, commit_id, ref, workflow, source, status, enqueued_ms, detail, rerun_of, rerun_job)
                VALUES (?, ?, ?, ?, 'rerun', 'queued', ?, ?, ?, ?)
                """, arguments: [link, commit, ref, workflow, Timestamp.now().milliseconds,
                                 "re-run of \(run)" + (job.map { " (job \($0) and what needs it)" } ?? ""), run, job])
            return Self.item(try Row.fetchOne(db, sql: "SELECT * FROM queue WHERE id = ?", arguments: [db.lastInsertedRowID])!)
        }
    }

    /// Queue item `id`, or nil.
    public func item(_ id: Int64) throws -> QueueItem? {
        try store.readIndex { db in try Row.fetchOne(db, sql: "SELECT * FROM queue WHERE id = ?", arguments: [id]).map(Self.item) } ?? nil
    }

    /// The newest queue item whose run is `run`, or nil (a run `wf run` started has none).
    public func item(forRun run: String) throws -> QueueItem? {
        try store.readIndex { db in
            try Row.fetchOne(db, sql: "SELECT * FROM queue WHERE run_id = ? ORDER BY id DESC LIMIT 1", arguments: [run]).map(Self.item)
        } ?? nil
    }

    /// Marks a waiting item cancelled; nil when it is not waiting (it started or ended meanwhile).
    public func cancelQueued(_ id: Int64) throws -> QueueItem? {
        try store.writeIndex { db in
            try db.execute(sql: "UPDATE queue SET status = 'cancelled', detail = 'cancelled before it ran', finished_ms = ? WHERE id = ? AND status = 'queued'",
                           arguments: [Timestamp.now().milliseconds, id])
            guard db.changesCount > 0 else { return nil }
            return try Row.fetchOne(db, sql: "SELECT * FROM queue WHERE id = ?", arguments: [id]).map(Self.item)
        }
    }

    /// A run that failed on a transient error (see `TransientFailure`) is queued again, held
    /// back until `after` has passed.
    public func retryLater(_ id: Int64, runID: String, after delay: TimeInterval, detail: String) throws {
        try store.writeIndex { db in
            try db.execute(sql: "UPDATE queue SET status = 'queued', run_id = ?, detail = ?, not_before_ms = ? WHERE id = ?",
                           arguments: [runID, detail, Timestamp.now().milliseconds + Int64(delay * 1000), id])
        }
    }

    /// Takes the oldest queued item whose time has come and marks it running (one more attempt).
    public func claimNext() throws -> QueueItem? {
        let ready = "status = 'queued' AND COALESCE(not_before_ms, 0) <= ?"
        // The idle worker asks four times a second: a read, so it never holds the write lock for nothing.
        guard try store.readIndex({ db in
            try Bool.fetchOne(db, sql: "SELECT 1 FROM queue WHERE \(ready) LIMIT 1", arguments: [Timestamp.now().milliseconds])
        }) == true else {
            return nil
        }
        return try store.writeIndex { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM queue WHERE \(ready) ORDER BY id LIMIT 1",
                                             arguments: [Timestamp.now().milliseconds]) else { return nil }
            var item = Self.item(row)
            item.status = .running
            item.attempts += 1
            item.started = .now()
            try db.execute(sql: "UPDATE queue SET status = 'running', attempts = ?, started_ms = ? WHERE id = ?",
                           arguments: [item.attempts, item.started!.milliseconds, item.id])
            return item
        }
    }

    public func setRun(_ id: Int64, runID: String) throws {
        try store.writeIndex { db in try db.execute(sql: "UPDATE queue SET run_id = ? WHERE id = ?", arguments: [runID, id]) }
    }

    public func finish(_ id: Int64, status: QueueItem.Status, runID: String?, detail: String?) throws {
        try store.writeIndex { db in
            try db.execute(sql: "UPDATE queue SET status = ?, run_id = COALESCE(?, run_id), detail = ?, finished_ms = ? WHERE id = ?",
                           arguments: [status.rawValue, runID, detail, Timestamp.now().milliseconds, id])
        }
    }

    /// At start: items a previous daemon left running were cut off by its end. Each is tried
    /// once more; one cut off twice is marked interrupted and left.
    public func recoverInterrupted() throws -> (retried: [QueueItem], abandoned: [QueueItem]) {
        try store.writeIndex { db in
            let running = try Row.fetchAll(db, sql: "SELECT * FROM queue WHERE status = 'running' ORDER BY id").map(Self.item)
            var retried = [QueueItem](), abandoned = [QueueItem]()
            for item in running {
                // Cut off after its run succeeded but before the queue heard: done, not to repeat.
                if let runID = item.runID,
                   try String.fetchOne(db, sql: "SELECT status FROM runs WHERE id = ?", arguments: [runID]) == "succeeded" {
                    try db.execute(sql: "UPDATE queue SET status = 'succeeded', finished_ms = ? WHERE id = ?",
                                   arguments: [Timestamp.now().milliseconds, item.id])
                    continue
                }
                let cutoffs = (try Int.fetchOne(db, sql: "SELECT cutoffs FROM queue WHERE id = ?", arguments: [item.id]) ?? 0) + 1
                try db.execute(sql: "UPDATE queue SET cutoffs = ? WHERE id = ?", arguments: [cutoffs, item.id])
                if cutoffs < 2 {
                    try db.execute(sql: "UPDATE queue SET status = 'queued', not_before_ms = NULL, detail = 'cut off when the daemon stopped; retried' WHERE id = ?",
                                   arguments: [item.id])
                    retried.append(item)
                } else {
                    try db.execute(sql: "UPDATE queue SET status = 'interrupted', detail = 'cut off twice; not retried', finished_ms = ? WHERE id = ?",
                                   arguments: [Timestamp.now().milliseconds, item.id])
                    abandoned.append(item)
                }
            }
            return (retried, abandoned)
        }
    }

    /// The queue, newest first: waiting and running items, then the latest finished ones.
    public func queue(limit: Int = 20) throws -> [QueueItem] {
        try store.readIndex { db in
            try Row.fetchAll(db, sql: """
                SELECT * FROM queue ORDER BY CASE status WHEN 'running' THEN 0 WHEN 'queued' THEN 1 ELSE 2 END, id DESC LIMIT ?
                """, arguments: [limit]).map(Self.item)
        } ?? []
    }

    static func item(_ row: Row) -> QueueItem {
        let started: Int64? = row["started_ms"], finished: Int64? = row["finished_ms"]
        return QueueItem(id: row["id"], link: row["link"], commit: row["commit_id"], ref: row["ref"], workflow: row["workflow"],
                         source: QueueItem.Source(rawValue: row["source"]) ?? .trigger,
                         status: QueueItem.Status(rawValue: row["status"]) ?? .failed, attempts: row["attempts"],
                         enqueued: Timestamp(milliseconds: row["enqueued_ms"]), started: started.map(Timestamp.init(milliseconds:)),
                         finished: finished.map(Timestamp.init(milliseconds:)), runID: row["run_id"], detail: row["detail"],
                         rerunOf: row["rerun_of"], rerunJob: row["rerun_job"])
    }
}
