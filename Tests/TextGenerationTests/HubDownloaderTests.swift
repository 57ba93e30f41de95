import Foundation
import Testing
import TestSupport
@testable import TextGeneration

/// Downloads from a local hub (`HubTestServer`) into a temporary cache, in the layout
/// `huggingface_hub` writes, with resuming, checks, offline mode and tokens.
@Suite struct HubDownloaderTests {
    let scratch = Scratch("wf-hub")
    let tiny = Fixtures.path("models/tiny")
    let server: HubTestServer

    init() throws {
        server = try HubTestServer(repositories: ["test-org/tiny-gpt2": Fixtures.path("models/tiny"),
                                                  "test-org/tiny-sharded": Fixtures.path("models/tiny-sharded")])
    }

    var cache: String { scratch("hub") }

    func downloader(_ extra: [String: String] = [:]) -> HubDownloader {
        HubDownloader(environment: ["HF_HUB_CACHE": cache, "HF_ENDPOINT": server.endpoint].merging(extra) { $1 })
    }

    func error(_ body: () throws -> Any) -> Error? {
        do { _ = try body(); return nil } catch { return error }
    }

    func bytes(_ path: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path)) }

    func logits(_ loaded: LoadedModel) -> [Float] {
        let tokens = [[0, 5, 17, 3, 99, 250, 7]]
        return loaded.model.forward(tokens, cache: loaded.model.makeCache(batch: 1, capacity: tokens[0].count), allPositions: true)
    }

    @Test func downloadsIntoTheHubCacheLayoutAndLoadsTheSameModel() throws {
        let seen = ProgressRecorder()
        let loaded = try LoadedModel.load("test-org/tiny-gpt2", downloader: downloader()) { file, received, total in
            seen.add(file, received, total)
        }
        let repository = "\(cache)/models--test-org--tiny-gpt2"
        let snapshot = "\(repository)/snapshots/\(server.commit)"
        #expect(loaded.folder == snapshot)
        #expect(try String(contentsOfFile: "\(repository)/refs/main", encoding: .utf8) == server.commit)

        let files = ["config.json", "generation_config.json", "merges.txt", "model.safetensors", "tokenizer.json", "vocab.json"]
        #expect(try FileManager.default.contentsOfDirectory(atPath: snapshot).sorted() == files)
        for file in files {
            let target = try FileManager.default.destinationOfSymbolicLink(atPath: "\(snapshot)/\(file)")
            #expect(target.hasPrefix("../../blobs/"), "\(file) → \(target)")
            #expect(try bytes("\(snapshot)/\(file)") == bytes("\(tiny)/\(file)"), "\(file)")
        }
        // An LFS file's blob is named by the sha256 of its bytes.
        let weights = try FileManager.default.destinationOfSymbolicLink(atPath: "\(snapshot)/model.safetensors")
        let sha256 = try BlobDownload.sha256(of: "\(tiny)/model.safetensors")
        #expect(weights == "../../blobs/\(sha256)")
        let blobs = try FileManager.default.contentsOfDirectory(atPath: "\(repository)/blobs")
        #expect(blobs.count == files.count && !blobs.contains { $0.hasSuffix(".incomplete") })

        let direct = try LoadedModel.load(tiny)
        #expect(logits(loaded) == logits(direct))
        let size = Int64(try bytes("\(tiny)/model.safetensors").count)
        #expect(seen.events.contains { $0.file == "model.safetensors" && $0.received == size && $0.total == size })

        // A second resolve finds the complete snapshot without asking the hub.
        let before = server.requests.count
        #expect(try LoadedModel.resolve("test-org/tiny-gpt2", downloader: downloader()) == snapshot)
        #expect(try LoadedModel.resolve("test-org/tiny-gpt2", cache: HubCache(environment: ["HF_HUB_CACHE": cache])) == snapshot)
        #expect(server.requests.count == before)
    }

    @Test func aBrokenTransferResumesWithARangeRequest() throws {
        server.cutConnection(file: "model.safetensors", afterBytes: 100_000)
        let folder = try LoadedModel.resolve("test-org/tiny-gpt2", downloader: downloader())
        #expect(try bytes("\(folder)/model.safetensors") == bytes("\(tiny)/model.safetensors"))
        let weights = server.requests.filter { $0.method == "GET" && $0.path.hasSuffix("/model.safetensors") && $0.path.hasPrefix("/cdn/") }
        #expect(weights.map { $0.header("Range") } == [nil, "bytes=100000-"], "\(server.requests)")
    }

    @Test func aPartialFileLeftByAnEarlierRunIsResumed() throws {
        let data = try bytes("\(tiny)/model.safetensors")
        let etag = try BlobDownload.sha256(of: "\(tiny)/model.safetensors")
        try scratch.write("hub/models--test-org--tiny-gpt2/blobs/\(etag).incomplete", bytes: Array(data.prefix(12_345)))
        let folder = try LoadedModel.resolve("test-org/tiny-gpt2", downloader: downloader())
        #expect(try bytes("\(folder)/model.safetensors") == data)
        #expect(server.requests.contains { $0.header("Range") == "bytes=12345-" })
    }

    @Test func aServerThatIgnoresRangeRestartsTheFile() throws {
        server.ignoreRanges()
        let data = try bytes("\(tiny)/model.safetensors")
        let etag = try BlobDownload.sha256(of: "\(tiny)/model.safetensors")
        // Garbage in the partial file: only a restart from zero gives the right bytes.
        try scratch.write("hub/models--test-org--tiny-gpt2/blobs/\(etag).incomplete", bytes: [UInt8](repeating: 7, count: 5000))
        let folder = try LoadedModel.resolve("test-org/tiny-gpt2", downloader: downloader())
        #expect(try bytes("\(folder)/model.safetensors") == data)
        #expect(server.requests.contains { $0.header("Range") == "bytes=5000-" })
    }

    @Test(arguments: ["1", "true", "YES"])
    func offlineModeNeverTouchesTheNetwork(_ value: String) throws {
        let failure = error { try LoadedModel.resolve("test-org/tiny-gpt2", downloader: downloader(["HF_HUB_OFFLINE": value])) }
        let download = try #require(failure as? DownloadError)
        guard case .offline = download else { Issue.record("\(download)"); return }
        #expect("\(download)".contains("not cached") && "\(download)".contains("offline mode is on"), "\(download)")
        #expect(server.requests.isEmpty)
    }

    @Test func aMissingRepositoryOrRevisionIsNamed() throws {
        let missing = error { try LoadedModel.resolve("test-org/nothing", downloader: downloader()) }
        #expect("\(missing!)".hasPrefix("no model test-org/nothing at revision main on \(server.endpoint)"), "\(String(describing: missing))")
        let revision = error { try LoadedModel.resolve("test-org/tiny-gpt2@v9", downloader: downloader()) }
        #expect("\(revision!)".hasPrefix("no model test-org/tiny-gpt2 at revision v9 on \(server.endpoint)"))
        #expect(!FileManager.default.fileExists(atPath: "\(cache)/models--test-org--nothing/snapshots"))
    }

    @Test func aShardedModelDownloadsEveryShard() throws {
        let sharded = Fixtures.path("models/tiny-sharded")
        let loaded = try LoadedModel.load("test-org/tiny-sharded@\(server.commit)", downloader: downloader())
        let shards = try FileManager.default.contentsOfDirectory(atPath: sharded).filter { $0.hasPrefix("model-") }
        #expect(shards.count == 7)
        for shard in shards { #expect(try bytes("\(loaded.folder)/\(shard)") == bytes("\(sharded)/\(shard)"), "\(shard)") }
        let direct = try LoadedModel.load(sharded)
        #expect(logits(loaded) == logits(direct))
        // Asked for by commit: no ref to write.
        #expect(!FileManager.default.fileExists(atPath: "\(cache)/models--test-org--tiny-sharded/refs"))
    }

    @Test func aWrongSizeIsRejectedAndLeavesNoSnapshot() throws {
        server.announce(file: "model.safetensors", size: 538_000)
        let failure = error { try LoadedModel.resolve("test-org/tiny-gpt2", downloader: downloader()) }
        #expect(failure as? DownloadError == .sizeMismatch(file: "model.safetensors", expected: 538_000, received: 538_184))
        #expect("\(failure!)".contains("downloaded model.safetensors has 538184 bytes but the hub announced 538000"))
        let blobs = try FileManager.default.contentsOfDirectory(atPath: "\(cache)/models--test-org--tiny-gpt2/blobs")
        #expect(!blobs.contains { $0.hasSuffix(".incomplete") })
        #expect(HubCache(environment: ["HF_HUB_CACHE": cache]).snapshot(for: try .init(parsing: "test-org/tiny-gpt2")) == nil)
    }

    @Test func corruptedBytesFailTheHashCheck() throws {
        server.corrupt(file: "model.safetensors")
        let failure = error { try LoadedModel.resolve("test-org/tiny-gpt2", downloader: downloader()) }
        guard case .hashMismatch(let file, let expected, _)? = failure as? DownloadError else { Issue.record("\(String(describing: failure))"); return }
        let truth = try BlobDownload.sha256(of: "\(tiny)/model.safetensors")
        #expect(file == "model.safetensors" && expected == truth)
        #expect(!FileManager.default.fileExists(atPath: "\(cache)/models--test-org--tiny-gpt2/blobs/\(expected).incomplete"))
    }

    @Test func aPrivateRepositoryNeedsHFToken() throws {
        server.requireToken("hf_secret")
        let failure = error { try LoadedModel.resolve("test-org/tiny-gpt2", downloader: downloader()) }
        #expect("\(failure!)".contains("needs a token") && "\(failure!)".contains("HF_TOKEN"), "\(String(describing: failure))")
        let refused = error { try LoadedModel.resolve("test-org/tiny-gpt2", downloader: downloader(["HF_TOKEN": "hf_wrong"])) }
        #expect("\(refused!)".contains("refused the token in HF_TOKEN") && !"\(refused!)".contains("hf_wrong"))

        let folder = try LoadedModel.resolve("test-org/tiny-gpt2", downloader: downloader(["HF_TOKEN": "hf_secret"]))
        #expect(try bytes("\(folder)/model.safetensors") == bytes("\(tiny)/model.safetensors"))
        // The token goes to the hub, never to the CDN it redirects to.
        let cdn = server.requests.filter { $0.path.hasPrefix("/cdn/") }
        #expect(!cdn.isEmpty && cdn.allSatisfy { $0.header("Authorization") == nil })
        #expect(server.requests.filter { !$0.path.hasPrefix("/cdn/") }.last?.header("Authorization") == "Bearer hf_secret")
    }

    @Test func aNetworkFailureNamesTheURLAndSaysToRetry() throws {
        let unreachable = HubDownloader(environment: ["HF_HUB_CACHE": cache, "HF_ENDPOINT": "http://127.0.0.1:1"])
        let failure = error { try LoadedModel.resolve("test-org/tiny-gpt2", downloader: unreachable) }
        #expect("\(failure!)" == "cannot download http://127.0.0.1:1/test-org/tiny-gpt2/resolve/main/config.json: connection refused; check the connection and retry (partial downloads resume)")
    }

    @Test func etagsAreNormalizedLikeHuggingFaceHub() {
        #expect(HubFileMetadata.normalize(etag: "W/\"abc123\"") == "abc123")
        #expect(HubFileMetadata.normalize(etag: "\"abc123\"") == "abc123")
        #expect(!HubFileMetadata.isSafeName("../x") && !HubFileMetadata.isSafeName(""))
        #expect(!ModelFiles.isSafeRelativePath("../model.safetensors") && !ModelFiles.isSafeRelativePath("/etc/passwd"))
        #expect(ModelFiles.isSafeRelativePath("model-00001-of-00002.safetensors"))
    }
}

/// Progress reports, collected from the downloader's thread.
final class ProgressRecorder: @unchecked Sendable {
    struct Event { var file: String; var received: Int64; var total: Int64? }
    private let lock = NSLock()
    private var stored = [Event]()

    func add(_ file: String, _ received: Int64, _ total: Int64?) { lock.withLock { stored.append(Event(file: file, received: received, total: total)) } }
    var events: [Event] { lock.withLock { stored } }
}
