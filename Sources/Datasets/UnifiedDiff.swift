/// A line diff of two texts in the unified format of `diff -u` and `git diff`, with
/// `context` unchanged lines around each change. The edit script comes from the standard
/// library's `difference(from:)` (Myers' algorithm).
public enum UnifiedDiff {
    /// Files larger than this are not diffed line by line.
    public static let maximumBytes = 4 << 20

    /// True when `bytes` reads as text: valid UTF-8 without NUL bytes.
    public static func isText(_ bytes: [UInt8]) -> Bool {
        !bytes.contains(0) && String(validating: bytes, as: UTF8.self) != nil
    }

    /// The hunks (`@@ -a,b +c,d @@` and their lines), without file headers; empty when equal.
    public static func hunks(from old: String, to new: String, context: Int = 3) -> [String] {
        let a = lines(of: old), b = lines(of: new)
        let difference = b.difference(from: a)
        var removed = Set<Int>(), inserted = Set<Int>()
        for change in difference {
            switch change {
            case .remove(let offset, _, _): removed.insert(offset)
            case .insert(let offset, _, _): inserted.insert(offset)
            }
        }
        // The edit script as (kind, old index, new index), walking both texts in step.
        enum Kind { case same, remove, insert }
        var script = [(kind: Kind, old: Int, new: Int)]()
        var i = 0, j = 0
        while i < a.count || j < b.count {
            if i < a.count, removed.contains(i) { script.append((.remove, i, j)); i += 1 }
            else if j < b.count, inserted.contains(j) { script.append((.insert, i, j)); j += 1 }
            else { script.append((.same, i, j)); i += 1; j += 1 }
        }
        var output = [String]()
        var start = 0
        while let firstChange = script[start...].firstIndex(where: { $0.kind != .same }) {
            // Extend the hunk while the next change is within 2 × context unchanged lines.
            var end = firstChange
            var cursor = firstChange
            while cursor < script.count {
                if script[cursor].kind != .same { end = cursor; cursor += 1; continue }
                let nextChange = script[cursor...].firstIndex(where: { $0.kind != .same })
                guard let next = nextChange, next - cursor <= 2 * context else { break }
                cursor = next
            }
            let lower = max(start, firstChange - context), upper = min(script.count, end + 1 + context)
            let slice = script[lower..<upper]
            let oldCount = slice.filter { $0.kind != .insert }.count
            let newCount = slice.filter { $0.kind != .remove }.count
            let oldStart = oldCount == 0 ? slice.first!.old : slice.first!.old + 1
            let newStart = newCount == 0 ? slice.first!.new : slice.first!.new + 1
            output.append("@@ -\(range(oldStart, oldCount)) +\(range(newStart, newCount)) @@")
            for step in slice {
                switch step.kind {
                case .same: output.append(" " + a[step.old].text)
                case .remove: output.append("-" + a[step.old].text)
                case .insert: output.append("+" + b[step.new].text)
                }
                let line = step.kind == .insert ? b[step.new] : a[step.old]
                if !line.endsWithNewline { output.append("\\ No newline at end of file") }
            }
            start = upper
        }
        return output
    }

    private struct Line: Hashable { var text: Substring; var endsWithNewline: Bool }

    private static func lines(of text: String) -> [Line] {
        var result = [Line]()
        var rest = Substring(text)
        while !rest.isEmpty {
            if let newline = rest.firstIndex(of: "\n") {
                result.append(Line(text: rest[..<newline], endsWithNewline: true))
                rest = rest[rest.index(after: newline)...]
            } else {
                result.append(Line(text: rest, endsWithNewline: false))
                rest = rest[rest.endIndex...]
            }
        }
        return result
    }

    private static func range(_ start: Int, _ count: Int) -> String {
        count == 1 ? "\(start)" : "\(start),\(count)"
    }
}
