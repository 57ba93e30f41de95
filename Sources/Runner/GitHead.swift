import Foundation

/// The commit a checkout's HEAD names, read from `.git` files (HEAD, loose refs, packed-refs),
/// for provenance. nil outside a git checkout or on an unborn branch.
enum GitHead {
    static func commit(in checkout: String) -> String? {
        let git = "\(checkout)/.git"
        guard let head = try? String(contentsOfFile: "\(git)/HEAD", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines) else {
            return nil
        }
        guard head.hasPrefix("ref: ") else { return isSHA(head) ? head : nil }
        let ref = String(head.dropFirst(5))
        if let loose = try? String(contentsOfFile: "\(git)/\(ref)", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines),
           isSHA(loose) {
            return loose
        }
        let packed = (try? String(contentsOfFile: "\(git)/packed-refs", encoding: .utf8)) ?? ""
        for line in packed.split(separator: "\n") where line.hasSuffix(" " + ref) {
            let sha = String(line.prefix(40))
            if isSHA(sha) { return sha }
        }
        return nil
    }

    private static func isSHA(_ text: String) -> Bool { text.count == 40 && text.allSatisfy(\.isHexDigit) }
}
