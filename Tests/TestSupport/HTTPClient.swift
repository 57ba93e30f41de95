import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Blocking HTTP requests to a server the test started on 127.0.0.1.
public enum HTTPClient {
    public struct Reply: Sendable {
        public var status: Int
        public var body: String
    }

    public static func post(_ url: String, headers: [String: String] = [:], body: [UInt8]) throws -> Reply {
        try request("POST", url, headers: headers, body: body)
    }

    /// Any method, with headers and an optional body.
    public static func request(_ method: String, _ url: String, headers: [String: String] = [:], body: [UInt8]? = nil,
                               timeout: TimeInterval = 60) throws -> Reply {
        var request = URLRequest(url: URL(string: url)!)
        request.httpMethod = method
        request.httpBody = body.map { Data($0) }
        request.timeoutInterval = timeout
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        return try send(request)
    }

    public static func get(_ url: String) throws -> Reply { try send(URLRequest(url: URL(string: url)!)) }

    private static func send(_ request: URLRequest) throws -> Reply {
        final class Box: @unchecked Sendable { var reply: Result<Reply, Error>? }
        let box = Box(), done = DispatchSemaphore(value: 0)
        URLSession.shared.dataTask(with: request) { data, response, error in
            if let error { box.reply = .failure(error) } else {
                box.reply = .success(Reply(status: (response as? HTTPURLResponse)?.statusCode ?? 0,
                                           body: String(decoding: data ?? Data(), as: UTF8.self)))
            }
            done.signal()
        }.resume()
        done.wait()
        return try box.reply!.get()
    }
}
