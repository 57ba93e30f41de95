import Crypto
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Downloads one file into `blobs/ETAG` the way `huggingface_hub` does: bytes land in
/// `blobs/ETAG.incomplete`, a later attempt resumes it with `Range: bytes=N-`, and only
/// checked bytes (size, and sha256 for LFS etags) are renamed to `blobs/ETAG`. An flock on
/// `.locks/models--ORG--NAME/ETAG.lock`, the lock file `huggingface_hub` takes, keeps two
/// downloaders (wf or Python) from appending to one incomplete file.
struct BlobDownload {
    let client: HubHTTPClient
    /// The file's path in the repository, for messages and progress.
    let file: String
    let metadata: HubFileMetadata
    let blobs: String
    let locks: String
    let progress: HubDownloader.Progress?

    /// Attempts per file; a new attempt follows only a broken transfer that made progress.
    static let attempts = 5

    var blobPath: String { "\(blobs)/\(metadata.etag)" }

    /// Leaves the checked bytes at `blobPath`, downloading them unless they are already there.
    func run() throws {
        try Self.createFolder(blobs)
        try Self.createFolder(locks)
        let lock = try FileLock(path: "\(locks)/\(metadata.etag).lock")
        defer { lock.unlock() }
        if FileManager.default.fileExists(atPath: blobPath) { return }
        let incomplete = blobPath + ".incomplete"
        let sink = try IncompleteFile(path: incomplete, file: file, total: metadata.size, progress: progress)
        defer { sink.close() }
        if let size = metadata.size, sink.length > size { try sink.truncate() }

        var attempt = 0
        while metadata.size.map({ sink.length < $0 }) ?? true {
            attempt += 1
            let start = sink.length
            let response: HubHTTPClient.Response
            do {
                response = try client.get(metadata.location, from: start, into: sink)
            } catch DownloadError.network(let url, let detail) {
                // A transfer that broke after making progress resumes at once; one that
                // cannot get going fails, and the next run resumes from the partial file.
                if attempt < Self.attempts && sink.length > start { continue }
                throw DownloadError.network(url: url, detail: detail)
            }
            switch response.status {
            case 200, 206:
                break
            case 416 where start > 0 && attempt < Self.attempts:
                // The range starts past the end: the partial file is stale. Start over.
                try sink.truncate()
                continue
            default:
                throw DownloadError.badResponse(url: metadata.location.absoluteString, detail: "HTTP \(response.status) while downloading \(file)")
            }
            break  // the server sent all it has; the checks below judge it
        }
        sink.reportDone()
        try sink.flush()

        if let size = metadata.size, sink.length != size {
            let received = sink.length
            unlink(incomplete)
            throw DownloadError.sizeMismatch(file: file, expected: size, received: received)
        }
        if let expected = metadata.sha256 {
            let actual = try Self.sha256(of: incomplete)
            if actual != expected {
                unlink(incomplete)
                throw DownloadError.hashMismatch(file: file, expected: expected, actual: actual)
            }
        }
        guard rename(incomplete, blobPath) == 0 else {
            throw DownloadError.cache(path: blobPath, detail: String(cString: strerror(errno)))
        }
    }

    /// The sha256 of a file, read 4 MiB at a time.
    static func sha256(of path: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw DownloadError.cache(path: path, detail: "cannot open it to check its hash")
        }
        defer { try? handle.close() }
        var hasher = SHA256()
        while let chunk = try handle.read(upToCount: 4 << 20), !chunk.isEmpty { hasher.update(data: chunk) }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    static func createFolder(_ path: String) throws {
        do { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) } catch {
            throw DownloadError.cache(path: path, detail: "cannot create the folder")
        }
    }
}
