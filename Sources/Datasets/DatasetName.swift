/// Validation of names that come from outside: dataset names and tag names.
///
/// Names become parts of references (`NAME:TAG`, `NAME~N`) and of the index, so the
/// alphabet is small on purpose: ASCII letters, digits, `.`, `_`, `-`.
public enum DatasetName {
    public static let maximumLength = 128

    /// Throws `DatasetError.invalidName` unless `name` is a usable dataset name.
    public static func validate(_ name: String) throws {
        if let reason = problem(with: name) { throw DatasetError.invalidName(name, reason: reason) }
    }

    /// Throws `DatasetError.invalidTag` unless `tag` can name a version.
    /// Tags made only of hex digits would read as version ids, and `latest` is the head.
    public static func validateTag(_ tag: String) throws {
        if let reason = problem(with: tag) { throw DatasetError.invalidTag(tag, reason: reason) }
        if tag == "latest" { throw DatasetError.invalidTag(tag, reason: "'latest' always names the newest version and cannot be moved") }
        if tag.count >= 4, tag.allSatisfy({ $0.isASCII && $0.isHexDigit }) {
            throw DatasetError.invalidTag(tag, reason: "it would read as a version id; add a letter that is not a hex digit")
        }
    }

    static func problem(with name: String) -> String? {
        if name.isEmpty { return "it is empty" }
        if name.utf8.count > maximumLength { return "it is \(name.utf8.count) bytes long" }
        if name.contains("/") { return "it contains '/'" }
        if name.contains("..") { return "it contains '..'" }
        if name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) { return "it contains a control character" }
        if name.hasPrefix(".") { return "it starts with '.'" }
        if let bad = name.unicodeScalars.first(where: { !isAllowed($0) }) { return "it contains \(String(reflecting: String(bad)))" }
        return nil
    }

    private static func isAllowed(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "a"..."z", "A"..."Z", "0"..."9", ".", "_", "-": return true
        default: return false
        }
    }
}
