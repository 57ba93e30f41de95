/// A parsed dataset reference, as users type it:
///
///     NAME          the newest version (also NAME:latest)
///     NAME:ID       a version by its full id or a unique prefix of at least 4 hex digits
///     NAME:TAG      a tagged version
///     NAME~N        the N-th ancestor of the newest version (NAME:ID~N and NAME:TAG~N too)
public struct Reference: Sendable, Equatable, CustomStringConvertible {
    public enum Selector: Sendable, Equatable {
        case latest
        /// A tag name or a hex id prefix; which one is decided against the index.
        case named(String)
    }

    public let dataset: String
    public let selector: Selector
    public let ancestorSteps: Int
    /// The text the user typed, for messages.
    public let text: String

    public static let minimumPrefixLength = 4

    public init(parsing text: String) throws {
        self.text = text
        var rest = Substring(text)
        var steps = 0
        if let tilde = rest.lastIndex(of: "~") {
            let digits = rest[rest.index(after: tilde)...]
            guard !digits.isEmpty, digits.allSatisfy(\.isASCII), let value = Int(digits), value >= 0 else {
                throw DatasetError.invalidReference(text, reason: "'~' must be followed by a number of versions")
            }
            steps = value
            rest = rest[..<tilde]
        }
        let name: Substring
        var selector = Selector.latest
        if let colon = rest.firstIndex(of: ":") {
            name = rest[..<colon]
            let part = String(rest[rest.index(after: colon)...])
            guard !part.isEmpty else { throw DatasetError.invalidReference(text, reason: "nothing follows ':'") }
            if part != "latest" {
                if let problem = DatasetName.problem(with: part) {
                    throw DatasetError.invalidReference(text, reason: "the part after ':' is not an id or tag (\(problem))")
                }
                selector = .named(part)
            }
        } else {
            name = rest
        }
        guard !name.isEmpty else { throw DatasetError.invalidReference(text, reason: "it names no dataset") }
        try DatasetName.validate(String(name))
        self.dataset = String(name)
        self.selector = selector
        self.ancestorSteps = steps
    }

    public var description: String { text }

    /// True when `text` could be a version id prefix.
    static func isIDPrefix(_ text: String) -> Bool {
        text.utf8.count >= minimumPrefixLength && text.utf8.count <= 64 && text.utf8.allSatisfy(ObjectID.isLowerHex)
    }
}
