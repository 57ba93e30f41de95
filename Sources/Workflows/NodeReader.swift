import Yams

/// Reads a composed YAML tree into typed values, keeping each problem with its line, column
/// and key path instead of stopping at the first.
struct NodeReader {
    let file: String
    var errors = [WorkflowError]()

    init(file: String) { self.file = file }

    mutating func fail(_ node: Node?, _ path: [String], _ message: String) {
        let mark = node?.mark
        errors.append(WorkflowError(file: file, line: mark?.line ?? 1, column: mark?.column ?? 1,
                                    keyPath: path.joined(separator: "."), message: message))
    }

    /// The entries of a mapping, with string keys; duplicate and non-string keys are errors.
    mutating func mapping(_ node: Node, _ path: [String]) -> [(key: String, keyNode: Node, value: Node)]? {
        guard let mapping = node.mapping else {
            fail(node, path, "expected a mapping of keys to values")
            return nil
        }
        var seen = Set<String>()
        var entries = [(key: String, keyNode: Node, value: Node)]()
        for (keyNode, value) in mapping {
            // Read the key's text, not its resolved type: YAML 1.1 reads a bare `on` as true.
            guard let key = keyNode.scalar?.string else {
                fail(keyNode, path, "keys must be plain names")
                continue
            }
            guard seen.insert(key).inserted else {
                fail(keyNode, path + [key], "appears twice; keep one")
                continue
            }
            entries.append((key, keyNode, value))
        }
        return entries
    }

    /// A scalar's text (numbers and booleans as written).
    mutating func string(_ node: Node, _ path: [String]) -> String? {
        guard let scalar = node.scalar else {
            fail(node, path, "expected a single value")
            return nil
        }
        return scalar.string
    }

    /// One value or a list of values.
    mutating func strings(_ node: Node, _ path: [String]) -> [String]? {
        if let sequence = node.sequence {
            var values = [String]()
            for (index, item) in sequence.enumerated() {
                if let value = string(item, path + ["\(index)"]) { values.append(value) }
            }
            return values
        }
        return string(node, path).map { [$0] }
    }

    /// A mapping of names to plain values or lists of them (`env:`, `with:`); only `allowed`
    /// keys when given (the caller reports the others, once).
    mutating func values(_ node: Node, _ path: [String], allowed: Set<String>? = nil) -> [String: Value] {
        var values = [String: Value]()
        for entry in mapping(node, path) ?? [] where allowed?.contains(entry.key) ?? true {
            if entry.value.sequence != nil {
                if let items = strings(entry.value, path + [entry.key]) { values[entry.key] = .list(items) }
            } else if let text = string(entry.value, path + [entry.key]) {
                values[entry.key] = Value(text)
            }
        }
        return values
    }

    mutating func rejectUnknown(_ entries: [(key: String, keyNode: Node, value: Node)], allowed: [String], _ path: [String]) {
        for entry in entries where !allowed.contains(entry.key) {
            fail(entry.keyNode, path + [entry.key], "unknown key; expected one of \(allowed.joined(separator: ", "))")
        }
    }
}
