import Crypto
import Foundation
import Hummingbird

/// The API key check, in front of every route group but the webhooks (which sign their
/// bodies): `Authorization: Bearer KEY`, or the dashboard's session cookie, which a browser
/// gets by giving the key once at `/ui/login`. Constant time; `/health` is open. Counts
/// requests by route and status for `/metrics` when given the metrics.
struct Gate<Context: RequestContext>: RouterMiddleware {
    let apiKey: String?
    /// nil: requests are not counted (the read API's and the dashboard's groups).
    let metrics: ServeMetrics?
    /// A browser without the key is sent to `/ui/login` (the dashboard's pages) instead of a 401.
    var login = false

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        let route = ["/", "/v1/completions", "/v1/models", "/health", "/metrics"].contains(path) ? path : "other"
        if let apiKey, path != "/health", !Self.authorized(request, apiKey: apiKey) {
            metrics?.request(route: route, status: 401)
            if login {
                // A page comes back after the login; a button's post cannot be replayed, so it leads home.
                let next = request.method == .get ? request.uri.path + (request.uri.query.map { "?" + $0 } ?? "") : "/ui"
                return Response(status: .seeOther, headers: [.location: "/ui/login?next=" + (next.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "/ui")])
            }
            return APIError.unauthorized.response(headers: [.wwwAuthenticate: "Bearer"])
        }
        let response: Response
        do { response = try await next(request, context) } catch let error as HTTPError {
            metrics?.request(route: route, status: Int(error.status.code))
            if error.status == .notFound {
                return APIError.notFound("no route \(request.method.rawValue) \(path)").response()
            }
            throw error
        }
        metrics?.request(route: route, status: Int(response.status.code))
        return response
    }

    /// The bearer token, or the session cookie a browser got from `/ui/login`.
    static func authorized(_ request: Request, apiKey: String) -> Bool {
        if let given = request.headers[.authorization] {
            return constantTimeEqual(Array(given.utf8), Array("Bearer \(apiKey)".utf8))
        }
        guard let cookie = request.cookies[Session.cookieName]?.value else { return false }
        return constantTimeEqual(Array(cookie.utf8), Array(Session.value(apiKey: apiKey).utf8))
    }

    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference = UInt8(a.count == b.count ? 0 : 1)
        for index in 0..<max(a.count, b.count) {
            difference |= (index < a.count ? a[index] : 0) ^ (index < b.count ? b[index] : 0)
        }
        return difference == 0
    }
}

/// The dashboard's session: a cookie holding HMAC-SHA256(API key, a fixed label), so the key
/// itself never sits in the browser, and changing the key ends every session. `HttpOnly` (no
/// script reads it) and `SameSite=Strict` (no other site's page sends it, so a form elsewhere
/// cannot start or cancel a run).
enum Session {
    static let cookieName = "wf_session"

    static func value(apiKey: String) -> String {
        let code = HMAC<SHA256>.authenticationCode(for: Data("wf dashboard session".utf8), using: SymmetricKey(data: Data(apiKey.utf8)))
        return code.map { String(format: "%02x", $0) }.joined()
    }

    static func cookie(apiKey: String) -> Cookie {
        Cookie(name: cookieName, value: value(apiKey: apiKey), path: "/", httpOnly: true, sameSite: .strict)
    }
}
