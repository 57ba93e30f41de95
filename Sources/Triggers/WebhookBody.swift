import Foundation

/// A delivery's body as each forge sends it: JSON (`application/json`), or a form
/// (`application/x-www-form-urlencoded`) whose `payload` field holds the JSON. The forges
/// sign different bytes of a form delivery:
/// - GitHub signs the raw body it sent (`payload=...`, as encoded);
/// - Gitea signs the JSON payload itself, before form encoding (`services/webhook/deliver.go`:
///   the HMAC is computed over `PayloadContent`, then the form is built from it);
/// - GitLab sends JSON only (its token header is not a signature of any bytes).
public struct WebhookBody: Sendable, Equatable {
    /// The JSON payload.
    public var payload: [UInt8]
    /// The bytes the forge's signature covers.
    public var signed: [UInt8]

    public struct Unreadable: Error, CustomStringConvertible, Equatable {
        /// 415 for a content type the forge does not send, 400 for a malformed form.
        public var status: Int
        public var reason: String
        public var description: String { reason }
    }

    /// - Throws: `Unreadable` for a content type the forge does not send, or a form without a
    ///   `payload` field.
    public static func decode(forge: WebhookEvent.Forge, contentType: String?, body: [UInt8]) throws -> WebhookBody {
        let mediaType = (contentType ?? "application/json").split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        // A JSON body sent under the form type is JSON: clients such as curl -d and URLSession
        // label every POST body a form unless told otherwise; a real form starts with a field name.
        let looksLikeJSON = body.first { ![0x20, 0x09, 0x0A, 0x0D].contains($0) } == UInt8(ascii: "{")
        switch mediaType {
        case "application/json", "":
            return WebhookBody(payload: body, signed: body)
        case "application/x-www-form-urlencoded" where looksLikeJSON:
            return WebhookBody(payload: body, signed: body)
        case "application/x-www-form-urlencoded" where forge != .gitlab:
            guard let payload = try formField("payload", in: body) else {
                throw Unreadable(status: 400, reason: "a form delivery needs a payload field holding the JSON")
            }
            return WebhookBody(payload: payload, signed: forge == .github ? body : payload)
        default:
            throw Unreadable(status: 415, reason: "\(forge.rawValue) deliveries are \(forge == .gitlab ? "application/json" : "application/json or application/x-www-form-urlencoded"), not \(mediaType.prefix(80))")
        }
    }

    /// The first field `name` of an `application/x-www-form-urlencoded` body (WHATWG URL
    /// standard, `application/x-www-form-urlencoded` parsing: `&`-separated `name=value`, `+`
    /// is a space, `%XX` a byte, any other `%` itself).
    static func formField(_ name: String, in body: [UInt8]) throws -> [UInt8]? {
        for pair in body.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let parts = pair.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
            guard percentDecoded(parts[0]) == Array(name.utf8) else { continue }
            return percentDecoded(parts.count > 1 ? parts[1] : [])
        }
        return nil
    }

    static func percentDecoded(_ bytes: ArraySlice<UInt8>) -> [UInt8] {
        var result = [UInt8]()
        result.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            if byte == UInt8(ascii: "+") {
                result.append(UInt8(ascii: " "))
            } else if byte == UInt8(ascii: "%"), bytes.distance(from: index, to: bytes.endIndex) >= 3,
                      let high = hexValue(bytes[index + 1]), let low = hexValue(bytes[index + 2]) {
                result.append(high << 4 | low)
                index += 2
            } else {
                result.append(byte)
            }
            index += 1
        }
        return result
    }

    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
