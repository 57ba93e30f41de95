import Foundation
import Testing
import TestSupport

/// Idle and slow connections once held the daemon's descriptors forever: about 20,000 idle
/// connections from one client made `/health` stop answering and runs fail with "Too many
/// open files". Now connections are capped, idle ones closed, and a request head must arrive
/// within the header timeout.
@Suite struct HTTPLimitsTests {
    let scratch = Scratch("wf-http-limits")

    @Test func idleAndSlowConnectionsAreCappedAndClosed() throws {
        let daemon = try DaemonProcess(home: scratch("home"), scratch: scratch, listen: true,
                                       arguments: ["--max-connections", "16", "--idle-timeout", "1", "--header-timeout", "1", "--body-timeout", "2"])
        let url = try daemon.url()
        let port = try #require(UInt16(url.split(separator: ":").last ?? ""))

        /// Seconds until the server closes a connection that sends `head`, then `next(i)`
        /// every 0.3 s; nil when it was still open after 12 s.
        func secondsUntilClosed(_ head: String, _ next: (Int) -> String) throws -> Double? {
            let connection = try TCPConnection(port: port)
            try connection.send(head)
            let started = Date()
            for index in 0..<40 {
                usleep(300_000)
                if (try? connection.send(next(index))) == nil || connection.peerClosed() { return Date().timeIntervalSince(started) }
            }
            return nil
        }
        // A client trickling a request head, one header line every 0.3 s, is cut off.
        let head = try secondsUntilClosed("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n") { "X-Slow-\($0): yes\r\n" }
        #expect(head.map { $0 < 8 } == true, "a connection sending its head for 12 s was not closed (\(String(describing: head)))")
        // A whole head and then a body trickled a byte every 0.3 s: cut off after the body timeout.
        let body = try secondsUntilClosed("POST /hooks/github HTTP/1.1\r\nHost: 127.0.0.1\r\nX-GitHub-Event: ping\r\nContent-Length: 100\r\n\r\n") { _ in " " }
        #expect(body.map { $0 > 1.5 && $0 < 8 } == true, "a connection sending its body was not closed after 2 s (\(String(describing: body)))")

        // 120 connections that send nothing: the daemon serves 16 at a time and closes the idle.
        let idle = try (0..<120).map { _ in try TCPConnection(port: port) }
        usleep(500_000)
        let descriptors = daemon.openDescriptors()
        #expect(descriptors < 80, "the daemon holds \(descriptors) descriptors for 120 idle connections")
        let health = try HTTPClient.get(url + "/health")
        #expect(health.status == 200 && health.body == "ok\n")
        #expect(try eventually(30) { idle.allSatisfy { $0.peerClosed() } }, "idle connections were never closed")
        #expect(daemon.stop() == 0, "\(daemon.log)")
    }
}

/// A plain TCP connection to 127.0.0.1, for clients that misbehave on purpose.
final class TCPConnection {
    private(set) var fd: Int32

    init(port: UInt16) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard fd >= 0, connected == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
    }

    deinit { close() }

    /// Closes the socket once: a second `close` of the number could close a descriptor that
    /// another test's thread has opened since (a pipe, a file), as it once did.
    func close() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }

    func send(_ text: String) throws {
        let sent = text.withCString { Glibc.send(fd, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
        guard sent >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
    }

    /// Whether the server has closed its end (a read returns end of file or a reset).
    func peerClosed() -> Bool {
        var byte: UInt8 = 0
        let got = recv(fd, &byte, 1, Int32(MSG_DONTWAIT | MSG_PEEK))
        if got == 0 { return true }
        return got < 0 && errno != EAGAIN && errno != EWOULDBLOCK
    }
}

extension DaemonProcess {
    func openDescriptors() -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(process.processIdentifier)/fd").count) ?? 0
    }
}
