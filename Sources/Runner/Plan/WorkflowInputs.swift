import Datasets
import Foundation
import Workflows

/// The workflow's `inputs:` with their values: `--input NAME=VALUE` over each default.
/// A dataset input's value is a reference checked against the store before anything runs;
/// a volume input's value is a folder on this machine.
enum WorkflowInputs {
    struct Resolved: Sendable, Equatable {
        var kind: WorkflowInput.Kind
        var value: String
    }

    static func resolve(_ spec: WorkflowSpec, given: [String: String], store: DatasetStore, confined: Bool = false) throws -> [String: Resolved] {
        if let unknown = given.keys.sorted().first(where: { spec.inputs[$0] == nil }) {
            let known = spec.inputs.keys.sorted()
            throw RunError.badInput(name: unknown, detail: known.isEmpty ? "\(spec.file) declares no inputs"
                                                                         : "\(spec.file) declares only \(known.joined(separator: ", "))")
        }
        var resolved = [String: Resolved]()
        for (name, input) in spec.inputs {
            guard let value = given[name] ?? input.defaultValue else {
                throw RunError.badInput(name: name, detail: "it has no default in \(spec.file); give one with --input \(name)=VALUE")
            }
            switch input.kind {
            case .dataset:
                do { _ = try store.resolve(value) } catch { throw RunError.badInput(name: name, detail: "\(error)") }
            case .volume:
                guard !confined else {
                    throw RunError.badInput(name: name, detail: "a volume input names a folder on this machine, which a run started by a push may not read")
                }
                var isFolder: ObjCBool = false
                guard FileManager.default.fileExists(atPath: value, isDirectory: &isFolder), isFolder.boolValue else {
                    throw RunError.badInput(name: name, detail: "a volume input is a folder on this machine, and \(value) is not one")
                }
            case .string: break
            }
            resolved[name] = Resolved(kind: input.kind, value: value)
        }
        return resolved
    }
}
