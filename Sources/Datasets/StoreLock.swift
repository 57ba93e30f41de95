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
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw DatasetError.io(path: path, operation: "open lock", errno: errno) }
        while flock(fd, mode == .shared ? LOCK_SH : LOCK_EX) != 0 {
            if errno == EINTR { continue }
            let code = errno
            close(fd)
            throw DatasetError.io(path: path, operation: "lock", errno: code)
        }
    }

    deinit { close(fd) }
}
