import Foundation

/// One job's log: every line goes to `log.txt` in the job's folder and to the terminal with
/// the job's name in front (jobs run side by side), with the values of the secrets the run
/// uses replaced by `***` in both.
final class JobLog: @unchecked Sendable {
    let path: String
    private let file: FileHandle
    private let prefix: String
    private let secrets: [String]
    private let echo: (String) -> Void
    private let lock = NSLock()
    private var pending = Data()

    init(path: String, job: String, secrets: [String], echo: @escaping (String) -> Void) throws {
        self.path = path
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        guard FileManager.default.createFile(atPath: path, contents: nil) else {
            throw RunError.failed(job: job, detail: "cannot create its log file \(path)")
        }
        file = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        prefix = "  [\(job)] "
        // A secret of several lines is also masked line by line: the log is cut into lines.
        let pieces = secrets.flatMap { [$0] + $0.split(whereSeparator: \.isNewline).map(String.init) }
        self.secrets = Array(Set(pieces.filter { $0.count >= 3 })).sorted { $0.count > $1.count }
        self.echo = echo
    }

    deinit { try? file.close() }

    /// A whole line from wf itself.
    func line(_ text: String) { write(Data((text + "\n").utf8)) }

    /// Raw output of a step's process, in whatever pieces the pipe gives; lines are kept whole.
    func write(_ chunk: Data) {
        lock.lock()
        defer { lock.unlock() }
        pending.append(chunk)
        while let newline = pending.firstIndex(of: 0x0A) {
            emit(String(decoding: pending[pending.startIndex..<newline], as: UTF8.self))
            pending.removeSubrange(pending.startIndex...newline)
        }
        // Output without newlines is cut at 64 KiB, so memory stays bounded.
        if pending.count > Self.longestLine {
            emit(String(decoding: pending, as: UTF8.self))
            pending.removeAll()
        }
    }

    /// Writes out a last line that had no newline.
    func finish() {
        lock.lock()
        defer { lock.unlock() }
        if !pending.isEmpty { emit(String(decoding: pending, as: UTF8.self)) }
        pending.removeAll()
    }

    static let longestLine = 64 * 1024

    private func emit(_ line: String) {
        let clean = redact(line)
        // A full disk loses log lines, not the run.
        try? file.write(contentsOf: Data((clean + "\n").utf8))
        echo(prefix + clean)
    }

    func redact(_ text: String) -> String {
        secrets.reduce(text) { $0.replacingOccurrences(of: $1, with: "***") }
    }
}
