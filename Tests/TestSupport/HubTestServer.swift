import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A tiny HTTP/1.1 server on 127.0.0.1 (a port the OS picks) that serves model folders in the
/// Hugging Face hub's URL layout, `/ORG/NAME/resolve/REVISION/FILE`, with the headers
/// `huggingface_hub` reads: `X-Repo-Commit`, `ETag`, `Content-Length`, and for `.safetensors`
/// files, as for LFS files, a redirect to a "CDN" (`http://localhost:PORT/cdn/...`, another
/// host name, so a client must drop its token) with `X-Linked-Etag` (the bytes' sha256) and
/// `X-Linked-Size`. It honours `Range: bytes=N-` with 206 and logs every request. Plain POSIX
/// sockets on one thread, one request per connection; it stops when released.
public final class HubTestServer: @unchecked Sendable {
    public struct Request: Sendable, CustomStringConvertible {
        public var method: String
        public var path: String
        /// Header names lowercased.
        public var headers: [String: String]

        public func header(_ name: String) -> String? { headers[name.lowercased()] }
        public var description: String { "\(method) \(path)" + (header("Range").map { " (\($0))" } ?? "") }
    }

    public let port: UInt16
    /// What `main` points to; `X-Repo-Commit` of every answer.
    public let commit: String
    public var endpoint: String { "http://127.0.0.1:\(port)" }
    private let state: State

    /// Serves `repositories` (hub id such as `test-org/tiny-gpt2` → folder).
    public init(repositories: [String: String], commit: String = "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678") throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && listen(fd, 16) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else {
            let code = errno
            close(fd)
            throw POSIXError(.init(rawValue: code) ?? .EIO)
        }
        port = UInt16(bigEndian: address.sin_port)
        self.commit = commit
        state = State(listener: fd, port: port, commit: commit, repositories: repositories)
        let state = self.state
        let thread = Thread { state.serve() }
        thread.name = "HubTestServer"
        thread.start()
    }

    deinit { stop() }

    /// Closes the socket and waits for the server thread to end.
    public func stop() { state.stop() }

    /// Every request so far, in order.
    public var requests: [Request] { state.locked { $0.log } }

    /// Answers 401 unless `Authorization: Bearer TOKEN`.
    public func requireToken(_ token: String?) { state.locked { $0.token = token } }

    /// The first GET of `file`'s bytes sends the full headers and `bytes` bytes of the body, then closes the connection.
    public func cutConnection(file: String, afterBytes bytes: Int) { state.locked { $0.cuts[file] = bytes } }

    /// Serves `file` with one byte flipped, under the etag of its true bytes.
    public func corrupt(file: String) { _ = state.locked { $0.corrupted.insert(file) } }

    /// Announces `size` as `file`'s size in HEAD answers (`X-Linked-Size` or `Content-Length`).
    public func announce(file: String, size: Int) { state.locked { $0.announcedSizes[file] = size } }

    /// Answers `Range` requests with 200 and the whole file, as some servers do.
    public func ignoreRanges() { state.locked { $0.ignoreRange = true } }

    /// The sha256 of `bytes`, hex: the etag this server gives an LFS file.
    public static func sha256(_ bytes: [UInt8]) -> String { SHA256Hex.digest(bytes) }

    /// All the server's mutable state, shared with its thread (which must not retain the server, so that releasing it stops it).
    private final class State: @unchecked Sendable {
        struct Options {
            var log = [Request]()
            var token: String?
            var cuts = [String: Int]()
            var corrupted = Set<String>()
            var announcedSizes = [String: Int]()
            var ignoreRange = false
            var running = true
        }

        let listener: Int32
        let port: UInt16
        let commit: String
        let repositories: [String: String]
        private let lock = NSLock()
        private var options = Options()
        private let finished = DispatchSemaphore(value: 0)
        private var stopped = false

        init(listener: Int32, port: UInt16, commit: String, repositories: [String: String]) {
            self.listener = listener
            self.port = port
            self.commit = commit
            self.repositories = repositories
        }

        func locked<T>(_ body: (inout Options) -> T) -> T { lock.withLock { body(&options) } }

        func stop() {
            let first = lock.withLock {
                defer { stopped = true; options.running = false }
                return !stopped
            }
            guard first else { return }
            finished.wait()
            close(listener)
        }

        func serve() {
            defer { finished.signal() }
            while locked({ $0.running }) {
                var poller = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
                guard poll(&poller, 1, 20) > 0 else { continue }
                let client = accept(listener, nil, nil)
                guard client >= 0 else { continue }
                var timeout = timeval(tv_sec: 2, tv_usec: 0)
                setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
                if let request = readRequest(client) {
                    locked { $0.log.append(request) }
                    answer(request, on: client)
                }
                shutdown(client, Int32(SHUT_WR))
                close(client)
            }
        }

        private func readRequest(_ fd: Int32) -> Request? {
            var bytes = [UInt8]()
            var buffer = [UInt8](repeating: 0, count: 4096)
            let end: [UInt8] = Array("\r\n\r\n".utf8)
            while bytes.count < 65536 {
                let count = recv(fd, &buffer, buffer.count, 0)
                guard count > 0 else { return nil }
                bytes += buffer[0..<count]
                if bytes.count >= 4, (0...(bytes.count - 4)).contains(where: { Array(bytes[$0..<$0 + 4]) == end }) { break }
            }
            let lines = String(decoding: bytes, as: UTF8.self).components(separatedBy: "\r\n")
            let first = lines[0].split(separator: " ")
            guard first.count == 3 else { return nil }
            var headers = [String: String]()
            for line in lines.dropFirst() {
                guard let colon = line.firstIndex(of: ":") else { continue }
                headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
            return Request(method: String(first[0]), path: String(first[1]), headers: headers)
        }

        private func answer(_ request: Request, on fd: Int32) {
            let path = request.path.split(separator: "?", maxSplits: 1)[0]
            let parts = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map { $0.removingPercentEncoding ?? String($0) }
            if parts.first == "cdn", parts.count >= 4 {
                // The CDN's signed URLs refuse a second credential, as S3 does.
                if request.header("Authorization") != nil { return send(fd, 400, [], body: Array("Only one auth mechanism allowed".utf8)) }
                return serveFile(request, repository: parts[1] + "/" + parts[2], file: parts[3...].joined(separator: "/"), lfs: false, on: fd)
            }
            if let token = locked({ $0.token }), request.header("Authorization") != "Bearer \(token)" {
                return send(fd, 401, [], body: Array("Invalid credentials".utf8))
            }
            guard let resolve = parts.firstIndex(of: "resolve"), resolve > 0, parts.count > resolve + 2 else {
                return send(fd, 404, [("X-Error-Code", "RepoNotFound")], body: [])
            }
            let repository = parts[..<resolve].joined(separator: "/")
            let revision = parts[resolve + 1]
            guard repositories[repository] != nil else { return send(fd, 404, [("X-Error-Code", "RepoNotFound")], body: []) }
            guard revision == "main" || revision == commit else {
                return send(fd, 404, [("X-Error-Code", "RevisionNotFound")], body: [])
            }
            let file = parts[(resolve + 2)...].joined(separator: "/")
            serveFile(request, repository: repository, file: file, lfs: file.hasSuffix(".safetensors"), on: fd)
        }

        private func serveFile(_ request: Request, repository: String, file: String, lfs: Bool, on fd: Int32) {
            guard let folder = repositories[repository], !file.split(separator: "/").contains(".."),
                  var bytes = FileManager.default.contents(atPath: "\(folder)/\(file)").map(Array.init) else {
                return send(fd, 404, [("X-Error-Code", "EntryNotFound"), ("X-Repo-Commit", commit)], body: [])
            }
            let hash = SHA256Hex.cached("\(folder)/\(file)", bytes)
            let size = bytes.count
            let (announced, corrupted, ignoreRange) = locked { ($0.announcedSizes[file], $0.corrupted.contains(file), $0.ignoreRange) }
            if corrupted { bytes[size / 2] ^= 0xFF }
            var headers = [("X-Repo-Commit", commit)]
            if lfs {
                // The hub answers an LFS file with its metadata and a redirect to the CDN.
                let host = "http://localhost:\(port)/cdn/\(repository)/\(file)"
                headers += [("ETag", "\"\(hash.prefix(40))\""), ("X-Linked-Etag", "\"\(hash)\""),
                            ("X-Linked-Size", "\(announced ?? size)"), ("Location", host)]
                return send(fd, 302, headers, body: [])
            }
            headers.append(("ETag", "\"\(hash.prefix(40))\""))
            if request.method == "HEAD" {
                return send(fd, 200, headers, body: [], contentLength: announced ?? size)
            }
            var status = 200
            var start = 0
            if !ignoreRange, let range = request.header("Range"), range.hasPrefix("bytes="), range.hasSuffix("-"),
               let from = Int(range.dropFirst(6).dropLast()) {
                guard from < size else { return send(fd, 416, headers + [("Content-Range", "bytes */\(size)")], body: []) }
                status = 206
                start = from
                headers.append(("Content-Range", "bytes \(from)-\(size - 1)/\(size)"))
            }
            let cut = locked { options -> Int? in
                defer { options.cuts[file] = nil }
                return options.cuts[file]
            }
            send(fd, status, headers, body: Array(bytes[start...]), cutAfter: cut)
        }

        private func send(_ fd: Int32, _ status: Int, _ headers: [(String, String)], body: [UInt8],
                          contentLength: Int? = nil, cutAfter: Int? = nil) {
            let reasons = [200: "OK", 206: "Partial Content", 302: "Found", 400: "Bad Request", 401: "Unauthorized",
                           404: "Not Found", 416: "Range Not Satisfiable"]
            var head = "HTTP/1.1 \(status) \(reasons[status] ?? "Status")\r\n"
            for (name, value) in headers { head += "\(name): \(value)\r\n" }
            head += "Content-Length: \(contentLength ?? body.count)\r\nConnection: close\r\n\r\n"
            writeAll(fd, Array(head.utf8))
            writeAll(fd, Array(body.prefix(cutAfter ?? body.count)))
        }

        private func writeAll(_ fd: Int32, _ bytes: [UInt8]) {
            var offset = 0
            while offset < bytes.count {
                // MSG_NOSIGNAL: a client that hung up must not kill the test process with SIGPIPE.
                let sent = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                guard sent > 0 else { return }
                offset += sent
            }
        }
    }
}

/// SHA-256 in plain Swift, so TestSupport needs nothing but Foundation.
private enum SHA256Hex {
    static let k: [UInt32] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
    ]

    /// Hashes by path, shared by every server of the test process: a debug build hashes slowly.
    nonisolated(unsafe) private static var hashes = [String: (bytes: [UInt8], hash: String)]()
    private static let lock = NSLock()

    static func cached(_ path: String, _ bytes: [UInt8]) -> String {
        if let known = lock.withLock({ hashes[path] }), known.bytes == bytes { return known.hash }
        let hash = digest(bytes)
        lock.withLock { hashes[path] = (bytes, hash) }
        return hash
    }

    static func digest(_ bytes: [UInt8]) -> String {
        var h: [UInt32] = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]
        var message = bytes
        message.append(0x80)
        while message.count % 64 != 56 { message.append(0) }
        let bits = UInt64(bytes.count) * 8
        for shift in stride(from: 56, through: 0, by: -8) { message.append(UInt8(truncatingIfNeeded: bits >> UInt64(shift))) }
        func rotate(_ x: UInt32, _ n: UInt32) -> UInt32 { (x >> n) | (x << (32 - n)) }
        var w = [UInt32](repeating: 0, count: 64)
        message.withUnsafeBufferPointer { m in
            for chunk in stride(from: 0, to: m.count, by: 64) {
                for i in 0..<16 {
                    w[i] = UInt32(m[chunk + 4 * i]) << 24 | UInt32(m[chunk + 4 * i + 1]) << 16
                        | UInt32(m[chunk + 4 * i + 2]) << 8 | UInt32(m[chunk + 4 * i + 3])
                }
                for i in 16..<64 {
                    let s0 = rotate(w[i - 15], 7) ^ rotate(w[i - 15], 18) ^ (w[i - 15] >> 3)
                    let s1 = rotate(w[i - 2], 17) ^ rotate(w[i - 2], 19) ^ (w[i - 2] >> 10)
                    w[i] = w[i - 16] &+ s0 &+ w[i - 7] &+ s1
                }
                var (a, b, c, d, e, f, g, hh) = (h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7])
                for i in 0..<64 {
                    let t1 = hh &+ (rotate(e, 6) ^ rotate(e, 11) ^ rotate(e, 25)) &+ ((e & f) ^ (~e & g)) &+ k[i] &+ w[i]
                    let t2 = (rotate(a, 2) ^ rotate(a, 13) ^ rotate(a, 22)) &+ ((a & b) ^ (a & c) ^ (b & c))
                    (hh, g, f, e, d, c, b, a) = (g, f, e, d &+ t1, c, b, a, t1 &+ t2)
                }
                for (i, value) in [a, b, c, d, e, f, g, hh].enumerated() { h[i] = h[i] &+ value }
            }
        }
        return h.map { String($0, radix: 16).leftPadded(to: 8) }.joined()
    }
}

private extension String {
    func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
