import Crypto
import Foundation

/// Checks that a delivery came from someone who knows the link's webhook secret, in constant
/// time: GitHub signs the body with HMAC-SHA256 in `X-Hub-Signature-256: sha256=HEX`, Gitea
/// in `X-Gitea-Signature: HEX`, and GitLab sends the secret itself in `X-Gitlab-Token`.
public enum WebhookSignature {
    /// The header that carries the proof for `forge`.
    public static func header(for forge: WebhookEvent.Forge) -> String {
        switch forge {
        case .github: return "X-Hub-Signature-256"
        case .gitea: return "X-Gitea-Signature"
        case .gitlab: return "X-Gitlab-Token"
        }
    }

    public static func isValid(forge: WebhookEvent.Forge, proof: String?, body: [UInt8], secret: String) -> Bool {
        guard let proof, !secret.isEmpty else { return false }
        switch forge {
        case .github:
            guard proof.hasPrefix("sha256="), let mac = bytes(hex: String(proof.dropFirst(7))) else { return false }
            return HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: body, using: SymmetricKey(data: Array(secret.utf8)))
        case .gitea:
            guard let mac = bytes(hex: proof) else { return false }
            return HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: body, using: SymmetricKey(data: Array(secret.utf8)))
        case .gitlab:
            // Compare digests, so the time taken says nothing about the token's length or prefix.
            let given = SHA256.hash(data: Array(proof.utf8)), expected = SHA256.hash(data: Array(secret.utf8))
            return given.withUnsafeBytes { a in expected.withUnsafeBytes { b in constantTimeEqual(Array(a), Array(b)) } }
        }
    }

    /// `sha256=HEX` for GitHub, `HEX` for Gitea: what a sender puts in the header (tests and benchmarks send deliveries).
    public static func sign(_ body: [UInt8], secret: String, forge: WebhookEvent.Forge) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Array(secret.utf8)))
        let hex = mac.map { String(format: "%02x", $0) }.joined()
        switch forge {
        case .github: return "sha256=" + hex
        case .gitea: return hex
        case .gitlab: return secret
        }
    }

    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }

    static func bytes(hex: String) -> [UInt8]? {
        guard hex.count == 64 else { return nil }
        var result = [UInt8]()
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            guard let byte = UInt8(hex[index..<next], radix: 16) else { return nil }
            result.append(byte)
            index = next
        }
        return result
    }
}
