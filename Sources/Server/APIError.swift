import Foundation
import Hummingbird

/// An error as OpenAI's API answers it (and llama.cpp's and vLLM's servers copy):
/// `{"error": {"message", "type", "param", "code"}}` with the HTTP status. Every JSON route
/// of wf's servers (generation, the read API, its actions) answers errors in this shape.
public struct APIError: Error, Sendable, Equatable, CustomStringConvertible {
    public var status: Int
    public var message: String
    /// `invalid_request_error`, `authentication_error`, `not_found_error`, `server_error`, ….
    public var type: String
    /// The request parameter at fault, when one is.
    public var param: String?
    public var code: String?

    public var description: String { message }

    public static func invalid(_ param: String, _ message: String) -> APIError {
        APIError(status: 400, message: message, type: "invalid_request_error", param: param, code: nil)
    }

    static let unauthorized = APIError(status: 401, message: "a valid API key is needed: send `Authorization: Bearer KEY`",
                                       type: "authentication_error", param: nil, code: "invalid_api_key")

    public static func notFound(_ message: String, code: String? = nil) -> APIError {
        APIError(status: 404, message: message, type: "not_found_error", param: nil, code: code)
    }

    static func tooLarge(limit: Int) -> APIError {
        APIError(status: 413, message: "the request body is over \(limit) bytes", type: "invalid_request_error", param: nil, code: "request_too_large")
    }

    static func unavailable(_ message: String, code: String) -> APIError {
        APIError(status: 503, message: message, type: "server_error", param: nil, code: code)
    }

    /// The JSON body.
    var json: String {
        let error: [String: Any] = ["message": message, "type": type, "param": param ?? NSNull(), "code": code ?? NSNull()]
        let data = (try? JSONSerialization.data(withJSONObject: ["error": error], options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    func response(headers extra: HTTPFields = [:]) -> Response {
        var headers: HTTPFields = [.contentType: "application/json"]
        // Load beyond capacity is refused at once; the client is told when to come back.
        if status == 503 && (code == "queue_full" || code == "model_loading") { headers[.retryAfter] = "1" }
        headers.append(contentsOf: extra)
        return Response(status: .init(code: status), headers: headers, body: .init(byteBuffer: ByteBuffer(string: json)))
    }
}
