#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An advisory lock on the store's `lock` file, released by the kernel when the process
/// dies, so a killed writer never leaves the store locked.
///
/// Writers hold it shared from their first staged blob to their commit; `gc` and
/// `verify --repair` hold it exclusive, so they never see an in-flight writer's blobs as
/// garbage, and writers wait while they sweep.
final class StoreLock {
    enum Mode { case shared, exclusive }
    private let fd: Int32

    init(path: String, mode: Mode) throws {
        var fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        // A reader of a store it may not write (or on a read-only file system) locks through a
        // read-only descriptor: flock does not need write access. With no lock file at all,
        // no writer ever ran there, so there is nothing to wait for.
        if fd < 0 && mode == .shared && (errno == EACCES || errno == EROFS || errno == EPERM) {
            fd = open(path, O_RDONLY | O_CLOEXEC)
            if fd < 0 && errno == ENOENT {
                self.fd = -1
                return
            }
        }
        guard fd >= 0 else { throw DatasetError.io(path: path, operation: "open lock", errno: errno) }
        self.fd = fd
        while flock(fd, mode == .shared ? LOCK_SH : LOCK_EX) != 0 {
            if errno == EINTR { continue }
            let code = errno
            close(fd)
            throw DatasetError.io(path: path, operation: "lock", errno: code)
        }
    }

    deinit { if fd >= 0 { close(fd) } }
}
