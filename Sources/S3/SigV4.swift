import Crypto
import Foundation

/// AWS Signature Version 4 (the `AWS4-HMAC-SHA256` scheme of every AWS API and of S3's
/// compatibles), as AWS's "Create a signed AWS API request" describes it: a canonical
/// request (method, URI, query, headers, signed header names, payload hash), a string to sign
/// (the algorithm, the time, the scope `DATE/REGION/SERVICE/aws4_request`, the canonical
/// request's SHA-256), and an HMAC-SHA256 chain from `AWS4` + the secret through date, region,
/// service and `aws4_request`. Checked against AWS's published test suite
/// (`Tests/Fixtures/sigv4/`, from botocore's copy) and S3's own examples.
///
/// S3 differs from the other services in two ways, both the default here (`s3: true`): a
/// path's segments are encoded once (the key as stored) and never normalized (`a/./b` is a key).
public struct SigV4: Sendable {
    public let credentials: AWSCredentials
    public let region: String
    public let service: String
    public var s3 = true

    public init(credentials: AWSCredentials, region: String, service: String = "s3") {
        self.credentials = credentials
        self.region = region
        self.service = service
    }

    /// What is signed of a request: `path` (S3: the key path, decoded; other services: as on
    /// the wire) and `query` decoded (they are encoded here),
    /// `headers` as they will be sent (Host among them), `payloadHash` the body's SHA-256 in
    /// hex (or `UNSIGNED-PAYLOAD`).
    public struct Request: Sendable {
        public var method: String
        public var path: String
        public var query: [(String, String)]
        public var headers: [(String, String)]
        public var payloadHash: String

        public init(method: String, path: String, query: [(String, String)] = [], headers: [(String, String)], payloadHash: String) {
            self.method = method
            self.path = path
            self.query = query
            self.headers = headers
            self.payloadHash = payloadHash
        }
    }

    /// `20150830T123600Z`.
    public static func amzDate(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        return formatter.string(from: date)
    }

    /// RFC 3986 percent-encoding of everything but the unreserved characters (`A-Z a-z 0-9 - _ . ~`);
    /// `/` too unless `keepSlash`.
    public static func encode(_ text: String, keepSlash: Bool = false) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                out.unicodeScalars.append(UnicodeScalar(byte))
            case UInt8(ascii: "/") where keepSlash:
                out.append("/")
            default:
                out += String(format: "%%%02X", byte)
            }
        }
        return out
    }

    /// The path as sent and as signed.
    public func canonicalURI(_ path: String) -> String {
        let path = path.isEmpty ? "/" : path
        if s3 { return Self.encode(path, keepSlash: true) }
        // Other services: the path as it is on the wire, normalized (RFC 3986 dot segments, no
        // empty segments), then each segment encoded once more.
        var segments = [Substring]()
        for segment in path.split(separator: "/", omittingEmptySubsequences: true) {
            if segment == "." { continue }
            if segment == ".." { _ = segments.popLast(); continue }
            segments.append(segment)
        }
        let trailing = path.hasSuffix("/") && !segments.isEmpty ? "/" : ""
        return "/" + segments.map { Self.encode(String($0)) }.joined(separator: "/") + trailing
    }

    public static func canonicalQuery(_ query: [(String, String)]) -> String {
        let encoded: [(key: String, value: String)] = query.map { (encode($0.0), encode($0.1)) }
        let sorted = encoded.sorted { $0.key == $1.key ? $0.value < $1.value : $0.key < $1.key }
        return sorted.map { "\($0.key)=\($0.value)" }.joined(separator: "&")
    }

    /// Header names lowercased and sorted; a repeated header's values joined by commas in
    /// order; each value trimmed, its runs of spaces (and folded lines) made one space.
    static func canonicalHeaders(_ headers: [(String, String)]) -> (text: String, signed: String) {
        var values = [String: [String]]()
        for (name, value) in headers {
            let collapsed = value.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }).joined(separator: " ")
            values[name.lowercased(), default: []].append(collapsed)
        }
        let names = values.keys.sorted()
        return (names.map { "\($0):\(values[$0]!.joined(separator: ","))\n" }.joined(), names.joined(separator: ";"))
    }

    public func canonicalRequest(_ request: Request) -> (text: String, signedHeaders: String) {
        let headers = Self.canonicalHeaders(request.headers)
        let text = [request.method, canonicalURI(request.path), Self.canonicalQuery(request.query), headers.text, headers.signed,
                    request.payloadHash].joined(separator: "\n")
        return (text, headers.signed)
    }

    public func scope(_ amzDate: String) -> String { "\(amzDate.prefix(8))/\(region)/\(service)/aws4_request" }

    public func stringToSign(_ canonicalRequest: String, amzDate: String) -> String {
        ["AWS4-HMAC-SHA256", amzDate, scope(amzDate), Self.hex(SHA256.hash(data: Data(canonicalRequest.utf8)))].joined(separator: "\n")
    }

    public func signature(_ stringToSign: String, amzDate: String) -> String {
        func hmac(_ key: some ContiguousBytes, _ text: String) -> HashedAuthenticationCode<SHA256> {
            HMAC<SHA256>.authenticationCode(for: Data(text.utf8), using: SymmetricKey(data: key))
        }
        let date = hmac(Data("AWS4\(credentials.secretAccessKey)".utf8), String(amzDate.prefix(8)))
        let key = hmac(hmac(hmac(date, region), service), "aws4_request")
        return Self.hex(hmac(key, stringToSign))
    }

    /// The `Authorization` header's value for `request` at `amzDate`.
    public func authorization(_ request: Request, amzDate: String) -> String {
        let canonical = canonicalRequest(request)
        let signature = signature(stringToSign(canonical.text, amzDate: amzDate), amzDate: amzDate)
        return "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyID)/\(scope(amzDate)), SignedHeaders=\(canonical.signedHeaders), Signature=\(signature)"
    }

    /// Adds `x-amz-date`, `x-amz-content-sha256` (S3), `x-amz-security-token` (with a session
    /// token) and `Authorization` to `request.headers`, which must hold `Host`.
    public func sign(_ request: inout Request, date: Date = Date()) {
        let amzDate = Self.amzDate(date)
        request.headers.append(("x-amz-date", amzDate))
        if s3 { request.headers.append(("x-amz-content-sha256", request.payloadHash)) }
        if let token = credentials.sessionToken { request.headers.append(("x-amz-security-token", token)) }
        request.headers.append(("Authorization", authorization(request, amzDate: amzDate)))
    }

    public static func hex(_ bytes: some Sequence<UInt8>) -> String {
        bytes.map { String(format: "%02x", $0) }.joined()
    }

    /// SHA-256 in hex, the payload hash of a body in memory.
    public static func sha256(_ bytes: some DataProtocol) -> String { hex(SHA256.hash(data: bytes)) }

    /// The payload hash of an empty body.
    public static let emptyPayload = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
}
