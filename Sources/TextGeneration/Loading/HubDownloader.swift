import Foundation

/// Downloads a hub model that the Hugging Face cache lacks, into that cache, in the layout
/// `huggingface_hub` writes (`blobs/ETAG`, `snapshots/COMMIT/FILE` → `../../blobs/ETAG`,
/// `refs/REVISION`), so `transformers` reuses what wf fetched and the other way round.
///
/// Settings come from the environment, as in `huggingface_hub`: `HF_ENDPOINT` (default
/// `https://huggingface.co`), `HF_TOKEN` (sent as a bearer token, never printed) and
/// `HF_HUB_OFFLINE` (`1`, `true`, `yes` or `on`: never touch the network).
public struct HubDownloader: Sendable {
    /// Bytes of `file` received so far, of `total` when the hub announced it. Called from a
    /// background thread, at most ten times a second per file and once when a file is done.
    public typealias Progress = @Sendable (_ file: String, _ received: Int64, _ total: Int64?) -> Void

    public let cache: HubCache
    public let endpoint: String
    public let offline: Bool
    let token: String?

    public init(cache: HubCache? = nil, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.cache = cache ?? HubCache(environment: environment)
        var endpoint = environment["HF_ENDPOINT"].flatMap { $0.isEmpty ? nil : $0 } ?? "https://huggingface.co"
        while endpoint.hasSuffix("/") { endpoint.removeLast() }
        self.endpoint = endpoint
        offline = ["1", "true", "yes", "on"].contains(environment["HF_HUB_OFFLINE"]?.lowercased() ?? "")
        let token = environment["HF_TOKEN"]?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        self.token = token.isEmpty ? nil : token
    }

    /// The snapshot folder of `id`, downloading what the cache lacks: config.json, the weights
    /// (model.safetensors, or its index and every shard), the tokenizer files and
    /// generation_config.json. A complete cached snapshot costs no request.
    public func snapshot(for id: HubCache.ModelID, progress: Progress? = nil) throws -> String {
        let cached = cache.snapshot(for: id)
        if let cached, ModelFiles.isComplete(cached) { return cached }
        if offline {
            // A partial snapshot (say, tokenizer files only) may still serve; loading names what is missing.
            if let cached { return cached }
            throw DownloadError.offline(model: id.description, cache: cache.root)
        }
        let client = HubHTTPClient(endpoint: endpoint, token: token)
        defer { client.invalidate() }
        var download = SnapshotDownload(id: id, downloader: self, client: client, progress: progress)
        return try download.run()
    }
}
