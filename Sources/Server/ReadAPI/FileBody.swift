import Foundation
import Hummingbird
import NIOCore

/// A stored file's bytes as an HTTP response: a content type from its extension, one byte
/// range (RFC 9110 §14: `bytes=a-b`, `bytes=a-`, `bytes=-n`; 206 with `Content-Range`, 416
/// when it starts past the end; several ranges are answered whole, as the RFC allows), an ETag.
/// The bytes are a user's (a workflow's outputs): they are never run as a page of this site
/// (`Content-Security-Policy: sandbox`, no sniffing; HTML is served as text).
enum FileBody {
    static func response(_ bytes: [UInt8], path: String, range: String?, etag: String) throws -> Response {
        var headers: HTTPFields = [.contentType: contentType(path), .acceptRanges: "bytes", .eTag: etag,
                                   .contentSecurityPolicy: "sandbox", .xContentTypeOptions: "nosniff"]
        guard let range, let (start, end) = try byteRange(range, length: bytes.count) else {
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        }
        headers[.contentRange] = "bytes \(start)-\(end)/\(bytes.count)"
        return Response(status: .partialContent, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes[start...end])))
    }

    /// The inclusive byte range a `Range` header asks of `length` bytes; nil to answer whole
    /// (not a bytes range, several ranges, or malformed: the header is then ignored).
    /// - Throws: `APIError` 416 when the range starts at or past the end.
    static func byteRange(_ header: String, length: Int) throws -> (Int, Int)? {
        guard header.hasPrefix("bytes="), !header.contains(",") else { return nil }
        let spec = header.dropFirst(6).trimmingCharacters(in: .whitespaces)
        guard let dash = spec.firstIndex(of: "-") else { return nil }
        let first = spec[..<dash], last = spec[spec.index(after: dash)...]
        func number(_ text: Substring) -> Int? { text.allSatisfy(\.isASCII) && !text.isEmpty ? Int(text) : nil }
        if first.isEmpty {
            // The last n bytes.
            guard let n = number(last), n > 0 else { return nil }
            guard length > 0 else { throw unsatisfiable(length) }
            return (max(0, length - n), length - 1)
        }
        guard let start = number(first) else { return nil }
        let end = last.isEmpty ? Int.max : number(last)
        guard let end, end >= start else { return nil }
        guard start < length else { throw unsatisfiable(length) }
        return (start, min(end, length - 1))
    }

    static func unsatisfiable(_ length: Int) -> APIError {
        APIError(status: 416, message: "the range starts past the file's \(length) bytes", type: "invalid_request_error", param: "Range",
                 code: "range_not_satisfiable")
    }

    /// By extension; what could run as a page (HTML) is text.
    static func contentType(_ path: String) -> String {
        switch (path as NSString).pathExtension.lowercased() {
        case "json": return "application/json"
        case "csv": return "text/csv; charset=utf-8"
        case "svg": return "image/svg+xml"
        case "png": return "image/png"
        case "jpg", "jpeg": return "image/jpeg"
        case "gif": return "image/gif"
        case "webp": return "image/webp"
        case "safetensors", "bin", "gguf": return "application/octet-stream"
        case "txt", "md", "py", "yaml", "yml", "log", "html", "htm", "": return "text/plain; charset=utf-8"
        default: return "application/octet-stream"
        }
    }
}
