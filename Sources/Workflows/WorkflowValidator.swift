import Datasets
import Yams

/// Checks a decoded workflow before anything runs: every `needs` names a job, the jobs form
/// no cycle, inputs name outputs that exist in jobs they need, dataset references are valid,
/// and no two jobs write versions of one dataset.
public enum WorkflowValidator {
    static func validate(_ spec: WorkflowSpec?, root: Node) -> [WorkflowError] {
        guard let spec else { return [] }
        var errors = [WorkflowError]()
        func fail(_ path: [String], _ message: String) {
            let mark = locate(root, path)?.mark
            errors.append(WorkflowError(file: spec.file, line: mark?.line ?? 1, column: mark?.column ?? 1,
                                        keyPath: path.joined(separator: "."), message: message))
        }
        let names = Set(spec.jobs.map(\.name))
        for job in spec.jobs {
            for need in job.needs where !names.contains(need) {
                fail(["jobs", job.name, "needs"], "no job named \(need); jobs are \(names.sorted().joined(separator: ", "))")
            }
            if job.needs.contains(job.name) { fail(["jobs", job.name, "needs"], "a job cannot need itself") }
            for (inputName, input) in job.inputs.sorted(by: { $0.key < $1.key }) {
                let path = ["jobs", job.name, "inputs", inputName]
                switch input {
                case .output(let source, let output):
                    guard let producer = spec.job(named: source) else {
                        fail(path, "no job named \(source)")
                        continue
                    }
                    // An output that is written but was rejected already has its own error.
                    let written = locate(root, ["jobs", source, "outputs", output])?.scalar?.string == output
                    if producer.outputs[output] == nil && !written {
                        let known = producer.outputs.keys.sorted()
                        fail(path, "job \(source) has no output \(output); " + (known.isEmpty ? "it has no outputs" : "its outputs are \(known.joined(separator: ", "))"))
                    }
                    if !ancestors(of: job, in: spec).contains(source) {
                        fail(path, "reads \(source)'s output but does not need \(source); add it to needs")
                    }
                case .workflowInput(let name):
                    if spec.inputs[name] == nil { fail(path, "the workflow has no input \(name)") }
                case .dataset(let ref):
                    if let problem = referenceProblem(ref) { fail(path + ["with", "ref"], problem) }
                case .string, .volume: break
                }
            }
            for (outputName, output) in job.outputs {
                if case .dataset(let ref) = output, let problem = referenceProblem(ref) {
                    fail(["jobs", job.name, "outputs", outputName, "with", "ref"], problem)
                }
            }
        }
        // Several outputs may write one dataset (experiments adding to one results dataset): each
        // becomes its own version, committed in the workflow's job order, a job's outputs by name.
        if let cycle = findCycle(spec) {
            fail(["jobs", cycle[0], "needs"], "the jobs need each other in a cycle: \(cycle.joined(separator: " → "))")
        }
        return errors
    }

    /// Jobs in an order that runs every job after those it needs, in layers that may run
    /// side by side. Call only on a validated spec.
    public static func layers(of spec: WorkflowSpec) -> [[String]] {
        var remaining = spec.jobs
        var done = Set<String>()
        var result = [[String]]()
        while !remaining.isEmpty {
            let ready = remaining.filter { $0.needs.allSatisfy(done.contains) }.map(\.name)
            guard !ready.isEmpty else { break }
            result.append(ready)
            done.formUnion(ready)
            remaining.removeAll { ready.contains($0.name) }
        }
        return result
    }

    static func ancestors(of job: Job, in spec: WorkflowSpec) -> Set<String> {
        var seen = Set<String>()
        var stack = job.needs
        while let name = stack.popLast() {
            guard seen.insert(name).inserted, let next = spec.job(named: name) else { continue }
            stack += next.needs
        }
        return seen
    }

    static func findCycle(_ spec: WorkflowSpec) -> [String]? {
        var state = [String: Int]()  // 1 visiting, 2 done
        var path = [String]()
        func visit(_ name: String) -> [String]? {
            if state[name] == 2 { return nil }
            if state[name] == 1 {
                let start = path.firstIndex(of: name)!
                return Array(path[start...]) + [name]
            }
            state[name] = 1
            path.append(name)
            for need in spec.job(named: name)?.needs ?? [] { if let cycle = visit(need) { return cycle } }
            path.removeLast()
            state[name] = 2
            return nil
        }
        for job in spec.jobs { if let cycle = visit(job.name) { return cycle } }
        return nil
    }

    static func referenceProblem(_ ref: String) -> String? {
        do {
            _ = try Reference(parsing: ref)
            return nil
        } catch {
            return "\(error)"
        }
    }

    /// The node at `path` (mapping keys), for its line and column; the deepest found otherwise.
    static func locate(_ root: Node, _ path: [String]) -> Node? {
        var node: Node? = root
        var found: Node? = root
        for key in path {
            guard let mapping = node?.mapping, let pair = mapping.first(where: { $0.key.scalar?.string == key }) else { break }
            found = pair.key
            node = pair.value
        }
        return found
    }
}
