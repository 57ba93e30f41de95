import Foundation

/// Runs one of the repository's PyTorch reference scripts (`scripts/bench_*_pytorch.py`),
/// which print one JSON object of figures, and returns those figures.
enum PythonReference {
    struct Failed: Error, CustomStringConvertible {
        var script: String
        var detail: String
        var description: String { "\(script): \(detail) (is torch installed? pip install \"torch==2.13.0+cpu\" transformers)" }
    }

    static func run(_ script: String, _ arguments: [String]) throws -> [String: Double] {
        let output = try Captured.run(["/usr/bin/env", "python3", script] + arguments)
        guard output.status == 0 else { throw Failed(script: script, detail: "exited with status \(output.status)") }
        guard let object = try? JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any] else {
            throw Failed(script: script, detail: "printed no JSON object")
        }
        return object.compactMapValues { ($0 as? NSNumber)?.doubleValue }
    }
}
