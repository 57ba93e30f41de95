/// Why a hub model could not be downloaded: one line that says what to do next.
/// Messages never contain the token, only URLs, file names and status codes.
public enum DownloadError: Error, Equatable, CustomStringConvertible {
    /// HF_HUB_OFFLINE is on and the cache lacks the model.
    case offline(model: String, cache: String)
    /// config.json is 404: the repository or the revision does not exist (or is private and hidden).
    case noSuchModel(repository: String, revision: String, endpoint: String)
    /// 401 or 403: the repository is gated or private.
    case needsToken(repository: String, endpoint: String, status: Int, tokenSent: Bool)
    /// The connection failed or broke; what was received stays in `blobs/ETAG.incomplete`.
    case network(url: String, detail: String)
    /// An answer the downloader cannot use (5xx, a missing header, a bad range).
    case badResponse(url: String, detail: String)
    /// The repository has no weights or no tokenizer that wf can read.
    case missingFiles(repository: String, detail: String)
    /// model.safetensors.index.json cannot be read or names an unsafe path.
    case badIndex(file: String, detail: String)
    /// The received bytes do not match what the hub announced; the partial file was deleted.
    case sizeMismatch(file: String, expected: Int64, received: Int64)
    case hashMismatch(file: String, expected: String, actual: String)
    /// Writing to the cache failed.
    case cache(path: String, detail: String)

    public var description: String {
        switch self {
        case .offline(let model, let cache):
            return "hub model \(model) is not cached in \(cache) and offline mode is on (HF_HUB_OFFLINE); unset HF_HUB_OFFLINE to download it"
        case .noSuchModel(let repository, let revision, let endpoint):
            return "no model \(repository) at revision \(revision) on \(endpoint); check the id and revision (a private repository also needs HF_TOKEN)"
        case .needsToken(let repository, let endpoint, let status, let tokenSent):
            return tokenSent
                ? "\(endpoint) refused the token in HF_TOKEN for \(repository) (HTTP \(status)); use a token that can read it, and accept the model's terms on its page if it is gated"
                : "\(repository) on \(endpoint) needs a token (HTTP \(status)): set HF_TOKEN to an access token that can read it"
        case .network(let url, let detail):
            return "cannot download \(url): \(detail); check the connection and retry (partial downloads resume)"
        case .badResponse(let url, let detail):
            return "\(url): \(detail); retry later, or check HF_ENDPOINT"
        case .missingFiles(let repository, let detail):
            return "\(repository): \(detail)"
        case .badIndex(let file, let detail):
            return "\(file) is not a usable safetensors index: \(detail)"
        case .sizeMismatch(let file, let expected, let received):
            return "downloaded \(file) has \(received) bytes but the hub announced \(expected); the partial file was deleted, retry to download it again"
        case .hashMismatch(let file, let expected, let actual):
            return "downloaded \(file) has sha256 \(actual) but the hub announced \(expected); the partial file was deleted, retry to download it again"
        case .cache(let path, let detail):
            return "cannot write \(path) in the Hugging Face cache: \(detail)"
        }
    }
}
