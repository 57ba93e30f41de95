import AsyncHTTPClient
import Datasets
import Foundation
import NIOCore
import NIOHTTP1

/// A small S3 client over async-http-client: each request signed with SigV4, sent, and retried
/// on what is transient (a 500, a 503 or `SlowDown`, a dropped connection) up to `attempts`
/// times with exponential backoff and full jitter (AWS's "Exponential Backoff and Jitter");
/// every other error answer becomes one `ObjectStoreError` line saying what to do.
public struct S3Client: Sendable {
    public let endpoint: S3Endpoint
    public let signer: SigV4
    public var attempts = 6
    /// The first retry waits up to this long; each later one up to twice as long as the last.
    public var backoff: Double = 0.2
    /// Sees each request sent (`PUT key?partNumber=2&uploadId=…`), for tests and `--verbose`.
    public var observe: (@Sendable (String) -> Void)?

    public init(endpoint: S3Endpoint, credentials: AWSCredentials) {
        self.endpoint = endpoint
        self.signer = SigV4(credentials: credentials, region: endpoint.region)
    }

    /// A request's answer: the status, the headers, and the body when it was read whole.
    public struct Answer: Sendable {
        public var status: Int
        public var headers: HTTPHeaders
        public var body: [UInt8]
    }

    /// What a request sends.
    public enum Body: Sendable {
        case empty
        case bytes([UInt8], sha256: String?)
    }

    /// Sends `method` on `key` of `bucket` (nil: the bucket itself), reads the answer whole
    /// (`sink`: streams a 200's body there instead), retrying what is transient.
    /// - Throws: `ObjectStoreError` for an error answer that is not in `accept`.
    public func send(_ method: HTTPMethod, bucket: String, key: String?, query: [(String, String)] = [], headers extra: [(String, String)] = [],
                     body: Body = .empty, accept: Set<Int> = [200], sink: (@Sendable (ByteBuffer) throws -> Void)? = nil,
                     restart: (@Sendable () throws -> Void)? = nil) async throws -> Answer {
        var attempt = 0
        while true {
            attempt += 1
            do {
                let answer = try await once(method, bucket: bucket, key: key, query: query, headers: extra, body: body, sink: sink)
                if accept.contains(answer.status) { return answer }
                let failure = S3Failure(status: answer.status, body: answer.body, bucket: bucket, key: key, endpoint: endpoint.url.absoluteString)
                guard failure.isTransient, attempt < attempts else { throw failure.error }
            } catch let error as ObjectStoreError {
                throw error
            } catch {
                // The connection failed or dropped (refused, reset, timed out): transient.
                guard attempt < attempts else {
                    throw ObjectStoreError("cannot reach \(endpoint.url.absoluteString) (\(error)); check the endpoint and the network")
                }
            }
            try restart?()
            let ceiling = backoff * pow(2, Double(attempt - 1))
            try await Task.sleep(for: .milliseconds(Int(Double.random(in: 0...ceiling) * 1000)))
        }
    }

    private func once(_ method: HTTPMethod, bucket: String, key: String?, query: [(String, String)], headers extra: [(String, String)],
                      body: Body, sink: (@Sendable (ByteBuffer) throws -> Void)?) async throws -> Answer {
        let path: String, host: String
        var base = endpoint.url
        if endpoint.pathStyle {
            path = endpoint.url.path + "/\(bucket)" + (key.map { "/\($0)" } ?? "/")
            host = Self.hostHeader(endpoint.url)
        } else {
            path = "/" + (key ?? "")
            base = URL(string: "\(endpoint.url.scheme!)://\(bucket).\(endpoint.url.host!)")!
            host = "\(bucket).\(endpoint.url.host!)"
        }
        let bytes: [UInt8]
        let payloadHash: String
        switch body {
        case .empty: bytes = []; payloadHash = SigV4.emptyPayload
        case .bytes(let given, let sha256): bytes = given; payloadHash = sha256 ?? SigV4.sha256(given)
        }
        var signed = SigV4.Request(method: method.rawValue, path: path, query: query, headers: [("Host", host)] + extra, payloadHash: payloadHash)
        signer.sign(&signed)
        let queryText = SigV4.canonicalQuery(query)
        var request = HTTPClientRequest(url: "\(base.scheme!)://\(host)\(signer.canonicalURI(path))" + (queryText.isEmpty ? "" : "?\(queryText)"))
        request.method = method
        for (name, value) in signed.headers { request.headers.add(name: name, value: value) }
        if method == .PUT || method == .POST || !bytes.isEmpty {
            request.headers.replaceOrAdd(name: "Content-Length", value: "\(bytes.count)")
            request.body = .bytes(ByteBuffer(bytes: bytes))
        }
        observe?("\(method.rawValue) \(key ?? "")" + (queryText.isEmpty ? "" : "?\(queryText)"))
        let response = try await Self.http.execute(request, timeout: .seconds(600))
        let status = Int(response.status.code)
        if status == 200 || status == 206, let sink {
            for try await chunk in response.body { try sink(chunk) }
            return Answer(status: status, headers: response.headers, body: [])
        }
        let collected = try await response.body.collect(upTo: 64 << 20)
        return Answer(status: status, headers: response.headers, body: Array(collected.readableBytesView))
    }

    /// One client for the process. A failed connection fails the request at once (the retries
    /// with backoff are `send`'s): async-http-client would otherwise retry it until the
    /// request's deadline, minutes for a refused port. Up to 16 connections per host, for the
    /// many small objects of a push.
    static let http: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 16
        configuration.timeout = HTTPClient.Configuration.Timeout(connect: .seconds(10), read: .seconds(120))
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()

    /// `host` or `host:port` as the Host header names it (the port only when not the scheme's own).
    static func hostHeader(_ url: URL) -> String {
        guard let port = url.port, !(url.scheme == "http" && port == 80), !(url.scheme == "https" && port == 443) else { return url.host! }
        return "\(url.host!):\(port)"
    }
}

/// An error answer from S3: its status and `<Error><Code>`, what it means for the user.
struct S3Failure {
    var status: Int
    var code: String
    var message: String
    var bucket: String
    var key: String?
    var endpoint: String

    init(status: Int, body: [UInt8], bucket: String, key: String?, endpoint: String) {
        let fields = S3XML.parse(body)?.fields ?? [:]
        self.status = status
        self.code = fields["Code"] ?? "HTTP \(status)"
        self.message = fields["Message"] ?? ""
        self.bucket = bucket
        self.key = key
        self.endpoint = endpoint
    }

    /// Throttling and server trouble: tried again after a wait.
    var isTransient: Bool {
        status >= 500 || code == "SlowDown" || code == "RequestTimeout" || code == "Throttling" || code == "ThrottlingException" || status == 429
    }

    var error: ObjectStoreError {
        let what = "s3://\(bucket)" + (key.map { "/\($0)" } ?? "")
        switch code {
        case "NoSuchBucket":
            return ObjectStoreError("bucket \(bucket) does not exist at \(endpoint); create it (aws s3 mb s3://\(bucket)) or correct the remote's URL")
        case "InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken", "ExpiredToken", "InvalidSecurity":
            return ObjectStoreError("\(endpoint) refused the credentials (\(code)): check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE)")
        case "AccessDenied":
            return ObjectStoreError("\(endpoint) denied access to \(what) (AccessDenied): the credentials lack permission for it")
        case "RequestTimeTooSkewed":
            return ObjectStoreError("this machine's clock is more than 15 minutes off the server's (RequestTimeTooSkewed); set the clock (timedatectl set-ntp true)")
        case "SlowDown", "Throttling", "ThrottlingException":
            return ObjectStoreError("\(endpoint) kept asking to slow down (\(code)) after retries; try again later or with fewer --jobs")
        default:
            return ObjectStoreError("\(endpoint) answered \(status) \(code) for \(what)" + (message.isEmpty ? "" : ": \(message)"))
        }
    }
}
