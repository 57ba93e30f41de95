import Foundation

/// Unbuffered writes: standard output for results as they stream, standard error for progress
/// and logs (so `wf run ... > file` keeps only the results).
enum Console {
    static func write(_ text: String) {
        guard !text.isEmpty else { return }
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    /// One line on standard error.
    static func error(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
