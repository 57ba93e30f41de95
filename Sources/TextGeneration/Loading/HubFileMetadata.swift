import Foundation

/// What the hub says about one file in answer to HEAD `ENDPOINT/REPO/resolve/REV/FILE`, read
/// as `huggingface_hub` reads it, so the blob and snapshot names match what it would write.
struct HubFileMetadata: Equatable {
    /// The commit REV pointed to (`X-Repo-Commit`).
    var commit: String
    /// The blob's name: `X-Linked-Etag` (an LFS file's sha256) or `ETag` (a git blob id).
    var etag: String
    /// `X-Linked-Size`, else `Content-Length`.
    var size: Int64?
    /// Where to GET the bytes: the CDN location of an LFS file, else the resolve URL.
    var location: URL

    init(_ response: HubHTTPClient.Response, requested: URL) throws {
        let url = requested.absoluteString
        guard let commit = response.header("X-Repo-Commit")?.trimmingCharacters(in: .whitespaces), Self.isSafeName(commit) else {
            throw DownloadError.badResponse(url: url, detail: "no usable X-Repo-Commit header (is HF_ENDPOINT a Hugging Face hub?)")
        }
        guard let raw = response.header("X-Linked-Etag") ?? response.header("ETag") else {
            throw DownloadError.badResponse(url: url, detail: "no ETag header")
        }
        let etag = Self.normalize(etag: raw)
        guard Self.isSafeName(etag) else { throw DownloadError.badResponse(url: url, detail: "unusable ETag \(raw.debugDescription)") }
        self.commit = commit
        self.etag = etag
        size = (response.header("X-Linked-Size") ?? response.header("Content-Length")).flatMap { Int64($0.trimmingCharacters(in: .whitespaces)) }
        if (300..<400).contains(response.status), let target = response.header("Location"),
           let location = URL(string: target, relativeTo: response.url)?.absoluteURL {
            self.location = location
        } else {
            location = requested
        }
    }

    /// `W/"abc"` → `abc`, as `huggingface_hub` normalizes etags.
    static func normalize(etag: String) -> String {
        var text = etag.trimmingCharacters(in: .whitespaces)
        if text.hasPrefix("W/") { text.removeFirst(2) }
        return text.trimmingCharacters(in: CharacterSet(charactersIn: "\""))
    }

    /// Commits and etags become file names in the cache: letters, digits, `-` and `_` only.
    static func isSafeName(_ text: String) -> Bool {
        !text.isEmpty && text.count <= 256 && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
    }

    /// An LFS etag is the sha256 of the bytes, which the download can check.
    var sha256: String? {
        etag.count == 64 && etag.allSatisfy({ $0.isASCII && $0.isHexDigit }) ? etag.lowercased() : nil
    }
}
