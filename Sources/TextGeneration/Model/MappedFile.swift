#if canImport(Glibc)
import Glibc
#endif

/// A file mapped read-only into memory; unmapped when released. Weights are read from the
/// page cache in place, never copied, so loading is a matter of page-table entries.
final class MappedFile: @unchecked Sendable {
    let path: String
    let base: UnsafeRawPointer
    let size: Int

    init(path: String) throws {
        self.path = path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT { throw ModelError.missingFile(path) }
            throw ModelError.io(path: path, detail: String(cString: strerror(errno)))
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw ModelError.io(path: path, detail: String(cString: strerror(errno))) }
        size = Int(info.st_size)
        guard size > 0 else { throw ModelError.corruptSafetensors(file: path, detail: "it is empty") }
        guard let mapped = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), mapped != MAP_FAILED else {
            throw ModelError.io(path: path, detail: "mmap failed: \(String(cString: strerror(errno)))")
        }
        base = UnsafeRawPointer(mapped)
    }

    deinit { munmap(UnsafeMutableRawPointer(mutating: base), size) }

    /// Drops the resident pages inside `offset..<offset + count` (whole pages only): bytes
    /// that were converted into another buffer need not stay in memory. They stay readable;
    /// touching them again reads them back from the file.
    func release(offset: Int, count: Int) {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let start = (offset + page - 1) / page * page, end = (offset + count) / page * page
        guard end > start else { return }
        madvise(UnsafeMutableRawPointer(mutating: base + start), end - start, MADV_DONTNEED)
    }
}
