import Crypto
import Datasets
import Foundation
import NIOCore
import NIOHTTP1

/// A bucket (under a prefix) as an `ObjectStore`: GetObject, PutObject with `If-None-Match: *`
/// and `If-Match` (S3's conditional writes), ListObjectsV2, DeleteObject, and multipart uploads
/// for large files that resume after a kill (the upload id and the parts done are kept in a
/// small file; ListParts on resume tells which parts the service really has).
public struct S3ObjectStore: ObjectStore {
    public let location: S3Location
    public let client: S3Client
    /// Files at least this large go up in parts of `partSize` bytes (8 MiB, the AWS CLI's
    /// chunk size; larger for a file that would need more than S3's 10,000 parts).
    public var multipartThreshold: Int64 = 64 << 20
    public var partSize: Int64 = 8 << 20
    /// Parts sent at once.
    public var partsInFlight = 8

    public init(location: S3Location, client: S3Client) {
        self.location = location
        self.client = client
    }

    public var description: String { location.description }
    public var conditionalWrites: Bool { true }

    public func get(_ key: String) async throws -> ObjectBody? {
        let answer = try await client.send(.GET, bucket: location.bucket, key: location.key(key), accept: [200, 404])
        if answer.status == 404 { return try notFound(answer, key: key) }
        return ObjectBody(bytes: answer.body, etag: answer.headers.first(name: "ETag"))
    }

    /// A 404 is an absent key, unless the bucket itself is missing (a remote that cannot work).
    private func notFound(_ answer: S3Client.Answer, key: String) throws -> ObjectBody? {
        let failure = S3Failure(status: 404, body: answer.body, bucket: location.bucket, key: location.key(key), endpoint: client.endpoint.url.absoluteString)
        if failure.code == "NoSuchBucket" { throw failure.error }
        return nil
    }

    public func exists(_ key: String) async throws -> Bool {
        // A HEAD's 404 has no body, so a missing bucket reads as a missing key here; the head
        // read before every commit names a missing bucket.
        try await client.send(.HEAD, bucket: location.bucket, key: location.key(key), accept: [200, 404]).status == 200
    }

    public func download(_ key: String, to file: String, progress: @escaping @Sendable (Int64) -> Void) async throws -> Bool {
        let handle = try FileWriter(path: file)
        defer { handle.close() }
        let answer = try await client.send(.GET, bucket: location.bucket, key: location.key(key), accept: [200, 404], sink: { chunk in
            try handle.write(chunk)
            progress(Int64(chunk.readableBytes))
        }, restart: { try handle.truncate() })
        if answer.status == 404 { _ = try notFound(answer, key: key); return false }
        return true
    }

    public func put(_ key: String, bytes: [UInt8], sha256: String?, condition: WriteCondition) async throws -> Bool {
        var headers = [(String, String)]()
        switch condition {
        case .always: break
        case .ifAbsent: headers.append(("If-None-Match", "*"))
        case .ifMatch(let etag): headers.append(("If-Match", etag))
        }
        // 412: the condition failed; 409: a concurrent conditional write to the same key won (S3's ConditionalRequestConflict).
        let answer = try await client.send(.PUT, bucket: location.bucket, key: location.key(key), headers: headers,
                                           body: .bytes(bytes, sha256: sha256), accept: [200, 409, 412, 404])
        if answer.status == 404 {
            if case .ifMatch = condition { return false }  // the object it had to match is gone
            _ = try notFound(answer, key: key)
            throw ObjectStoreError("\(description): PUT \(key) answered 404")
        }
        return answer.status == 200
    }

    public func upload(_ key: String, file: String, size: Int64, sha256: String, resumeFolder: String,
                       progress: @escaping @Sendable (Int64) -> Void) async throws {
        guard size >= multipartThreshold else {
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: file)))
            guard try await put(key, bytes: bytes, sha256: sha256, condition: .always) else {
                throw ObjectStoreError("\(description): the upload of \(key) was refused")
            }
            progress(size)
            return
        }
        try await MultipartUpload(store: self, key: location.key(key), file: file, size: size, sha256: sha256,
                                  stateFile: "\(resumeFolder)/upload-\(sha256).json").run(progress: progress)
    }

    public func list(prefix: String) async throws -> [String: Int64] {
        try await listing(prefix: prefix).mapValues(\.size)
    }

    /// An object of a listing: its size and ETag (the MD5 of its bytes, quoted, unless it
    /// went up in parts: then it holds a `-`).
    public struct Listed: Sendable, Equatable {
        public var size: Int64
        public var etag: String?
    }

    /// Every key under `prefix` (relative to the location's prefix) with its size and ETag.
    public func listing(prefix: String) async throws -> [String: Listed] {
        var keys = [String: Listed](), token: String?
        let full = location.key(prefix)
        let strip = location.prefix.isEmpty ? 0 : location.prefix.count + 1
        repeat {
            var query = [("list-type", "2"), ("prefix", full), ("max-keys", "1000")]
            if let token { query.append(("continuation-token", token)) }
            let answer = try await client.send(.GET, bucket: location.bucket, key: nil, query: query)
            guard let parsed = S3XML.parse(answer.body, repeating: "Contents") else {
                throw ObjectStoreError("\(description): the object listing is not XML")
            }
            for item in parsed.items {
                guard let key = item["Key"], let size = item["Size"].flatMap(Int64.init) else { continue }
                keys[String(key.dropFirst(strip))] = Listed(size: size, etag: item["ETag"])
            }
            token = parsed.fields["IsTruncated"] == "true" ? parsed.fields["NextContinuationToken"] : nil
        } while token != nil
        return keys
    }

    public func delete(_ key: String) async throws {
        _ = try await client.send(.DELETE, bucket: location.bucket, key: location.key(key), accept: [200, 204, 404])
    }
}

/// One multipart upload (CreateMultipartUpload, UploadPart for each part, CompleteMultipartUpload),
/// resumable: its upload id is written to `stateFile` before the first part, so a run killed
/// halfway finds it, asks the service (ListParts) which parts it has, checks their ETags
/// (the MD5 of each part, as S3 gives for unencrypted parts) and sends only the rest.
struct MultipartUpload {
    let store: S3ObjectStore
    let key: String
    let file: String
    let size: Int64
    let sha256: String
    let stateFile: String

    struct State: Codable {
        var uploadID: String
        var key: String
        var partSize: Int64
    }

    var client: S3Client { store.client }
    var bucket: String { store.location.bucket }
    /// `store.partSize`, or the whole MiB that keeps the upload within 10,000 parts.
    var partSize: Int64 { max(store.partSize, (((size + 9_999) / 10_000 + (1 << 20) - 1) >> 20) << 20) }

    func run(progress: @escaping @Sendable (Int64) -> Void) async throws {
        var state = (try? JSONDecoder().decode(State.self, from: Data(contentsOf: URL(fileURLWithPath: stateFile)))).flatMap {
            $0.key == key && $0.partSize == self.partSize ? $0 : nil
        }
        var done = [Int: String]()
        if let resumed = state {
            // Gone (completed, aborted, expired): start a new upload.
            if let held = try await parts(resumed.uploadID) { done = held } else { state = nil }
        }
        if state == nil {
            let answer = try await client.send(.POST, bucket: bucket, key: key, query: [("uploads", "")])
            guard let id = S3XML.parse(answer.body)?.fields["UploadId"] else { throw ObjectStoreError("\(store.description): no UploadId for \(key)") }
            state = State(uploadID: id, key: key, partSize: partSize)
            try FileManager.default.createDirectory(atPath: (stateFile as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try JSONEncoder().encode(state).write(to: URL(fileURLWithPath: stateFile), options: .atomic)
            done = [:]
        }
        let uploadID = state!.uploadID
        let partSize = self.partSize
        let count = Int((size + partSize - 1) / partSize)
        let reader = try FileHandle(forReadingFrom: URL(fileURLWithPath: file))
        defer { try? reader.close() }
        var etags = [Int: String]()
        // Parts go up `partsInFlight` at a time; each is read, hashed (SHA-256 to sign) and sent. A
        // part the service already has (a resumed upload) is hashed with MD5, its ETag, and skipped if equal.
        try await withThrowingTaskGroup(of: (Int, String).self) { group in
            var next = 1, running = 0
            func readPart(_ number: Int) throws -> [UInt8] {
                try reader.seek(toOffset: UInt64(Int64(number - 1) * partSize))
                return [UInt8](reader.readData(ofLength: Int(min(partSize, size - Int64(number - 1) * partSize))))
            }
            while next <= count || running > 0 {
                while running < store.partsInFlight && next <= count {
                    let number = next
                    next += 1
                    let bytes = try readPart(number)
                    if let have = done[number], have == "\"" + Insecure.MD5.hash(data: bytes).map({ String(format: "%02x", $0) }).joined() + "\"" {
                        etags[number] = have
                        progress(Int64(bytes.count))
                        continue
                    }
                    running += 1
                    group.addTask {
                        let answer = try await client.send(.PUT, bucket: bucket, key: key, query: [("partNumber", "\(number)"), ("uploadId", uploadID)],
                                                           body: .bytes(bytes, sha256: nil))
                        progress(Int64(bytes.count))
                        guard let etag = answer.headers.first(name: "ETag") else {
                            throw ObjectStoreError("\(store.description): part \(number) of \(key) was stored without an ETag")
                        }
                        return (number, etag)
                    }
                }
                if running > 0, let (number, etag) = try await group.next() {
                    running -= 1
                    etags[number] = etag
                }
            }
        }
        let body = "<CompleteMultipartUpload>" + (1...count).map { "<Part><PartNumber>\($0)</PartNumber><ETag>\(etags[$0]!)</ETag></Part>" }.joined()
            + "</CompleteMultipartUpload>"
        let answer = try await client.send(.POST, bucket: bucket, key: key, query: [("uploadId", uploadID)], body: .bytes(Array(body.utf8), sha256: nil))
        // CompleteMultipartUpload can answer 200 with an error inside.
        if let code = S3XML.parse(answer.body)?.fields["Code"] {
            throw ObjectStoreError("\(store.description): completing the upload of \(key) failed (\(code))")
        }
        try? FileManager.default.removeItem(atPath: stateFile)
    }

    /// Part number → ETag of the parts the service holds for the upload; nil when the
    /// service no longer knows the upload.
    func parts(_ uploadID: String) async throws -> [Int: String]? {
        var parts = [Int: String](), marker: String?
        repeat {
            var query = [("uploadId", uploadID)]
            if let marker { query.append(("part-number-marker", marker)) }
            let answer = try await client.send(.GET, bucket: bucket, key: key, query: query, accept: [200, 404])
            if answer.status == 404 { return nil }
            guard let parsed = S3XML.parse(answer.body, repeating: "Part") else { return parts }
            for part in parsed.items {
                if let number = part["PartNumber"].flatMap(Int.init), let etag = part["ETag"] { parts[number] = etag }
            }
            marker = parsed.fields["IsTruncated"] == "true" ? parsed.fields["NextPartNumberMarker"] : nil
        } while marker != nil
        return parts
    }

}

/// A file written chunk by chunk from a download (truncated when a retry starts over).
final class FileWriter: @unchecked Sendable {
    private let handle: FileHandle
    init(path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil) else { throw ObjectStoreError("cannot create \(path)") }
        handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
    }
    func write(_ chunk: ByteBuffer) throws { try handle.write(contentsOf: Data(chunk.readableBytesView)) }
    func truncate() throws {
        try handle.truncate(atOffset: 0)
        try handle.seek(toOffset: 0)
    }
    func close() { try? handle.close() }
}
