import Foundation

/// `s3://BUCKET/PREFIX`: a bucket and a key prefix inside it (no leading or trailing `/`).
public struct S3Location: Sendable, Equatable, CustomStringConvertible {
    public var bucket: String
    public var prefix: String

    public init(bucket: String, prefix: String) {
        self.bucket = bucket
        self.prefix = prefix
    }

    public struct Invalid: Error, CustomStringConvertible {
        public var description: String
    }

    /// Parses `s3://bucket[/prefix]`; the bucket name follows S3's rules (3–63 characters of
    /// lowercase letters, digits, `.` and `-`, starting and ending with a letter or digit).
    public init(parsing text: String) throws {
        guard text.hasPrefix("s3://") else { throw Invalid(description: "\(text) is not an S3 URL: write s3://BUCKET/PREFIX") }
        let rest = text.dropFirst("s3://".count)
        let bucket = String(rest.prefix { $0 != "/" })
        let name = bucket.utf8
        guard (3...63).contains(name.count), name.allSatisfy({ (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".") }),
              let first = bucket.first, first.isLetter || first.isNumber, let last = bucket.last, last.isLetter || last.isNumber else {
            throw Invalid(description: "\(text): \"\(bucket)\" is not a bucket name (3 to 63 lowercase letters, digits, dots and hyphens)")
        }
        let prefix = rest.dropFirst(bucket.count).split(separator: "/").joined(separator: "/")
        guard !prefix.split(separator: "/").contains(where: { $0 == "." || $0 == ".." }) else {
            throw Invalid(description: "\(text): a prefix may not hold . or .. segments")
        }
        self.init(bucket: bucket, prefix: prefix)
    }

    /// The key of `path` under the prefix.
    public func key(_ path: String) -> String { prefix.isEmpty ? path : "\(prefix)/\(path)" }

    public var description: String { "s3://\(bucket)" + (prefix.isEmpty ? "" : "/\(prefix)") }
}

/// How to reach an S3-compatible service: AWS's own (the endpoint `https://s3.REGION.amazonaws.com`,
/// virtual-hosted buckets) or another at `endpoint` (MinIO, Ceph, R2, moto; buckets in the path).
public struct S3Endpoint: Sendable, Equatable {
    public var url: URL
    public var region: String
    /// Buckets as the path's first segment (any endpoint given by hand), not the host name.
    public var pathStyle: Bool

    public init(url: URL, region: String, pathStyle: Bool) {
        self.url = url
        self.region = region
        self.pathStyle = pathStyle
    }

    /// `endpoint`, else `AWS_ENDPOINT_URL_S3` or `AWS_ENDPOINT_URL`, else AWS in `region`
    /// (else `AWS_REGION`, `AWS_DEFAULT_REGION`, `us-east-1`).
    public static func resolve(endpoint: String?, region: String?, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> S3Endpoint {
        let region = region ?? environment["AWS_REGION"] ?? environment["AWS_DEFAULT_REGION"] ?? "us-east-1"
        if let given = endpoint ?? environment["AWS_ENDPOINT_URL_S3"] ?? environment["AWS_ENDPOINT_URL"] {
            guard let url = URL(string: given.hasSuffix("/") ? String(given.dropLast()) : given), let scheme = url.scheme,
                  ["http", "https"].contains(scheme), url.host != nil else {
                throw S3Location.Invalid(description: "endpoint \(given) is not an http(s) URL, such as http://127.0.0.1:9000")
            }
            return S3Endpoint(url: url, region: region, pathStyle: true)
        }
        return S3Endpoint(url: URL(string: "https://s3.\(region).amazonaws.com")!, region: region, pathStyle: false)
    }
}
