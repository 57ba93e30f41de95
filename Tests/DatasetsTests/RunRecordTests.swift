import Foundation
import GRDB
import Testing
import TestSupport
import Datasets

/// The run tables are read from a file that may be damaged or edited: NULLs, wrong types and
/// out-of-range numbers where wf wrote none must read as something, never stop the process
/// (GRDB's typed subscripts do, and an Int32 pid conversion did).
struct RunRecordTests {
    @Test func anEditedRunRowReadsWithoutCrashing() throws {
        let scratch = Scratch("wf-run-records")
        let store = try DatasetStore(home: scratch.path)
        let run = RunRecord(id: "run-1", workflow: "w.yaml", repository: "/r", commit: nil, trigger: "wf run", pid: 1,
                            jobs: [JobRecord(name: "a", action: "script@v1")])
        try store.recordRunStarted(run)
        let queue = try DatabaseQueue(path: "\(scratch.path)/datasets/index.sqlite")
        try queue.write { db in
            try db.execute(sql: """
                UPDATE runs SET pid = 99999999999, started_ms = -9223372036854775808, finished_ms = 9223372036854775807,
                    workflow = 42, status = 'bogus', inputs = 'not json', summary = x'00ff';
                UPDATE run_jobs SET started_ms = 'yesterday', finished_ms = 1.5e300, status = 7, outputs = '[1,2]', log = x'ff';
                """)
        }
        let read = try store.run("run-1")
        #expect(read.status == .failed && read.pid == 0 && read.inputs.isEmpty)
        #expect(read.jobs.count == 1 && read.jobs[0].status == .failed && read.jobs[0].started == nil)
        _ = read.started.iso8601
        _ = read.finished?.seconds(since: read.started)
        _ = try store.runs(limit: 10)
    }
}
