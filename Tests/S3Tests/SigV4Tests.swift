import Foundation
import Testing
import TestSupport
@testable import S3

/// The signer against AWS's published Signature Version 4 test suite (26 requests of the
/// generic form, from botocore's copy in `Tests/Fixtures/sigv4/`, Apache 2.0): each case's
/// canonical request, string to sign and Authorization header must match byte for byte. The
/// suite's path-normalizing cases are left out: S3 never normalizes a key. Then S3's own
/// documented example (GET /test.txt with a Range, from "Signature Calculations for the
/// Authorization Header" in the S3 API reference).
@Suite struct SigV4Tests {
    static let folder = Fixtures.checkout("Tests/Fixtures/sigv4")
    static var cases: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasSuffix(".req") }.map { String($0.dropLast(4)) }.sorted()
    }

    /// A `.req` file: `METHOD PATH?QUERY HTTP/1.1`, headers (a line starting with spaces continues
    /// the one before), a blank line, the body.
    static func request(_ text: String) -> (method: String, path: String, query: [(String, String)], headers: [(String, String)], body: String) {
        let parts = text.components(separatedBy: "\n\n")
        var lines = parts[0].components(separatedBy: "\n")
        let requestLine = lines.removeFirst()
        let words = requestLine.split(separator: " ")
        let method = String(words[0])
        let target = words[1..<(words.count - 1)].joined(separator: " ")
        let pathPart = String(target.prefix { $0 != "?" })
        let queryPart = target.contains("?") ? String(target.drop { $0 != "?" }.dropFirst()) : ""
        var headers = [(String, String)]()
        for line in lines where !line.isEmpty {
            if line.hasPrefix(" "), let last = headers.popLast() {
                headers.append((last.0, last.1 + "\n" + line))
            } else if let colon = line.firstIndex(of: ":") {
                headers.append((String(line[..<colon]), String(line[line.index(after: colon)...])))
            }
        }
        let query = queryPart.split(separator: "&").map { pair -> (String, String) in
            let pieces = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map { String($0).removingPercentEncoding ?? String($0) }
            return (pieces[0], pieces.count > 1 ? pieces[1] : "")
        }
        return (method, pathPart.removingPercentEncoding ?? pathPart, query, headers, parts.count > 1 ? parts[1...].joined(separator: "\n\n") : "")
    }

    @Test func theSuiteHasItsCases() {
        #expect(Self.cases.count == 26, "\(Self.cases)")
    }

    @Test(arguments: SigV4Tests.cases)
    func matchesAWSTestSuite(_ name: String) throws {
        func read(_ ext: String) throws -> String { try String(contentsOfFile: "\(Self.folder)/\(name).\(ext)", encoding: .utf8) }
        let parsed = Self.request(try read("req"))
        let token = name == "get-vanilla-with-session-token" ? "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267" : nil
        var signer = SigV4(credentials: AWSCredentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", sessionToken: token),
                           region: "us-east-1", service: "service")
        signer.s3 = false
        var headers = parsed.headers
        if let token { headers.append(("X-Amz-Security-Token", token)) }
        let request = SigV4.Request(method: parsed.method, path: parsed.path, query: parsed.query, headers: headers,
                                    payloadHash: SigV4.sha256(Array(parsed.body.utf8)))
        let amzDate = "20150830T123600Z"
        let canonical = signer.canonicalRequest(request).text
        #expect(canonical == (try read("creq")), "canonical request of \(name)")
        let stringToSign = signer.stringToSign(canonical, amzDate: amzDate)
        #expect(stringToSign == (try read("sts")), "string to sign of \(name)")
        #expect(signer.authorization(request, amzDate: amzDate) == (try read("authz")), "authorization of \(name)")
    }

    /// S3's example: `GET /test.txt` of examplebucket with `Range: bytes=0-9`.
    @Test func matchesS3sDocumentedExample() {
        let signer = SigV4(credentials: AWSCredentials(accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
                           region: "us-east-1")
        let request = SigV4.Request(method: "GET", path: "/test.txt", headers: [
            ("Host", "examplebucket.s3.amazonaws.com"), ("Range", "bytes=0-9"),
            ("x-amz-content-sha256", SigV4.emptyPayload), ("x-amz-date", "20130524T000000Z"),
        ], payloadHash: SigV4.emptyPayload)
        #expect(signer.authorization(request, amzDate: "20130524T000000Z")
                == "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
    }

    @Test func s3KeysAreEncodedOnceAndNeverNormalized() {
        let signer = SigV4(credentials: AWSCredentials(accessKeyID: "a", secretAccessKey: "b"), region: "us-east-1")
        #expect(signer.canonicalURI("/bucket/a b/./c~d/é") == "/bucket/a%20b/./c~d/%C3%A9")
        #expect(SigV4.canonicalQuery([("prefix", "a/b"), ("list-type", "2"), ("continuation-token", "x+y=")])
                == "continuation-token=x%2By%3D&list-type=2&prefix=a%2Fb")
    }

    @Test func credentialsComeFromTheEnvironmentThenTheProfile() throws {
        let scratch = Scratch("wf-sigv4")
        try scratch.write("credentials", "[default]\naws_access_key_id = AKDEFAULT\naws_secret_access_key = s1\n\n[work]\n# a comment\naws_access_key_id=AKWORK\naws_secret_access_key=s2\naws_session_token = t2\n")
        let file = scratch("credentials")
        #expect(try AWSCredentials.resolve(environment: ["AWS_ACCESS_KEY_ID": "AKENV", "AWS_SECRET_ACCESS_KEY": "s0", "AWS_SHARED_CREDENTIALS_FILE": file]).accessKeyID == "AKENV")
        #expect(try AWSCredentials.resolve(environment: ["AWS_SHARED_CREDENTIALS_FILE": file]) == AWSCredentials(accessKeyID: "AKDEFAULT", secretAccessKey: "s1"))
        #expect(try AWSCredentials.resolve(environment: ["AWS_SHARED_CREDENTIALS_FILE": file, "AWS_PROFILE": "work"])
                == AWSCredentials(accessKeyID: "AKWORK", secretAccessKey: "s2", sessionToken: "t2"))
        #expect { try AWSCredentials.resolve(environment: ["AWS_SHARED_CREDENTIALS_FILE": file, "AWS_PROFILE": "none"]) } throws: {
            "\($0)".contains("has no profile [none]")
        }
        #expect { try AWSCredentials.resolve(environment: ["AWS_ACCESS_KEY_ID": "AKENV"]) } throws: { "\($0)".contains("AWS_SECRET_ACCESS_KEY is not") }
        #expect(!"\(try AWSCredentials.resolve(environment: ["AWS_SHARED_CREDENTIALS_FILE": file]))".contains("s1"), "a secret is never printed")
    }

    @Test func locationsAndEndpointsAreChecked() throws {
        #expect(try S3Location(parsing: "s3://my-bucket/a/b/") == S3Location(bucket: "my-bucket", prefix: "a/b"))
        #expect(try S3Location(parsing: "s3://my-bucket").key("x") == "x")
        for bad in ["https://b/x", "s3://B/x", "s3://ab", "s3://-ab/x", "s3://abc/../x"] {
            #expect(throws: S3Location.Invalid.self) { try S3Location(parsing: bad) }
        }
        let aws = try S3Endpoint.resolve(endpoint: nil, region: "eu-west-1", environment: [:])
        #expect(aws.url.absoluteString == "https://s3.eu-west-1.amazonaws.com" && !aws.pathStyle)
        let local = try S3Endpoint.resolve(endpoint: nil, region: nil, environment: ["AWS_ENDPOINT_URL": "http://127.0.0.1:9000/"])
        #expect(local.url.absoluteString == "http://127.0.0.1:9000" && local.pathStyle && local.region == "us-east-1")
        #expect(S3Client.hostHeader(local.url) == "127.0.0.1:9000")
    }
}
