#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CSystemShims

/// Thin POSIX helpers used by the store. They throw `DatasetError.io` with the path and the
/// operation, and never leave a partly written file under its final name.
enum FileIO {
    /// Reads a whole file.
    static func read(_ path: String) throws -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw DatasetError.io(path: path, operation: "open", errno: errno) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw DatasetError.io(path: path, operation: "stat", errno: errno) }
        return try read(fd, path: path, expectedSize: Int(info.st_size))
    }

    /// Reads `fd` to its end, or to `limit` bytes; `expectedSize` (from a stat) sizes the
    /// buffer, and a file that grew meanwhile is still read whole (up to `limit`).
    static func read(_ fd: Int32, path: String, expectedSize: Int, limit: Int = .max) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: min(expectedSize, limit))
        var filled = 0
        while filled < limit {
            if filled == bytes.count { bytes.append(contentsOf: [UInt8](repeating: 0, count: min(max(4096, bytes.count), limit - filled))) }
            let got = bytes.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + filled, $0.count - filled) }
            if got < 0 {
                if errno == EINTR { continue }
                throw DatasetError.io(path: path, operation: "read", errno: errno)
            }
            if got == 0 { break }
            filled += got
        }
        bytes.removeSubrange(filled...)
        return bytes
    }

    /// Writes all of `bytes` to `fd`.
    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws {
        var offset = 0
        while offset < bytes.count {
            let wrote = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if wrote < 0 {
                if errno == EINTR { continue }
                throw DatasetError.io(path: path, operation: "write", errno: errno)
            }
            offset += wrote
        }
    }

    /// Creates `path` and its parents (mode 0755) if they do not exist.
    static func makeDirectories(_ path: String) throws {
        if mkdir(path, 0o755) == 0 || errno == EEXIST { return }
        guard errno == ENOENT else { throw DatasetError.io(path: path, operation: "mkdir", errno: errno) }
        let parent = parentPath(of: path)
        if parent != path, !parent.isEmpty { try makeDirectories(parent) }
        if mkdir(path, 0o755) != 0 && errno != EEXIST { throw DatasetError.io(path: path, operation: "mkdir", errno: errno) }
    }

    static func parentPath(of path: String) -> String {
        guard let slash = path.utf8.lastIndex(of: UInt8(ascii: "/")) else { return "." }
        if slash == path.utf8.startIndex { return "/" }
        return String(path[..<slash])
    }

    /// Bytes this user may still write on the file system holding `path` (root may use the
    /// reserved blocks too), or nil when it cannot be asked.
    static func freeBytes(onFileSystemOf path: String) -> Int64? {
        var info = statvfs()
        guard statvfs(path, &info) == 0 else { return nil }
        let blocks = getuid() == 0 ? info.f_bfree : info.f_bavail
        return Int64(blocks) * Int64(info.f_frsize)
    }

    static func exists(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0
    }

    /// Size of a regular file, or nil when there is none.
    static func fileSize(_ path: String) -> Int64? {
        var info = stat()
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        return Int64(info.st_size)
    }

    static func fsyncPath(_ path: String, directory: Bool = false) throws {
        let fd = open(path, (directory ? O_DIRECTORY : 0) | O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw DatasetError.io(path: path, operation: "open", errno: errno) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw DatasetError.io(path: path, operation: "fsync", errno: errno) }
    }

    /// Flushes every dirty page of the filesystem holding `path` in one call, which is what
    /// makes committing thousands of small files cheap: one flush instead of one per file.
    static func syncFileSystem(containing path: String) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw DatasetError.io(path: path, operation: "open", errno: errno) }
        defer { close(fd) }
        guard wf_syncfs(fd) == 0 else { throw DatasetError.io(path: path, operation: "syncfs", errno: errno) }
    }

    static func rename(_ from: String, _ to: String) throws {
        guard Glibc.rename(from, to) == 0 else { throw DatasetError.io(path: to, operation: "rename", errno: errno) }
    }

    static func remove(_ path: String) {
        unlink(path)
    }

    /// Writes `bytes` to `path` atomically and durably: a temporary file in `temporaryDirectory`
    /// (same filesystem), fsync, rename over `path`, fsync of the folder.
    static func writeAtomically(_ bytes: [UInt8], to path: String, temporaryDirectory: String, mode: mode_t = 0o644) throws {
        let temporary = try TemporaryFile(in: temporaryDirectory, mode: mode)
        defer { temporary.discard() }
        try bytes.withUnsafeBytes { try writeAll(temporary.fd, $0, path: temporary.path) }
        guard fsync(temporary.fd) == 0 else { throw DatasetError.io(path: temporary.path, operation: "fsync", errno: errno) }
        try temporary.closeAndRename(to: path)
        try fsyncPath(parentPath(of: path), directory: true)
    }

    static let chunkSize = 4 << 20

    /// Reads `fd` to its end (or to `limit` bytes) in chunks of `chunkSize`, handing each to `body`.
    static func forEachChunk(of fd: Int32, path: String, limit: Int64 = .max, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 4096)
        defer { buffer.deallocate() }
        var remaining = limit
        while remaining > 0 {
            let got = Glibc.read(fd, buffer.baseAddress!, Int(min(Int64(buffer.count), remaining)))
            if got < 0 {
                if errno == EINTR { continue }
                throw DatasetError.io(path: path, operation: "read", errno: errno)
            }
            if got == 0 { return }
            remaining -= Int64(got)
            try body(UnsafeRawBufferPointer(rebasing: buffer[0..<got]))
        }
    }

    /// Creates a new, uniquely named folder `DIRECTORY/PREFIXxxxxxx`.
    static func makeTemporaryDirectory(in directory: String, prefix: String) throws -> String {
        var template = Array("\(directory)/\(prefix)XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        guard made != nil else { throw DatasetError.io(path: directory, operation: "create a folder in", errno: errno) }
        return String(cString: template)
    }

    /// Removes a file or a folder with everything in it; missing paths are fine.
    static func removeTree(_ path: String) {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        if info.st_mode & S_IFMT == S_IFDIR {
            for name in listDirectory(path) { removeTree("\(path)/\(name)") }
            rmdir(path)
        } else {
            unlink(path)
        }
    }

    /// Names of the entries of a folder, without `.` and `..`; empty if it does not exist, an
    /// error if it exists but cannot be read.
    static func listExistingDirectory(_ path: String) throws -> [String] {
        guard let dir = opendir(path) else {
            if errno == ENOENT { return [] }
            throw DatasetError.io(path: path, operation: "list", errno: errno)
        }
        closedir(dir)
        return listDirectory(path)
    }

    /// Names of the entries of a folder, without `.` and `..`; empty if it does not exist.
    static func listDirectory(_ path: String) -> [String] {
        guard let dir = opendir(path) else { return [] }
        defer { closedir(dir) }
        var names = [String]()
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }
}

/// A file created with a unique name in a temporary folder, either renamed into place or removed.
final class TemporaryFile {
    let path: String
    private(set) var fd: Int32
    private var renamed = false

    /// Names are unique per process (pid and a counter) and created with O_EXCL, which
    /// costs fewer system calls than mkstemp plus fchmod on the 10,000-file path.
    init(in directory: String, mode: mode_t = 0o644) throws {
        while true {
            let candidate = "\(directory)/\(TemporaryFile.prefix)\(TemporaryFile.processID)-\(TemporaryFile.counter.increment())"
            let fd = open(candidate, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
            if fd >= 0 {
                self.fd = fd
                self.path = candidate
                return
            }
            // A name left by an earlier process with the same pid: take the next number.
            guard errno == EEXIST else { throw DatasetError.io(path: directory, operation: "create a temporary file in", errno: errno) }
        }
    }

    /// Every temporary's name starts with this; `gc` removes leftovers by it.
    static let prefix = ".tmp-"
    private static let processID = getpid()
    private static let counter = Counter()

    func closeAndRename(to destination: String) throws {
        if fd >= 0 { close(fd); fd = -1 }
        try FileIO.rename(path, destination)
        renamed = true
    }

    /// Closes the file and hands its path to the caller, who now owns it.
    func keep() -> String {
        if fd >= 0 { close(fd); fd = -1 }
        renamed = true
        return path
    }

    func discard() {
        if fd >= 0 { close(fd); fd = -1 }
        if !renamed { unlink(path) }
    }

    deinit { discard() }
}
