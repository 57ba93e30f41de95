import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `blobs/ETAG.incomplete` as a GET's body sink: a 206 answer appends at the end, a 200
/// answer (a server that ignores `Range`) starts the file over, and anything else is not
/// written. Reports progress at most ten times a second, plus once when the file is done.
final class IncompleteFile: HubHTTPClient.BodySink {
    let path: String
    let file: String
    let total: Int64?
    let progress: HubDownloader.Progress?
    private let fd: Int32
    private(set) var length: Int64
    private var lastReport = Date.distantPast

    init(path: String, file: String, total: Int64?, progress: HubDownloader.Progress?) throws {
        self.path = path
        self.file = file
        self.total = total
        self.progress = progress
        fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw DownloadError.cache(path: path, detail: String(cString: strerror(errno))) }
        let end = lseek(fd, 0, SEEK_END)
        guard end >= 0 else { throw DownloadError.cache(path: path, detail: String(cString: strerror(errno))) }
        length = Int64(end)
        report(force: true)
    }

    func close() { Glibc.close(fd) }

    func truncate() throws {
        guard ftruncate(fd, 0) == 0, lseek(fd, 0, SEEK_SET) == 0 else {
            throw DownloadError.cache(path: path, detail: String(cString: strerror(errno)))
        }
        length = 0
    }

    func flush() throws {
        guard fsync(fd) == 0 else { throw DownloadError.cache(path: path, detail: String(cString: strerror(errno))) }
    }

    func accept(_ response: HubHTTPClient.Response) throws -> Bool {
        switch response.status {
        case 206:
            // Append only where the server says its bytes start.
            let range = response.header("Content-Range") ?? ""
            guard range.hasPrefix("bytes \(length)-") else {
                throw DownloadError.badResponse(url: response.url.absoluteString,
                                                detail: "asked for bytes from \(length) but got Content-Range \(range.debugDescription)")
            }
            return true
        case 200:
            if length > 0 { try truncate() }
            return true
        default:
            return false
        }
    }

    func write(_ data: Data) throws {
        try data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let wrote = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if wrote < 0 && errno == EINTR { continue }
                guard wrote > 0 else { throw DownloadError.cache(path: path, detail: String(cString: strerror(errno))) }
                offset += wrote
            }
        }
        length += Int64(data.count)
        report(force: false)
    }

    func reportDone() { report(force: true) }

    private func report(force: Bool) {
        guard let progress else { return }
        let now = Date()
        guard force || now.timeIntervalSince(lastReport) >= 0.1 else { return }
        lastReport = now
        progress(file, length, total)
    }
}
