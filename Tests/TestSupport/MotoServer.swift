import Foundation

/// A real S3 server for tests: moto's server mode (PyPI `moto[server]`, in the virtual
/// environment `.ci/run` makes, or `$WF_MOTO_SERVER`), on a free port of 127.0.0.1, with IAM
/// authentication on: after the buckets and one IAM user with an access key allowed `s3:*`
/// are made (moto lets the first requests through unsigned), every request must be signed
/// with that key, and moto checks the signature as AWS does. Stopped when the value goes
/// away; `timeout` ends it after 15 minutes whatever happens to the test process.
public final class MotoServer: @unchecked Sendable {
    public let endpoint: String
    public let accessKeyID: String
    public let secretAccessKey: String
    let process: Process

    /// `$WF_MOTO_SERVER`, else `.build/venv-moto/bin/moto_server`.
    public static var executable: String? {
        [ProcessInfo.processInfo.environment["WF_MOTO_SERVER"], Fixtures.checkout(".build/venv-moto/bin/moto_server")].compactMap { $0 }
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    public struct Failure: Error, CustomStringConvertible { public var description: String }

    /// Starts moto with `buckets` made.
    public init(buckets: [String], log: String) throws {
        guard let executable = Self.executable else { throw Failure(description: "no moto_server: .ci/run makes .build/venv-moto (pip install 'moto[server]')") }
        let port = try Self.freePort()
        endpoint = "http://127.0.0.1:\(port)"
        process = Process()
        // The test process blocks SIGTERM in the thread that spawns, and a child inherits the
        // mask: Python clears it, then becomes `timeout`, so terminate() reaches the server.
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", "import os, signal, sys; signal.pthread_sigmask(signal.SIG_SETMASK, []); os.execvp('timeout', ['timeout', '900'] + sys.argv[1:])",
                             executable, "-H", "127.0.0.1", "-p", "\(port)"]
        var environment = ProcessInfo.processInfo.environment
        environment["INITIAL_NO_AUTH_ACTION_COUNT"] = "\(buckets.count + 3)"
        process.environment = environment
        FileManager.default.createFile(atPath: log, contents: nil)
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        process.standardOutput = output
        process.standardError = output
        try process.run()
        var up = false
        for _ in 0..<300 where !up {
            up = (try? Self.request("GET", "\(endpoint)/moto-api/", body: nil, headers: [:]))?.status == 200
            if !up { usleep(50_000) }
        }
        guard up else { throw Failure(description: "moto_server did not answer on \(endpoint): \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")") }
        // Free requests, in order: the buckets, the user, its key, its policy. Unsigned IAM
        // requests are routed to IAM by the credential scope of a placeholder Authorization.
        for bucket in buckets {
            let made = try Self.request("PUT", "\(endpoint)/\(bucket)", body: nil, headers: [:])
            guard made.status == 200 else { throw Failure(description: "cannot make bucket \(bucket): \(made.body)") }
        }
        let iam = ["Authorization": "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20260101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0",
                   "Content-Type": "application/x-www-form-urlencoded"]
        func form(_ fields: [(String, String)]) -> String {
            fields.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? $0.1)" }.joined(separator: "&")
        }
        _ = try Self.request("POST", endpoint + "/", body: form([("Action", "CreateUser"), ("UserName", "wf"), ("Version", "2010-05-08")]), headers: iam)
        let key = try Self.request("POST", endpoint + "/", body: form([("Action", "CreateAccessKey"), ("UserName", "wf"), ("Version", "2010-05-08")]), headers: iam).body
        func field(_ name: String) -> String? {
            guard let start = key.range(of: "<\(name)>"), let end = key.range(of: "</\(name)>") else { return nil }
            return String(key[start.upperBound..<end.lowerBound])
        }
        guard let id = field("AccessKeyId"), let secret = field("SecretAccessKey") else { throw Failure(description: "no access key from moto: \(key)") }
        accessKeyID = id
        secretAccessKey = secret
        let policy = #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#
        let attached = try Self.request("POST", endpoint + "/", body: form([("Action", "PutUserPolicy"), ("UserName", "wf"), ("PolicyName", "s3"),
                                                                            ("PolicyDocument", policy), ("Version", "2010-05-08")]), headers: iam)
        guard attached.status == 200 else { throw Failure(description: "cannot give the user its policy: \(attached.body)") }
    }

    deinit {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }

    /// The environment a `wf` process needs to reach this server as the user.
    public var environment: [String: String] {
        ["AWS_ACCESS_KEY_ID": accessKeyID, "AWS_SECRET_ACCESS_KEY": secretAccessKey, "AWS_ENDPOINT_URL": endpoint, "AWS_REGION": "us-east-1"]
    }

    static func freePort() throws -> Int {
        let (fd, port) = try loopbackSocket(listening: false)
        close(fd)
        return port
    }

    /// A TCP socket bound to a free port of 127.0.0.1 (listening, for a server the test runs).
    static func loopbackSocket(listening: Bool) throws -> (fd: Int32, port: Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && (!listening || listen(fd, 64) == 0) && getsockname(fd, $0, &length) == 0
            }
        }
        guard bound else {
            close(fd)
            throw Failure(description: "no free port on 127.0.0.1")
        }
        return (fd, Int(UInt16(bigEndian: address.sin_port)))
    }

    static func request(_ method: String, _ url: String, body: String?, headers: [String: String]) throws -> (status: Int, body: String) {
        let reply = try HTTPClient.request(method, url, headers: headers, body: body.map { Array($0.utf8) }, timeout: 10)
        return (reply.status, reply.body)
    }
}
