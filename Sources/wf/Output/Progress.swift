#if canImport(Glibc)
import Glibc
#endif

/// A single status line on standard error, rewritten in place (callers show it only on a terminal).
enum Progress {
    static func line(_ text: String) { emit("\r\u{1B}[2K" + text) }

    static func clear() { emit("\r\u{1B}[2K") }

    private static func emit(_ text: String) {
        var bytes = Array(text.utf8)
        _ = bytes.withUnsafeMutableBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
    }
}
