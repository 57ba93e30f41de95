#if canImport(Glibc)
import Glibc
#endif

/// An exclusive `flock` held until `unlock()`. `huggingface_hub` (through `filelock`) takes
/// the same kind of lock on the same path, so wf and Python never write one blob at once.
struct FileLock {
    private let fd: Int32

    /// Blocks until the lock is free.
    init(path: String) throws {
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw DownloadError.cache(path: path, detail: String(cString: strerror(errno))) }
        while flock(fd, LOCK_EX) != 0 {
            guard errno == EINTR else {
                let detail = String(cString: strerror(errno))
                close(fd)
                throw DownloadError.cache(path: path, detail: detail)
            }
        }
    }

    func unlock() {
        flock(fd, LOCK_UN)
        close(fd)
    }
}
