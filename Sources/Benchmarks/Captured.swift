import Foundation

/// Runs a program to its end and returns its exit status and standard output (standard
/// error discarded): the reference tools the benchmarks read figures from.
enum Captured {
    struct Output {
        var status: Int32
        var stdout: String
    }

    /// `arguments[0]` is a path; `/usr/bin/env` finds a program on PATH.
    static func run(_ arguments: [String]) throws -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: arguments[0])
        process.arguments = Array(arguments.dropFirst())
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Output(status: process.terminationStatus, stdout: String(decoding: data, as: UTF8.self))
    }
}
