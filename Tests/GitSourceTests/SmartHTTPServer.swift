import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// git's smart HTTP protocol on 127.0.0.1 (a port the OS picks), served by the git command's
/// own CGI program, `git http-backend`, behind HTTP basic authentication: the closest a test
/// can come to an HTTPS host that wants a username and token, without a network. One request
/// per connection on one thread; it stops when released.
final class SmartHTTPServer: @unchecked Sendable {
    struct Request: Sendable {
        var method: String
        var path: String
        var authorization: String?
        var status: Int
    }

    let port: UInt16
    private let listener: Int32
    private let root: String
    private let expectedAuthorization: String
    private let lock = NSLock()
    private var log = [Request]()
    private var running = true
    private let finished = DispatchSemaphore(value: 0)

    /// Serves the repositories under `root` as `http://127.0.0.1:PORT/NAME` to `username`:`token`.
    init(root: String, username: String, token: String) throws {
        listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard listener >= 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let fd = listener
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && listen(fd, 16) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else {
            close(listener)
            throw POSIXError(.EADDRNOTAVAIL)
        }
        port = UInt16(bigEndian: address.sin_port)
        self.root = root
        expectedAuthorization = "Basic " + Data("\(username):\(token)".utf8).base64EncodedString()
        let thread = Thread { [unowned self] in serve() }
        thread.start()
    }

    deinit {
        lock.withLock { running = false }
        finished.wait()
        close(listener)
    }

    func url(_ name: String) -> String { "http://127.0.0.1:\(port)/\(name)" }

    var requests: [Request] { lock.withLock { log } }

    private func serve() {
        defer { finished.signal() }
        while lock.withLock({ running }) {
            var poller = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 20) > 0 else { continue }
            let client = accept(listener, nil, nil)
            guard client >= 0 else { continue }
            var timeout = timeval(tv_sec: 5, tv_usec: 0)
            setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            handle(client)
            shutdown(client, Int32(SHUT_WR))
            close(client)
        }
    }

    private func handle(_ client: Int32) {
        var received = [UInt8]()
        var headerEnd: Int?
        while headerEnd == nil {
            guard let more = receive(client) else { return }
            received += more
            headerEnd = find([13, 10, 13, 10], in: received)
        }
        let head = String(decoding: received[..<headerEnd!], as: UTF8.self).components(separatedBy: "\r\n")
        let requestLine = head[0].split(separator: " ")
        guard requestLine.count == 3 else { return }
        var headers = [String: String]()
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        var body = Array(received[(headerEnd! + 4)...])
        if headers["transfer-encoding"]?.lowercased() == "chunked" {
            while find([48, 13, 10, 13, 10], in: body) == nil, let more = receive(client) { body += more }
            body = dechunk(body)
        } else {
            let length = Int(headers["content-length"] ?? "0") ?? 0
            while body.count < length, let more = receive(client) { body += more }
        }
        let method = String(requestLine[0])
        let target = String(requestLine[1])
        let authorization = headers["authorization"]
        guard authorization == expectedAuthorization else {
            record(method, target, authorization, 401)
            return send(client, "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"wf-test\"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", [])
        }
        let (status, responseHeaders, responseBody) = backend(method: method, target: target, headers: headers, body: body)
        record(method, target, authorization, status)
        var response = "HTTP/1.1 \(status) Status\r\n"
        for (name, value) in responseHeaders { response += "\(name): \(value)\r\n" }
        response += "Content-Length: \(responseBody.count)\r\nConnection: close\r\n\r\n"
        send(client, response, responseBody)
    }

    /// Runs `git http-backend` as a web server runs a CGI program.
    private func backend(method: String, target: String, headers: [String: String], body: [UInt8]) -> (Int, [(String, String)], [UInt8]) {
        let parts = target.split(separator: "?", maxSplits: 1)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git", "http-backend"]
        var environment = ProcessInfo.processInfo.environment
        environment["GIT_PROJECT_ROOT"] = root
        environment["GIT_HTTP_EXPORT_ALL"] = "1"
        environment["REQUEST_METHOD"] = method
        environment["PATH_INFO"] = String(parts[0])
        environment["QUERY_STRING"] = parts.count > 1 ? String(parts[1]) : ""
        environment["CONTENT_TYPE"] = headers["content-type"] ?? ""
        environment["CONTENT_LENGTH"] = "\(body.count)"
        environment["REMOTE_USER"] = "test"
        environment["REMOTE_ADDR"] = "127.0.0.1"
        if let version = headers["git-protocol"] { environment["GIT_PROTOCOL"] = version }
        process.environment = environment
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return (500, [], []) }
        // Write the request body on another thread so a large answer cannot deadlock us.
        let writer = input.fileHandleForWriting
        DispatchQueue.global().async {
            try? writer.write(contentsOf: Data(body))
            try? writer.close()
        }
        let answer = [UInt8](output.fileHandleForReading.readDataToEndOfFile())
        process.waitUntilExit()
        guard let end = find([13, 10, 13, 10], in: answer) else { return (500, [], []) }
        var status = 200
        var responseHeaders = [(String, String)]()
        for line in String(decoding: answer[..<end], as: UTF8.self).components(separatedBy: "\r\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = String(line[..<colon]), value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            if name.lowercased() == "status" { status = Int(value.prefix(3)) ?? 500 } else { responseHeaders.append((name, value)) }
        }
        return (status, responseHeaders, Array(answer[(end + 4)...]))
    }

    private func record(_ method: String, _ path: String, _ authorization: String?, _ status: Int) {
        lock.withLock { log.append(Request(method: method, path: path, authorization: authorization, status: status)) }
    }

    private func receive(_ fd: Int32) -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: 65536)
        let count = recv(fd, &buffer, buffer.count, 0)
        return count > 0 ? Array(buffer[..<count]) : nil
    }

    private func send(_ fd: Int32, _ head: String, _ body: [UInt8]) {
        let bytes = Array(head.utf8) + body
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard sent > 0 else { return }
            offset += sent
        }
    }

    private func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        return (0...(haystack.count - needle.count)).first { haystack[$0..<$0 + needle.count].elementsEqual(needle) }
    }

    private func dechunk(_ bytes: [UInt8]) -> [UInt8] {
        var result = [UInt8](), index = 0
        while let lineEnd = find([13, 10], in: Array(bytes[index...])).map({ $0 + index }),
              let size = Int(String(decoding: bytes[index..<lineEnd], as: UTF8.self), radix: 16), size > 0,
              lineEnd + 2 + size <= bytes.count {
            result += bytes[(lineEnd + 2)..<(lineEnd + 2 + size)]
            index = lineEnd + 2 + size + 2
        }
        return result
    }
}
