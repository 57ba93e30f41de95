import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One `HubDownloader.snapshot` call: asks the hub about each file (HEAD), downloads the
/// blobs the cache lacks, then links the snapshot and writes the ref. config.json is linked
/// last, because `HubCache` takes a snapshot with config.json as present: an interrupted
/// download leaves blobs and partial files to reuse, never a snapshot that looks complete.
struct SnapshotDownload {
    let id: HubCache.ModelID
    let downloader: HubDownloader
    let client: HubHTTPClient
    let progress: HubDownloader.Progress?
    /// `CACHE/models--ORG--NAME`.
    let repository: String
    /// Learned from config.json's `X-Repo-Commit`; later files are asked for at this commit,
    /// so a branch that moves mid-download cannot mix two versions.
    private var commit: String?
    /// Files to link once every blob is in place: path in the repository → etag.
    private var links = [(file: String, etag: String)]()

    init(id: HubCache.ModelID, downloader: HubDownloader, client: HubHTTPClient, progress: HubDownloader.Progress?) {
        self.id = id
        self.downloader = downloader
        self.client = client
        self.progress = progress
        repository = "\(downloader.cache.root)/\(id.cacheFolderName)"
    }

    mutating func run() throws -> String {
        guard let _ = try fetch(ModelFiles.config), let commit else { throw noSuchModel }
        if try fetch(ModelFiles.weights) == nil {
            guard let index = try fetch(ModelFiles.weightsIndex) else {
                throw DownloadError.missingFiles(repository: id.repository, detail:
                    "neither \(ModelFiles.weights) nor \(ModelFiles.weightsIndex) at commit \(commit); wf reads safetensors weights only")
            }
            for shard in try ModelFiles.shards(index: index, name: ModelFiles.weightsIndex) where try fetch(shard) == nil {
                throw DownloadError.missingFiles(repository: id.repository, detail:
                    "\(ModelFiles.weightsIndex) names \(shard), which is not in the repository at commit \(commit)")
            }
        }
        let vocabulary = try fetch(ModelFiles.vocabulary) != nil
        let merges = try fetch(ModelFiles.merges) != nil
        let tokenizer = try fetch(ModelFiles.tokenizer) != nil
        guard (vocabulary && merges) || tokenizer else {
            throw DownloadError.missingFiles(repository: id.repository, detail:
                "no tokenizer at commit \(commit): expected vocab.json and merges.txt, or tokenizer.json")
        }
        _ = try fetch(ModelFiles.generationConfig)

        let snapshot = "\(repository)/snapshots/\(commit)"
        for link in links where link.file != ModelFiles.config { try self.link(link.file, to: link.etag, in: snapshot) }
        for link in links where link.file == ModelFiles.config { try self.link(link.file, to: link.etag, in: snapshot) }
        try writeRef(commit)
        return snapshot
    }

    private var noSuchModel: DownloadError {
        .noSuchModel(repository: id.repository, revision: id.revision, endpoint: downloader.endpoint)
    }

    /// Makes `file` available and returns a local path to its bytes, or nil if the repository
    /// does not have it. A file already linked in the snapshot costs no request.
    private mutating func fetch(_ file: String) throws -> String? {
        if let commit {
            let linked = "\(repository)/snapshots/\(commit)/\(file)"
            if FileManager.default.fileExists(atPath: linked) { return linked }
        }
        let url = try resolveURL(file)
        let response = try client.head(url)
        switch (response.status, response.header("X-Error-Code")) {
        case (_, "RepoNotFound"?), (_, "RevisionNotFound"?):
            throw noSuchModel
        case (_, "GatedRepo"?), (401, _), (403, _):
            throw DownloadError.needsToken(repository: id.repository, endpoint: downloader.endpoint,
                                           status: response.status, tokenSent: downloader.token != nil)
        case (404, _):
            if commit == nil { throw noSuchModel }
            return nil
        case (200..<400, _):
            break
        default:
            throw DownloadError.badResponse(url: url.absoluteString, detail: "HTTP \(response.status)")
        }
        let metadata = try HubFileMetadata(response, requested: url)
        if let commit, metadata.commit != commit {
            throw DownloadError.badResponse(url: url.absoluteString, detail: "answered for commit \(metadata.commit), not \(commit)")
        }
        commit = metadata.commit
        let blob = BlobDownload(client: client, file: file, metadata: metadata, blobs: "\(repository)/blobs",
                                locks: "\(downloader.cache.root)/.locks/\(id.cacheFolderName)", progress: progress)
        try blob.run()
        links.append((file, metadata.etag))
        return blob.blobPath
    }

    /// `ENDPOINT/REPO/resolve/REVISION/FILE`, the revision fully escaped (`refs/pr/1` → `refs%2Fpr%2F1`).
    private func resolveURL(_ file: String) throws -> URL {
        var segment = CharacterSet.urlPathAllowed
        segment.remove("/")
        let revision = (commit ?? id.revision).addingPercentEncoding(withAllowedCharacters: segment) ?? id.revision
        let path = file.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? file
        let text = "\(downloader.endpoint)/\(id.repository)/resolve/\(revision)/\(path)"
        guard let url = URL(string: text), url.scheme != nil, url.host != nil else {
            throw DownloadError.badResponse(url: text, detail: "not a URL; HF_ENDPOINT should look like https://huggingface.co")
        }
        return url
    }

    /// `snapshots/COMMIT/FILE` → `../../blobs/ETAG` (one more `../` per folder in FILE).
    private func link(_ file: String, to etag: String, in snapshot: String) throws {
        let path = "\(snapshot)/\(file)"
        try BlobDownload.createFolder((path as NSString).deletingLastPathComponent)
        let depth = file.split(separator: "/").count
        let target = String(repeating: "../", count: depth + 1) + "blobs/\(etag)"
        unlink(path)
        // Another process linking the same file at once is fine if it chose the same blob.
        guard symlink(target, path) == 0 || (try? FileManager.default.destinationOfSymbolicLink(atPath: path)) == target else {
            throw DownloadError.cache(path: path, detail: String(cString: strerror(errno)))
        }
    }

    /// `refs/REVISION` = COMMIT, unless the revision is itself a commit.
    private func writeRef(_ commit: String) throws {
        let revision = id.revision
        if revision.count == 40 && revision.allSatisfy({ $0.isASCII && $0.isHexDigit }) { return }
        let path = "\(repository)/refs/\(revision)"
        if (try? String(contentsOfFile: path, encoding: .utf8)) == commit { return }
        try BlobDownload.createFolder((path as NSString).deletingLastPathComponent)
        do { try commit.write(toFile: path, atomically: true, encoding: .utf8) } catch {
            throw DownloadError.cache(path: path, detail: "cannot write the ref")
        }
    }
}
