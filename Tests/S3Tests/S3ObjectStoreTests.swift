import Datasets
import Foundation
import Testing
import TestSupport
@testable import S3

/// The S3 client against a real S3 server (moto, with IAM authentication: every request's
/// signature is checked): objects written, read, listed past a page, written only if absent
/// or unchanged, streamed to a file; a large file in parts, resumed after a cut-off without
/// sending again the parts the server has; and the one-line errors for wrong credentials and a
/// missing bucket.
@Suite(.serialized) struct S3ObjectStoreTests {
    let scratch = Scratch("wf-s3")

    func store(_ moto: MotoServer, bucket: String = "wf-test", prefix: String = "remote", secret: String? = nil,
               observe: (@Sendable (String) -> Void)? = nil) throws -> S3ObjectStore {
        var client = S3Client(endpoint: try S3Endpoint.resolve(endpoint: moto.endpoint, region: "us-east-1", environment: [:]),
                              credentials: AWSCredentials(accessKeyID: moto.accessKeyID, secretAccessKey: secret ?? moto.secretAccessKey))
        client.observe = observe
        client.attempts = 2
        client.backoff = 0.01
        return S3ObjectStore(location: S3Location(bucket: bucket, prefix: prefix), client: client)
    }

    @Test(.enabled(if: MotoServer.executable != nil, "NO MOTO: the S3 tests are skipped; .ci/run makes .build/venv-moto (pip install 'moto[server]')"))
    func objectsAreWrittenReadListedAndWrittenOnlyIfUnchanged() async throws {
        let moto = try MotoServer(buckets: ["wf-test"], log: scratch("moto.log"))
        let store = try store(moto)
        #expect(try await store.get("none") == nil)
        #expect(try await store.put("a/b.txt", bytes: Array("hello".utf8), sha256: nil, condition: .always))
        let read = try #require(try await store.get("a/b.txt"))
        #expect(read.bytes == Array("hello".utf8) && read.etag != nil)
        // Only if absent: the second writer loses.
        #expect(try await store.put("heads/d", bytes: Array("1".utf8), sha256: nil, condition: .ifAbsent))
        #expect(try await !store.put("heads/d", bytes: Array("2".utf8), sha256: nil, condition: .ifAbsent))
        // Only if unchanged: a writer holding a stale tag loses.
        let first = try #require(try await store.get("heads/d")?.etag)
        #expect(try await store.put("heads/d", bytes: Array("3".utf8), sha256: nil, condition: .ifMatch(first)))
        #expect(try await !store.put("heads/d", bytes: Array("4".utf8), sha256: nil, condition: .ifMatch(first)))
        #expect(try await store.get("heads/d")?.bytes == Array("3".utf8))
        // A listing past one page (1,000 keys a page).
        try await withThrowingTaskGroup(of: Void.self) { group in
            for batch in 0..<8 {
                group.addTask {
                    for number in stride(from: batch, to: 1005, by: 8) {
                        _ = try await store.put("many/\(number)", bytes: [UInt8(number % 256)], sha256: nil, condition: .always)
                    }
                }
            }
            try await group.waitForAll()
        }
        let listed = try await store.list(prefix: "many/")
        #expect(listed.count == 1005 && listed["many/1004"] == 1)
        #expect(try await store.list(prefix: "").count == 1005 + 2)
        let file = scratch("download.txt")
        #expect(try await store.download("a/b.txt", to: file) { _ in })
        #expect(try String(contentsOfFile: file, encoding: .utf8) == "hello")
        #expect(try await !store.download("none", to: file) { _ in })
        try await store.delete("a/b.txt")
        #expect(try await store.get("a/b.txt") == nil)
    }

    @Test(.enabled(if: MotoServer.executable != nil, "NO MOTO: the S3 tests are skipped; .ci/run makes .build/venv-moto (pip install 'moto[server]')"))
    func aLargeFileGoesUpInPartsAndAResumedUploadSkipsThePartsTheServerHas() async throws {
        let moto = try MotoServer(buckets: ["wf-test"], log: scratch("moto.log"))
        final class Requests: @unchecked Sendable {
            let lock = NSLock()
            var all = [String]()
            func add(_ line: String) { lock.withLock { all.append(line) } }
            var parts: [String] { lock.withLock { all.filter { $0.contains("partNumber=") } } }
        }
        let requests = Requests()
        var store = try store(moto, observe: requests.add)
        store.multipartThreshold = 5 << 20
        store.partSize = 5 << 20
        // 12 MiB and a bit: three parts.
        let size = (12 << 20) + 123
        var bytes = [UInt8](repeating: 0, count: size)
        for index in stride(from: 0, to: size, by: 4096) { bytes[index] = UInt8(truncatingIfNeeded: index / 4096) }
        let file = scratch("big.bin")
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        let sha = SigV4.sha256(bytes)

        // An earlier run that was killed after its first part: the upload exists, with part 1.
        let key = store.location.key("objects/big")
        let created = try await store.client.send(.POST, bucket: "wf-test", key: key, query: [("uploads", "")])
        let uploadID = try #require(S3XML.parse(created.body)?.fields["UploadId"])
        _ = try await store.client.send(.PUT, bucket: "wf-test", key: key, query: [("partNumber", "1"), ("uploadId", uploadID)],
                                        body: .bytes(Array(bytes[0..<(5 << 20)]), sha256: nil))
        let resume = scratch("resume")
        try FileManager.default.createDirectory(atPath: resume, withIntermediateDirectories: true)
        try JSONEncoder().encode(MultipartUpload.State(uploadID: uploadID, key: key, partSize: 5 << 20))
            .write(to: URL(fileURLWithPath: "\(resume)/upload-\(sha).json"))
        let before = requests.parts.count

        let sent = ByteCount()
        try await store.upload("objects/big", file: file, size: Int64(size), sha256: sha, resumeFolder: resume) { sent.add($0) }
        #expect(requests.parts.count - before == 2, "parts 2 and 3 only: \(requests.parts)")
        #expect(sent.value == Int64(size))
        #expect(!FileManager.default.fileExists(atPath: "\(resume)/upload-\(sha).json"), "the state of a finished upload is removed")
        let back = scratch("back.bin")
        #expect(try await store.download("objects/big", to: back) { _ in })
        #expect(try Data(contentsOf: URL(fileURLWithPath: back)) == Data(bytes))
    }

    @Test(.enabled(if: MotoServer.executable != nil, "NO MOTO: the S3 tests are skipped; .ci/run makes .build/venv-moto (pip install 'moto[server]')"))
    func wrongCredentialsAndAMissingBucketSayWhatToDo() async throws {
        let moto = try MotoServer(buckets: ["wf-test"], log: scratch("moto.log"))
        let wrong = try store(moto, secret: "not-the-secret")
        await #expect { _ = try await wrong.get("x") } throws: { "\($0)".contains("refused the credentials (SignatureDoesNotMatch)") }
        let missing = try store(moto, bucket: "no-such-bucket")
        await #expect { _ = try await missing.get("x") } throws: { "\($0)".contains("bucket no-such-bucket does not exist") }
        await #expect { _ = try await missing.list(prefix: "") } throws: { "\($0)".contains("bucket no-such-bucket does not exist") }
        var unreachable = try store(moto)
        unreachable = S3ObjectStore(location: unreachable.location,
                                    client: { var client = S3Client(endpoint: try! S3Endpoint.resolve(endpoint: "http://127.0.0.1:1", region: nil, environment: [:]),
                                                                    credentials: AWSCredentials(accessKeyID: "a", secretAccessKey: "b"))
                                              client.attempts = 2; client.backoff = 0.01; return client }())
        await #expect { _ = try await unreachable.get("x") } throws: { "\($0)".contains("cannot reach http://127.0.0.1:1") }
    }
}

extension S3ObjectStoreTests {
    /// Faults moto cannot be made to give, injected by a proxy in front of it: throttling
    /// answered twice then passed (retried, the write succeeds), throttling past every attempt,
    /// and a skewed clock (not retried); each failure one line that says what to do.
    @Test(.enabled(if: MotoServer.executable != nil, "NO MOTO: the S3 tests are skipped; .ci/run makes .build/venv-moto (pip install 'moto[server]')"))
    func throttlingIsRetriedAndASkewedClockIsNot() async throws {
        let moto = try MotoServer(buckets: ["wf-test"], log: scratch("moto.log"))
        let port = try #require(Int(moto.endpoint.split(separator: ":").last ?? ""))
        func store(_ proxy: FaultProxy, attempts: Int) throws -> S3ObjectStore {
            var client = S3Client(endpoint: try S3Endpoint.resolve(endpoint: proxy.endpoint, region: "us-east-1", environment: [:]),
                                  credentials: AWSCredentials(accessKeyID: moto.accessKeyID, secretAccessKey: moto.secretAccessKey))
            client.attempts = attempts
            client.backoff = 0.01
            return S3ObjectStore(location: S3Location(bucket: "wf-test", prefix: "faults"), client: client)
        }
        let twice = try FaultProxy(to: port, faults: [(503, "SlowDown"), (500, "InternalError")])
        #expect(try await store(twice, attempts: 6).put("x", bytes: Array("x".utf8), sha256: nil, condition: .always))
        #expect(twice.requests == 3, "two faults, then the write")
        #expect(try await store(twice, attempts: 6).get("x")?.bytes == Array("x".utf8))

        let always = try FaultProxy(to: port, faults: Array(repeating: (503, "SlowDown"), count: 10))
        await #expect { _ = try await store(always, attempts: 3).get("x") } throws: { "\($0)".contains("kept asking to slow down (SlowDown)") }
        #expect(always.requests == 3)

        let skewed = try FaultProxy(to: port, faults: [(403, "RequestTimeTooSkewed")])
        await #expect { _ = try await store(skewed, attempts: 6).get("x") } throws: { "\($0)".contains("clock is more than 15 minutes off") }
        #expect(skewed.requests == 1, "a skewed clock is not retried")
    }
}

final class ByteCount: @unchecked Sendable {
    private let lock = NSLock()
    private var total: Int64 = 0
    func add(_ count: Int64) { lock.withLock { total += count } }
    var value: Int64 { lock.withLock { total } }
}
