import Foundation
import GRDB
#if canImport(Glibc)
import Glibc
#endif

/// Run records in the index: `wf run` (and later the daemon) writes a run when it starts,
/// each job as it changes, and the run again when it ends; `wf runs` reads them.
extension DatasetStore {
    /// Records a new run and its jobs (waiting).
    /// A run taken up again under its id (a restarted daemon watching its engine's jobs) keeps
    /// its start and becomes this process's.
    public func recordRunStarted(_ run: RunRecord) throws {
        try writableIndex().write { db in
            try db.execute(
                sql: """
                    INSERT INTO runs(id, workflow, repository, commit_id, trigger, status, started_ms, finished_ms, summary, pid, inputs, link,
                        rerun_of)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT(id) DO UPDATE SET status = excluded.status, finished_ms = excluded.finished_ms,
                        summary = excluded.summary, pid = excluded.pid
                    """,
                arguments: [run.id, run.workflow, run.repository, run.commit, run.trigger, run.status.rawValue, run.started.milliseconds,
                            run.finished?.milliseconds, run.summary, Int(run.pid), Self.json(run.inputs), run.link, run.rerunOf])
            for job in run.jobs { try Self.upsert(job, run: run.id, in: db) }
        }
    }

    /// Records a job's new state.
    public func recordJob(_ job: JobRecord, run: String) throws {
        try writableIndex().write { db in try Self.upsert(job, run: run, in: db) }
    }

    /// Records how a run ended.
    public func recordRunFinished(_ id: String, status: RunRecord.Status, summary: String?, at time: Timestamp = .now()) throws {
        try writableIndex().write { db in try Self.markRunFinished(id, status: status, summary: summary, at: time, in: db) }
    }

    static func markRunFinished(_ id: String, status: RunRecord.Status, summary: String?, at time: Timestamp, in db: Database) throws {
        try db.execute(sql: "UPDATE runs SET status = ?, summary = ?, finished_ms = ? WHERE id = ?",
                       arguments: [status.rawValue, summary, time.milliseconds, id])
    }

    /// Adds `output = value` to a job's recorded outputs.
    static func setJobOutput(run: String, job: String, output: String, value: String, in db: Database) throws {
        let current = try String.fetchOne(db, sql: "SELECT outputs FROM run_jobs WHERE run = ? AND job = ?", arguments: [run, job])
        guard let current else { return }
        var outputs = strings(current)
        outputs[output] = value
        try db.execute(sql: "UPDATE run_jobs SET outputs = ? WHERE run = ? AND job = ?", arguments: [json(outputs), run, job])
    }

    /// Which runs to list: each field narrows the list; newest first, `limit` from `offset`.
    public struct RunQuery: Sendable, Equatable {
        public var link: String?
        public var workflow: String?
        public var status: RunRecord.Status?
        public var limit = 20
        public var offset = 0
        public init(link: String? = nil, workflow: String? = nil, status: RunRecord.Status? = nil, limit: Int = 20, offset: Int = 0) {
            self.link = link
            self.workflow = workflow
            self.status = status
            self.limit = limit
            self.offset = offset
        }
    }

    /// The latest runs, newest first, with their jobs.
    public func runs(limit: Int = 20) throws -> [RunRecord] {
        try runs(matching: RunQuery(limit: limit))
    }

    /// The runs `query` selects, newest first, with their jobs. A run recorded as running
    /// whose process is gone reads as interrupted, so those two statuses are told apart
    /// after reading.
    public func runs(matching query: RunQuery) throws -> [RunRecord] {
        guard let index else { return [] }
        var conditions = [String](), arguments = StatementArguments()
        if let link = query.link { conditions.append("link = ?"); arguments += [link] }
        if let workflow = query.workflow { conditions.append("workflow = ?"); arguments += [workflow] }
        switch query.status {
        case .running?, .interrupted?: conditions.append("status IN ('running', 'interrupted')")
        case let status?: conditions.append("status = ?"); arguments += [status.rawValue]
        case nil: break
        }
        let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let limit = max(0, query.limit), offset = max(0, query.offset)
        return try index.read { db in
            if query.status == .running || query.status == .interrupted {
                // Few rows: read them all, then page what is really in that state.
                let all = try Row.fetchAll(db, sql: "SELECT * FROM runs \(filter) ORDER BY started_ms DESC, id DESC", arguments: arguments)
                    .map { try Self.run(from: $0, in: db) }.filter { $0.status == query.status }
                return Array(all.dropFirst(offset).prefix(limit))
            }
            arguments += [limit, offset]
            return try Row.fetchAll(db, sql: "SELECT * FROM runs \(filter) ORDER BY started_ms DESC, id DESC LIMIT ? OFFSET ?", arguments: arguments)
                .map { try Self.run(from: $0, in: db) }
        }
    }

    /// The run whose id is `id` or starts with it (at least 4 characters).
    public func run(_ id: String) throws -> RunRecord {
        guard let index else { throw DatasetError.unknownRun(id) }
        return try index.read { db in
            if let row = try Row.fetchOne(db, sql: "SELECT * FROM runs WHERE id = ?", arguments: [id]) { return try Self.run(from: row, in: db) }
            guard id.count >= 4 else { throw DatasetError.unknownRun(id) }
            let rows = try Row.fetchAll(db, sql: "SELECT * FROM runs WHERE substr(id, 1, length(?1)) = ?1 LIMIT 6", arguments: [id])
            guard rows.count == 1 else {
                if rows.isEmpty { throw DatasetError.unknownRun(id) }
                throw DatasetError.ambiguousRun(id, candidates: rows.map { $0["id"] })
            }
            return try Self.run(from: rows[0], in: db)
        }
    }

    private static func upsert(_ job: JobRecord, run: String, in db: Database) throws {
        try db.execute(
            sql: """
                INSERT INTO run_jobs(run, job, action, status, started_ms, finished_ms, detail, log, outputs, image, needs, provenance,
                    reused_from, engine_job, node)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(run, job) DO UPDATE SET status = excluded.status, started_ms = excluded.started_ms,
                    finished_ms = excluded.finished_ms, detail = excluded.detail, log = excluded.log, outputs = excluded.outputs,
                    image = excluded.image, provenance = excluded.provenance, reused_from = excluded.reused_from,
                    engine_job = excluded.engine_job, node = excluded.node
                """,
            arguments: [run, job.name, job.action, job.status.rawValue, job.started?.milliseconds, job.finished?.milliseconds,
                        job.detail, job.log, json(job.outputs), job.image,
                        String(decoding: CanonicalJSON.array(job.needs.map(CanonicalJSON.string)).bytes, as: UTF8.self),
                        json(job.provenance), job.reusedFrom, job.engineJob, job.node])
    }

    /// Reads a run's rows without trusting them: an index is a file, and a damaged or edited
    /// one may hold NULLs, wrong types or out-of-range numbers where wf wrote none. GRDB's typed
    /// subscripts stop the process on such values, so each column is read as a `DatabaseValue`
    /// and converted here.
    private static func run(from row: Row, in db: Database) throws -> RunRecord {
        // A store opened read-only is not upgraded: columns newer than its schema read as absent.
        func text(_ row: Row, _ column: String) -> String? {
            row.hasColumn(column) ? String.fromDatabaseValue(row[column] as DatabaseValue) : nil
        }
        func integer(_ row: Row, _ column: String) -> Int64? {
            row.hasColumn(column) ? Int64.fromDatabaseValue(row[column] as DatabaseValue) : nil
        }
        let id = text(row, "id") ?? ""
        var run = RunRecord(id: id, workflow: text(row, "workflow") ?? "", repository: text(row, "repository") ?? "", commit: text(row, "commit_id"),
                            trigger: text(row, "trigger") ?? "", status: text(row, "status").flatMap(RunRecord.Status.init(rawValue:)) ?? .failed,
                            started: Timestamp(milliseconds: integer(row, "started_ms") ?? 0),
                            finished: integer(row, "finished_ms").map(Timestamp.init(milliseconds:)), summary: text(row, "summary"),
                            pid: integer(row, "pid").flatMap { Int32(exactly: $0) } ?? 0, inputs: strings(text(row, "inputs") ?? "{}"),
                            link: text(row, "link"), rerunOf: text(row, "rerun_of"))
        run.jobs = try Row.fetchAll(db, sql: "SELECT * FROM run_jobs WHERE run = ? ORDER BY COALESCE(started_ms, 9223372036854775807), job",
                                    arguments: [id]).map { row in
            JobRecord(name: text(row, "job") ?? "", action: text(row, "action") ?? "",
                      status: text(row, "status").flatMap(JobRecord.Status.init(rawValue:)) ?? .failed,
                      started: integer(row, "started_ms").map(Timestamp.init(milliseconds:)), finished: integer(row, "finished_ms").map(Timestamp.init(milliseconds:)),
                      detail: text(row, "detail"), log: text(row, "log"), outputs: strings(text(row, "outputs") ?? "{}"), image: text(row, "image"),
                      needs: (CanonicalJSON.parse(Array((text(row, "needs") ?? "[]").utf8))?.arrayValue ?? []).compactMap(\.stringValue),
                      provenance: strings(text(row, "provenance") ?? "{}"), reusedFrom: text(row, "reused_from"),
                      engineJob: text(row, "engine_job"), node: text(row, "node"))
        }
        // A run still marked running whose process is gone was cut off (SIGKILL, a crash, a reboot).
        if run.status == .running && !processExists(run.pid) {
            run.status = .interrupted
            for index in run.jobs.indices where run.jobs[index].status == .running { run.jobs[index].status = .interrupted }
        }
        return run
    }

    /// A job's log file, or nil when it has none or the recorded path is not a file under this
    /// home's `runs/` folder (the path comes from the index: a damaged or edited one must not
    /// make `wf runs logs` or the read API hand out another file).
    public func logPath(of job: JobRecord) -> String? {
        guard let path = job.log, let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        let runs = String(root.dropLast("/datasets".count)) + "/runs/"
        guard let runsResolved = realpath(runs, nil) else { return nil }
        defer { free(runsResolved) }
        let file = String(cString: resolved), folder = String(cString: runsResolved) + "/"
        var info = stat()
        guard file.hasPrefix(folder), stat(file, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return nil }
        return file
    }

    /// A job's log (`logPath`), up to its last `limit` bytes; "" when there is none.
    public func log(of job: JobRecord, limit: Int = .max) -> String {
        guard let path = logPath(of: job), let handle = FileHandle(forReadingAtPath: path) else { return "" }
        defer { try? handle.close() }
        let size = (try? handle.seekToEnd()) ?? 0
        try? handle.seek(toOffset: size > UInt64(limit) ? size - UInt64(limit) : 0)
        return String(decoding: handle.readDataToEndOfFile(), as: UTF8.self)
    }

    private static func processExists(_ pid: Int32) -> Bool { pid > 0 && (kill(pid, 0) == 0 || errno == EPERM) }

    private static func json(_ values: [String: String]) -> String {
        String(decoding: CanonicalJSON.object(values.mapValues(CanonicalJSON.string)).bytes, as: UTF8.self)
    }

    private static func strings(_ text: String) -> [String: String] {
        (CanonicalJSON.parse(Array(text.utf8))?.objectValue ?? [:]).compactMapValues(\.stringValue)
    }
}
