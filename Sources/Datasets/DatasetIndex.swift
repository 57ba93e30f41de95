import Foundation
import GRDB
#if canImport(Glibc)
import Glibc
#endif

/// The SQLite index (WAL mode) over the records: datasets, their linear histories and tags.
/// It makes listing fast; it holds nothing the records lack, so `verify --repair` can
/// rebuild it from `records/` and `objects/` alone.
///
/// Schema (user_version 6):
///
///     datasets(name PK, head, versions, files, bytes, updated_ms)
///     versions(id PK, dataset, seq, parent, tree, created_ms, message, files, bytes,
///              provenance JSON, UNIQUE(dataset, seq))
///     tags(dataset, tag, version, record, created_ms, PK(dataset, tag))
///     runs(id PK, workflow, repository, commit_id, trigger, status, started_ms, finished_ms,
///          summary, pid, inputs JSON, link, rerun_of)     (since version 2; link 4, rerun_of 5)
///     run_jobs(run, job, action, status, started_ms, finished_ms, detail, log, outputs JSON,
///              image, needs JSON, provenance JSON, reused_from, PK(run, job))
///                                          (since version 2; image 3, needs 4, the last two 5)
///
/// `UNIQUE(dataset, seq)` is what keeps each history a single line when writers race. The
/// run tables are the one part the records cannot rebuild: they are the log of what ran.
final class DatasetIndex: Sendable {
    let path: String
    let queue: DatabaseQueue

    /// Opens the index. `readOnly` opens never write: not the schema, not the `-shm` file when
    /// the file system refuses it (see `openForReading`), so a store on a read-only or full
    /// file system, or one this user may not write, can still be read.
    init(path: String, durable: Bool = true, readOnly: Bool = false) throws {
        self.path = path
        var config = Configuration()
        config.journalMode = .wal
        config.busyMode = .timeout(120)
        if !durable {
            config.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = OFF") }
        }
        if readOnly, let reader = try DatasetIndex.openForReading(path: path, configuration: config) {
            queue = reader
        } else {
            queue = try DatasetIndex.open(path: path, configuration: config)
        }
    }

    /// A read-only connection, or nil when the schema needs upgrading (which only a writer does).
    ///
    /// Reading a WAL database needs its `-shm` file; when it cannot be created (read-only
    /// file system, a folder this user may not write, a full disk) and no write-ahead log is
    /// pending, the file is opened `immutable`: nothing else can be changing it then.
    private static func openForReading(path: String, configuration: Configuration) throws -> DatabaseQueue? {
        var configuration = configuration
        configuration.readonly = true
        let version: Int
        do {
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            version = try queue.read { db in try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0 }
            if version >= 3 { return queue }
            return nil
        } catch let error as DatabaseError where [.SQLITE_CANTOPEN, .SQLITE_IOERR, .SQLITE_READONLY, .SQLITE_FULL].contains(error.resultCode) {
            guard (FileIO.fileSize(path + "-wal") ?? 0) == 0 else { throw failure(error, path: path) }
            do {
                let queue = try DatabaseQueue(path: "file:\(uriEscaped(path))?mode=ro&immutable=1", configuration: configuration)
                guard try queue.read({ db in try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0 }) >= 3 else { throw failure(error, path: path) }
                return queue
            } catch let immutableError as DatabaseError {
                throw failure(immutableError, path: path)
            }
        } catch let error as DatabaseError {
            throw failure(error, path: path)
        }
    }

    /// `path` as the path of a `file:` URI (RFC 3986: `%`, `?` and `#` escaped).
    private static func uriEscaped(_ path: String) -> String {
        var escaped = ""
        for byte in path.utf8 {
            switch byte {
            case UInt8(ascii: "%"), UInt8(ascii: "?"), UInt8(ascii: "#"), 0..<0x20, 0x7F...:
                escaped += String(format: "%%%02X", byte)
            default:
                escaped.unicodeScalars.append(Unicode.Scalar(byte))
            }
        }
        return escaped
    }

    /// The error a user sees for a SQLite failure, by cause: only corruption calls for a
    /// repair; a full disk, a read-only store or a lock does not (repairing then would set a
    /// healthy index aside).
    static func failure(_ error: DatabaseError, path: String) -> DatasetError {
        let detail = error.message ?? "\(error.resultCode)"
        let folder = FileIO.parentPath(of: path)
        let cause: IndexFailure
        switch error.resultCode {
        case .SQLITE_CORRUPT, .SQLITE_NOTADB: cause = .damaged
        case .SQLITE_FULL: cause = .full
        case .SQLITE_READONLY, .SQLITE_PERM, .SQLITE_AUTH: cause = .readOnly
        case .SQLITE_BUSY, .SQLITE_LOCKED: cause = .busy
        default:
            // SQLite reports many write failures as a generic "disk I/O error": the cause is
            // found on the file system itself.
            if let free = FileIO.freeBytes(onFileSystemOf: folder), free < 1 << 20 {
                return .indexUnavailable(path: path, cause: .full, detail: "\(detail), \(free) bytes free")
            }
            cause = access(folder, W_OK) != 0 ? .readOnly : .io
        }
        return .indexUnavailable(path: path, cause: cause, detail: detail)
    }

    /// Opens the index and brings its schema up to date. Two processes creating a store at
    /// the same moment can meet SQLITE_BUSY that no busy handler waits out (switching a new
    /// file to WAL takes an exclusive lock at once); opening then retries for up to 10 s.
    private static func open(path: String, configuration: Configuration) throws -> DatabaseQueue {
        var attempt = 0
        while true {
            do {
                let queue = try DatabaseQueue(path: path, configuration: configuration)
                // Read first: a store that is up to date is opened without writing anything.
                let current = try queue.read { db in try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0 }
                if current >= 6 { return queue }
                try queue.writeWithoutTransaction { db in
                    try db.inTransaction(.immediate) {
                        let version = try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0
                        if version < 1 { try db.execute(sql: DatasetIndex.schema) }
                        if version < 2 { try db.execute(sql: DatasetIndex.runSchema) }
                        // 3: the image a job ran in; stores made before it gain the column.
                        if version == 2 { try db.execute(sql: "ALTER TABLE run_jobs ADD COLUMN image TEXT") }
                        // 4: the link that started a run, and each job's needs (the run's graph).
                        if version == 2 || version == 3 {
                            try db.execute(sql: "ALTER TABLE runs ADD COLUMN link TEXT")
                            try db.execute(sql: "ALTER TABLE run_jobs ADD COLUMN needs TEXT NOT NULL DEFAULT '[]'")
                            try db.execute(sql: "CREATE INDEX IF NOT EXISTS runs_by_link ON runs(link, started_ms)")
                        }
                        // 5: re-runs (the run a run repeats, the run a job's result was reused from,
                        // the provenance a reused job's outputs are committed with).
                        if (2...4).contains(version) {
                            try db.execute(sql: "ALTER TABLE runs ADD COLUMN rerun_of TEXT")
                            try db.execute(sql: "ALTER TABLE run_jobs ADD COLUMN provenance TEXT NOT NULL DEFAULT '{}'")
                            try db.execute(sql: "ALTER TABLE run_jobs ADD COLUMN reused_from TEXT")
                        }
                        // 6: jobs an engine ran (a Slurm job id) and the node each ran on.
                        if (2...5).contains(version) {
                            try db.execute(sql: "ALTER TABLE run_jobs ADD COLUMN engine_job TEXT")
                            try db.execute(sql: "ALTER TABLE run_jobs ADD COLUMN node TEXT")
                        }
                        if version < 6 { try db.execute(sql: "PRAGMA user_version = 6") }
                        return .commit
                    }
                }
                return queue
            } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY && attempt < 200 {
                attempt += 1
                usleep(UInt32.random(in: 10_000...50_000))
            } catch let error as DatabaseError {
                throw failure(error, path: path)
            }
        }
    }

    static let schema = """
        CREATE TABLE IF NOT EXISTS datasets(
            name TEXT PRIMARY KEY, head TEXT NOT NULL, versions INTEGER NOT NULL,
            files INTEGER NOT NULL, bytes INTEGER NOT NULL, updated_ms INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS versions(
            id TEXT PRIMARY KEY, dataset TEXT NOT NULL, seq INTEGER NOT NULL, parent TEXT,
            tree TEXT NOT NULL, created_ms INTEGER NOT NULL, message TEXT NOT NULL,
            files INTEGER NOT NULL, bytes INTEGER NOT NULL, provenance TEXT NOT NULL,
            UNIQUE(dataset, seq));
        CREATE TABLE IF NOT EXISTS tags(
            dataset TEXT NOT NULL, tag TEXT NOT NULL, version TEXT NOT NULL, record TEXT NOT NULL,
            created_ms INTEGER NOT NULL, PRIMARY KEY(dataset, tag));
        """

    static let runSchema = """
        CREATE TABLE IF NOT EXISTS runs(
            id TEXT PRIMARY KEY, workflow TEXT NOT NULL, repository TEXT NOT NULL, commit_id TEXT,
            trigger TEXT NOT NULL, status TEXT NOT NULL, started_ms INTEGER NOT NULL, finished_ms INTEGER,
            summary TEXT, pid INTEGER NOT NULL, inputs TEXT NOT NULL, link TEXT, rerun_of TEXT);
        CREATE INDEX IF NOT EXISTS runs_by_start ON runs(started_ms);
        CREATE INDEX IF NOT EXISTS runs_by_link ON runs(link, started_ms);
        CREATE TABLE IF NOT EXISTS run_jobs(
            run TEXT NOT NULL, job TEXT NOT NULL, action TEXT NOT NULL, status TEXT NOT NULL,
            started_ms INTEGER, finished_ms INTEGER, detail TEXT, log TEXT, outputs TEXT NOT NULL, image TEXT,
            needs TEXT NOT NULL DEFAULT '[]', provenance TEXT NOT NULL DEFAULT '{}', reused_from TEXT, engine_job TEXT, node TEXT,
            PRIMARY KEY(run, job));
        """

    /// Runs `body` in a `BEGIN IMMEDIATE` transaction: other processes' writers wait on the
    /// SQLite lock, so reading the head and appending after it cannot interleave.
    func write<T>(_ body: (Database) throws -> T) throws -> T {
        try wrap {
            try queue.writeWithoutTransaction { db in
                var result: T?
                try db.inTransaction(.immediate) {
                    result = try body(db)
                    return .commit
                }
                return result!
            }
        }
    }

    func read<T>(_ body: (Database) throws -> T) throws -> T {
        try wrap { try queue.read(body) }
    }

    private func wrap<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as DatabaseError {
            throw DatasetIndex.failure(error, path: path)
        }
    }

    // MARK: rows

    static let versionColumns = "id, dataset, seq, parent, tree, created_ms, message, files, bytes, provenance"

    static func version(from row: Row, tags: [String] = []) throws -> VersionInfo {
        let provenanceJSON: String = row["provenance"]
        let provenance = CanonicalJSON.parse(Array(provenanceJSON.utf8)).flatMap(Provenance.init(canonical:)) ?? Provenance()
        guard let id = ObjectID(hex: row["id"]), let tree = ObjectID(hex: row["tree"]) else {
            throw DatasetError.indexUnavailable(path: "versions", cause: .damaged, detail: "a row holds an invalid id")
        }
        let parentHex: String? = row["parent"]
        return VersionInfo(
            id: id, dataset: row["dataset"], sequence: row["seq"], parent: parentHex.flatMap(ObjectID.init(hex:)),
            tree: tree, created: Timestamp(milliseconds: row["created_ms"]), message: row["message"],
            files: row["files"], bytes: row["bytes"], provenance: provenance, tags: tags)
    }

    static func insert(_ version: VersionInfo, into db: Database) throws {
        try db.execute(
            sql: "INSERT INTO versions(\(versionColumns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            arguments: [version.id.hex, version.dataset, version.sequence, version.parent?.hex, version.tree.hex,
                        version.created.milliseconds, version.message, version.files, version.bytes,
                        String(decoding: version.provenance.canonical.bytes, as: UTF8.self)])
        try db.execute(
            sql: """
                INSERT INTO datasets(name, head, versions, files, bytes, updated_ms) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT(name) DO UPDATE SET head = excluded.head, versions = excluded.versions,
                    files = excluded.files, bytes = excluded.bytes, updated_ms = excluded.updated_ms
                """,
            arguments: [version.dataset, version.id.hex, version.sequence, version.files, version.bytes, version.created.milliseconds])
    }

    static func setTag(_ record: TagRecord, recordID: ObjectID, in db: Database) throws {
        try db.execute(
            sql: """
                INSERT INTO tags(dataset, tag, version, record, created_ms) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT(dataset, tag) DO UPDATE SET version = excluded.version, record = excluded.record,
                    created_ms = excluded.created_ms
                """,
            arguments: [record.dataset, record.tag, record.version.hex, recordID.hex, record.created.milliseconds])
    }

    /// The head of `dataset` and its sequence number, or nil for a new dataset.
    /// Whether the index lists the version `id`.
    static func hasVersion(_ id: ObjectID, in db: Database) throws -> Bool {
        try Bool.fetchOne(db, sql: "SELECT 1 FROM versions WHERE id = ?", arguments: [id.hex]) == true
    }

    static func head(of dataset: String, in db: Database) throws -> (id: ObjectID, sequence: Int)? {
        guard let row = try Row.fetchOne(db, sql: "SELECT head, versions FROM datasets WHERE name = ?", arguments: [dataset]),
              let id = ObjectID(hex: row["head"]) else { return nil }
        return (id, row["versions"])
    }

    static func tags(of dataset: String, in db: Database) throws -> [String: [String]] {
        var byVersion = [String: [String]]()
        for row in try Row.fetchAll(db, sql: "SELECT tag, version FROM tags WHERE dataset = ? ORDER BY tag", arguments: [dataset]) {
            byVersion[row["version"], default: []].append(row["tag"])
        }
        return byVersion
    }
}
