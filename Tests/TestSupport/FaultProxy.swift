import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A TCP proxy on 127.0.0.1 in front of a real server (moto, in the S3 tests) that answers
/// some requests itself with an error the server cannot be made to give (S3's `SlowDown`, a
/// skewed clock) and relays the rest byte for byte: fault injection without a fake server.
/// Each connection carries one request (moto's server speaks HTTP/1.0 and closes after each).
public final class FaultProxy: @unchecked Sendable {
    public let endpoint: String
    private let listener: Int32
    private let target: Int
    private let lock = NSLock()
    private var faults: [(status: Int, code: String)]
    private var stopped = false
    /// Requests that reached the proxy.
    public private(set) var requests = 0

    /// Answers the next requests with `faults` in order, then relays.
    public init(to targetPort: Int, faults: [(status: Int, code: String)]) throws {
        target = targetPort
        self.faults = faults
        let (fd, port) = try MotoServer.loopbackSocket(listening: true)
        listener = fd
        endpoint = "http://127.0.0.1:\(port)"
        Thread.detachNewThread { [self] in acceptLoop() }
    }

    deinit { stop() }

    /// Stops taking connections; the socket is closed once (a second close could hit another test's descriptor).
    public func stop() {
        let first = lock.withLock { () -> Bool in
            defer { stopped = true }
            return !stopped
        }
        guard first else { return }
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    private func acceptLoop() {
        while true {
            let client = accept(listener, nil, nil)
            if client < 0 { return }
            let fault: (status: Int, code: String)? = lock.withLock {
                requests += 1
                return faults.isEmpty ? nil : faults.removeFirst()
            }
            Thread.detachNewThread { [self] in
                if let fault { answer(client, fault) } else { relay(client) }
            }
        }
    }

    private func answer(_ client: Int32, _ fault: (status: Int, code: String)) {
        defer { close(client) }
        // Read the request head and body (by Content-Length) before answering.
        var received = [UInt8](), buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let got = recv(client, &buffer, buffer.count, 0)
            if got <= 0 { return }
            received += buffer[0..<got]
            if let end = received.firstRange(of: [13, 10, 13, 10]) {
                let head = String(decoding: received[..<end.lowerBound], as: UTF8.self).lowercased()
                let length = head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }.flatMap { Int($0.dropFirst(15).trimmingCharacters(in: .whitespaces)) } ?? 0
                if received.count - end.upperBound >= length { break }
            }
        }
        let body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>\(fault.code)</Code><Message>injected by the test</Message></Error>"
        let reply = "HTTP/1.1 \(fault.status) Injected\r\nContent-Type: application/xml\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)"
        _ = reply.withCString { send(client, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
    }

    private func relay(_ client: Int32) {
        let server = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(target).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(server, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
        guard connected else { close(client); close(server); return }
        let done = DispatchSemaphore(value: 0)
        @Sendable func pump(_ from: Int32, _ to: Int32) {
            var buffer = [UInt8](repeating: 0, count: 65536)
            while true {
                let got = recv(from, &buffer, buffer.count, 0)
                if got <= 0 { break }
                var sent = 0
                while sent < got {
                    let wrote = buffer[sent..<got].withUnsafeBytes { send(to, $0.baseAddress, got - sent, Int32(MSG_NOSIGNAL)) }
                    if wrote <= 0 { break }
                    sent += wrote
                }
            }
            shutdown(to, Int32(SHUT_WR))
            done.signal()
        }
        Thread.detachNewThread { pump(client, server) }
        Thread.detachNewThread { pump(server, client) }
        done.wait()
        done.wait()
        close(client)
        close(server)
    }
}
