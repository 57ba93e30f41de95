import Foundation

/// A temporary folder for one test, removed when the value is released.
public final class Scratch: @unchecked Sendable {
    public let path: String

    public init(_ label: String = "wf-test") {
        let template = NSTemporaryDirectory() + "/\(label)-XXXXXX"
        var bytes = Array(template.utf8CString)
        guard bytes.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else {
            fatalError("cannot create a temporary folder under \(NSTemporaryDirectory())")
        }
        path = String(cString: bytes)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// `path/relative`.
    public func callAsFunction(_ relative: String) -> String { "\(path)/\(relative)" }

    /// Writes `text` to `relative`, creating folders on the way; returns the full path.
    @discardableResult
    public func write(_ relative: String, _ text: String, executable: Bool = false) throws -> String {
        try write(relative, bytes: Array(text.utf8), executable: executable)
    }

    @discardableResult
    public func write(_ relative: String, bytes: [UInt8], executable: Bool = false) throws -> String {
        let full = self(relative)
        let folder = (full as NSString).deletingLastPathComponent
        if access(folder, F_OK) != 0 { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
        // Plain POSIX calls: tests write thousands of files, and Foundation's writes are slow.
        let fd = open(full, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, executable ? 0o755 : 0o644)
        guard fd >= 0 else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: full]) }
        defer { close(fd) }
        let wrote = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        guard wrote == bytes.count else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: full]) }
        if executable { fchmod(fd, 0o755) }
        return full
    }

    public func read(_ relative: String) throws -> String {
        try String(contentsOfFile: self(relative), encoding: .utf8)
    }

    /// Paths of every regular file under `relative`, relative to it, sorted.
    public func files(under relative: String) -> [String] {
        let root = self(relative)
        guard let walker = FileManager.default.enumerator(atPath: root) else { return [] }
        var found = [String]()
        while let item = walker.nextObject() as? String {
            var isFolder: ObjCBool = false
            if FileManager.default.fileExists(atPath: "\(root)/\(item)", isDirectory: &isFolder), !isFolder.boolValue { found.append(item) }
        }
        return found.sorted()
    }
}

/// Runs `body` on a thread of its own and waits for it without holding a thread of Swift's
/// cooperative pool: blocking code (`Blocking.wait`, a shared store's commit) called from a
/// test's task would otherwise take one of its few threads and can starve the work it waits for.
public func onOwnThread<Value: Sendable>(_ body: @escaping @Sendable () throws -> Value) async throws -> Value {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread { continuation.resume(with: Result { try body() }) }
    }
}
