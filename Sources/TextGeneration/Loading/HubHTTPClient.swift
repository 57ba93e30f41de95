import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Synchronous HTTP over one `URLSession` (libcurl on Linux, shipped with the toolchain, so
/// no new dependency). Bodies go to a `BodySink` chunk by chunk as they arrive, never into
/// memory whole, so a 1 GB blob costs a few buffers. Call `invalidate()` when done: the
/// session holds its delegate until then.
final class HubHTTPClient: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    struct Response: Sendable {
        var status: Int
        var url: URL
        /// Header names lowercased.
        var headers: [String: String]

        func header(_ name: String) -> String? { headers[name.lowercased()] }
    }

    /// Receives a GET's body. Called on the session's serial delegate queue, in order.
    protocol BodySink: AnyObject {
        /// Whether to keep the body of this final (non-redirect) response.
        func accept(_ response: Response) throws -> Bool
        func write(_ data: Data) throws
    }

    private let token: String?
    /// The only place the token goes: HF_ENDPOINT's scheme, host and port.
    private let endpoint: URL?
    private let lock = NSLock()
    private var session: URLSession!
    private var transfers = [Int: Transfer]()

    init(endpoint: String, token: String?, idleTimeout: TimeInterval = 60) {
        self.endpoint = URL(string: endpoint)
        self.token = token
        super.init()
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = idleTimeout
        configuration.timeoutIntervalForResource = 7 * 24 * 3600
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        configuration.urlCache = nil
        let queue = OperationQueue()
        queue.maxConcurrentOperationCount = 1  // body chunks must be written in order
        session = URLSession(configuration: configuration, delegate: self, delegateQueue: queue)
    }

    func invalidate() { session.finishTasksAndInvalidate() }

    /// HEAD `url`, following only relative redirects: the hub answers an LFS file with a
    /// redirect to its CDN whose headers (`X-Linked-Etag`, `X-Repo-Commit`) are the metadata.
    func head(_ url: URL) throws -> Response {
        try perform(request(url, method: "HEAD"), relativeRedirectsOnly: true, sink: nil)
    }

    /// GET `url` from byte `offset` on, following every redirect; the body goes to `sink`.
    /// Like `huggingface_hub`, the token goes with the request only if `url` is on the hub
    /// itself, not on the CDN an LFS file lives on.
    func get(_ url: URL, from offset: Int64, into sink: BodySink) throws -> Response {
        var request = request(url, method: "GET")
        if offset > 0 { request.setValue("bytes=\(offset)-", forHTTPHeaderField: "Range") }
        return try perform(request, relativeRedirectsOnly: false, sink: sink)
    }

    private func request(_ url: URL, method: String) -> URLRequest {
        var request = URLRequest(url: url)
        request.httpMethod = method
        // Sizes and hashes describe the raw bytes, so ask for them uncompressed.
        request.setValue("identity", forHTTPHeaderField: "Accept-Encoding")
        request.setValue("wf (huggingface_hub-compatible downloader)", forHTTPHeaderField: "User-Agent")
        if let token, Self.sameOrigin(url, endpoint) { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        return request
    }

    private static func sameOrigin(_ a: URL?, _ b: URL?) -> Bool {
        a?.scheme?.lowercased() == b?.scheme?.lowercased() && a?.host?.lowercased() == b?.host?.lowercased() && a?.port == b?.port
    }

    private final class Transfer: @unchecked Sendable {
        let relativeRedirectsOnly: Bool
        let sink: BodySink?
        var keepBody = false
        var sinkError: Error?
        var error: Error?
        var response: Response?
        let done = DispatchSemaphore(value: 0)

        init(relativeRedirectsOnly: Bool, sink: BodySink?) {
            self.relativeRedirectsOnly = relativeRedirectsOnly
            self.sink = sink
        }
    }

    private func perform(_ request: URLRequest, relativeRedirectsOnly: Bool, sink: BodySink?) throws -> Response {
        let url = request.url!
        let transfer = Transfer(relativeRedirectsOnly: relativeRedirectsOnly, sink: sink)
        let task = session.dataTask(with: request)
        lock.withLock { transfers[task.taskIdentifier] = transfer }
        task.resume()
        transfer.done.wait()
        lock.withLock { transfers[task.taskIdentifier] = nil }
        if let error = transfer.sinkError { throw error }
        if let error = transfer.error { throw DownloadError.network(url: url.absoluteString, detail: Self.explain(error)) }
        guard let response = transfer.response else {
            throw DownloadError.badResponse(url: url.absoluteString, detail: "no HTTP response")
        }
        return response
    }

    private func transfer(_ task: URLSessionTask) -> Transfer? { lock.withLock { transfers[task.taskIdentifier] } }

    private static func response(_ response: URLResponse?) -> Response? {
        guard let http = response as? HTTPURLResponse, let url = http.url else { return nil }
        var headers = [String: String]()
        for (name, value) in http.allHeaderFields {
            if let name = name as? String, let value = value as? String { headers[name.lowercased()] = value }
        }
        return Response(status: http.statusCode, url: url, headers: headers)
    }

    /// A URLError as a few words; Linux's localized descriptions are only error numbers.
    static func explain(_ error: Error) -> String {
        guard let error = error as? URLError else { return "\(error)" }
        switch error.code {
        case .cannotConnectToHost: return "connection refused"
        case .cannotFindHost, .dnsLookupFailed: return "unknown host"
        case .timedOut: return "timed out"
        case .networkConnectionLost: return "the connection broke"
        case .notConnectedToInternet: return "no network"
        case .secureConnectionFailed, .serverCertificateUntrusted, .serverCertificateHasBadDate,
             .serverCertificateNotYetValid, .serverCertificateHasUnknownRoot:
            return "the TLS connection failed"
        case .httpTooManyRedirects: return "too many redirects"
        default: return "network error \(error.code.rawValue)"
        }
    }

    // MARK: URLSessionDataDelegate

    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                    newRequest request: URLRequest, completionHandler: @Sendable @escaping (URLRequest?) -> Void) {
        guard let transfer = transfer(task) else { return completionHandler(nil) }
        let location = response.value(forHTTPHeaderField: "Location").flatMap { URL(string: $0) }
        if transfer.relativeRedirectsOnly && location?.host != nil { return completionHandler(nil) }
        var next = request
        // Never hand the token to another host (the CDN's signed URLs refuse it anyway).
        if !Self.sameOrigin(next.url, endpoint) { next.setValue(nil, forHTTPHeaderField: "Authorization") }
        completionHandler(next)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                    completionHandler: @Sendable @escaping (URLSession.ResponseDisposition) -> Void) {
        defer { completionHandler(.allow) }
        guard let transfer = transfer(dataTask), let sink = transfer.sink, let response = Self.response(response) else { return }
        do { transfer.keepBody = try sink.accept(response) } catch {
            transfer.sinkError = error
            dataTask.cancel()
        }
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        guard let transfer = transfer(dataTask), transfer.keepBody, transfer.sinkError == nil, let sink = transfer.sink else { return }
        do { try sink.write(data) } catch {
            transfer.sinkError = error
            dataTask.cancel()
        }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
        guard let transfer = transfer(task) else { return }
        transfer.error = error
        transfer.response = Self.response(task.response)
        transfer.done.signal()
    }
}
