import Foundation
import Testing
import TestSupport

/// `wf daemon` started as a real process for a test: its log in a file, its port read from
/// the line it prints, stopped by the test (or killed) before the test ends.
final class DaemonProcess {
    let process: Process
    let logPath: String

    init(home: String, scratch: Scratch, listen: Bool = false, environment: [String: String] = [:], label: String = "daemon",
         arguments: [String] = []) throws {
        logPath = scratch("\(label).log")
        process = try WFBinary.start(["daemon", "--home", home, "--threads", "1"] + (listen ? ["--listen", "127.0.0.1:0"] : []) + arguments,
                                     stdoutFile: scratch("\(label).out"), stderrFile: logPath, environment: environment)
    }

    deinit { if process.isRunning { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() } }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// The base URL once the server listens.
    func url() throws -> String {
        for _ in 0..<600 {
            if let line = log.split(separator: "\n").first(where: { $0.contains("listening on http://") }),
               let range = line.range(of: "http://") {
                return String(line[range.lowerBound...])
            }
            guard process.isRunning else { break }
            usleep(20_000)
        }
        throw DaemonFailure(log: log)
    }

    /// Stops with `signal` and waits; returns the exit status.
    @discardableResult
    func stop(_ signal: Int32 = SIGTERM) -> Int32 {
        kill(process.processIdentifier, signal)
        process.waitUntilExit()
        return process.terminationStatus
    }

    struct DaemonFailure: Error, CustomStringConvertible {
        var log: String
        var description: String { "the daemon did not start listening:\n\(log)" }
    }
}

/// Waits up to `seconds` for `condition`.
func eventually(_ seconds: Double = 60, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try condition() { return true }
        usleep(50_000)
    }
    return try condition()
}
