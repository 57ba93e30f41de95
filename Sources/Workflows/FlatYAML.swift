import Yams

/// A YAML file that is one mapping of names to single values (a settings file), read as the
/// texts written, with their lines: typing is the schema's job, so YAML 1.1's `yes`/`no`
/// and `010` never change meaning on the way.
public enum FlatYAML {
    public struct Entry: Sendable, Equatable {
        public var key: String
        public var text: String
        public var line: Int
    }

    /// - Throws: `WorkflowErrors` locating the problem (not YAML, not a mapping, a list or
    ///   mapping as a value, a key twice).
    public static func entries(_ text: String, file: String) throws -> [Entry] {
        let node: Node?
        do { node = try Yams.compose(yaml: text.replacingOccurrences(of: "\r\n", with: "\n")) } catch let error as YamlError {
            throw WorkflowErrors(errors: [WorkflowParser.yamlError(error, file: file)])
        }
        var reader = NodeReader(file: file)
        guard let node else { return [] }
        var entries = [Entry]()
        for entry in reader.mapping(node, []) ?? [] {
            if let value = reader.string(entry.value, [entry.key]) {
                entries.append(Entry(key: entry.key, text: value, line: entry.value.mark?.line ?? 1))
            }
        }
        guard reader.errors.isEmpty else { throw WorkflowErrors(errors: reader.errors) }
        return entries
    }
}
