import Foundation

/// Runs a program other than wf (git, patch, bwrap, pgrep) to completion.
public enum Shell {
    public struct Output: Sendable {
        public var status: Int32
        public var stdout: String
    }

    /// `program ARGUMENTS`, found on PATH; standard error is discarded.
    @discardableResult
    public static func run(_ program: String, _ arguments: [String]) throws -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [program] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Output(status: process.terminationStatus, stdout: String(decoding: data, as: UTF8.self))
    }
}
