import Datasets
import Yams

/// Checks a decoded workflow before anything runs: every `needs` names a job, the jobs form
/// no cycle, inputs name outputs that exist in jobs they need, dataset references are valid,
/// and no two jobs write versions of one dataset.
public enum WorkflowValidator {
    ///
    /// Linear in the size of the workflow (10,000 jobs: `wf bench validate`): jobs are looked
    /// up by name in O(1), YAML nodes are located only for errors, and whether a job needs
    /// the job whose output it reads is answered from its direct needs, falling back to
    /// ancestor sets (bitsets) only for inputs read through a chain of needs.
    static func validate(_ spec: WorkflowSpec?, root: Node) -> [WorkflowError] {
        guard let spec else { return [] }
        var errors = [WorkflowError]()
        var reachability = Reachability(spec)
        // Job entries by name, so locating an error's node does not walk every job.
        var jobNodes = [String: (key: Node, value: Node)]()
        if let jobs = root.mapping?.first(where: { $0.key.scalar?.string == "jobs" })?.value.mapping {
            for pair in jobs {
                if let name = pair.key.scalar?.string, jobNodes[name] == nil { jobNodes[name] = (pair.key, pair.value) }
            }
        }
        func node(_ path: [String]) -> Node? {
            guard path.count >= 2, path[0] == "jobs", let job = jobNodes[path[1]] else { return locate(root, path) }
            return path.count == 2 ? job.key : (locate(job.value, Array(path.dropFirst(2))) ?? job.key)
        }
        // With a cycle, which job needs which is not settled: the cycle is the one error about needs.
        let cycle = findCycle(spec)
        func fail(_ path: [String], _ message: String) {
            let mark = node(path)?.mark
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
                    if producer.outputs[output] == nil && node(["jobs", source, "outputs", output])?.scalar?.string != output {
                        let known = producer.outputs.keys.sorted()
                        fail(path, "job \(source) has no output \(output); " + (known.isEmpty ? "it has no outputs" : "its outputs are \(known.joined(separator: ", "))"))
                    }
                    if cycle == nil && !job.needs.contains(source) && !reachability.isAncestor(source, of: job.name) {
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
        if let cycle {
            fail(["jobs", cycle[0], "needs"], "the jobs need each other in a cycle: \(cycle.joined(separator: " → "))")
        }
        return errors
    }

    /// Jobs in an order that runs every job after those it needs, in layers that may run
    /// side by side. Call only on a validated spec.
    public static func layers(of spec: WorkflowSpec) -> [[String]] {
        layers(spec.jobs.map { (name: $0.name, needs: $0.needs) })
    }

    /// Kahn's algorithm, a layer at a time: O(jobs + needs). Jobs in a layer keep their order
    /// here. A need naming no job of the list is ignored; jobs in a cycle (or needing one) are
    /// in no layer. Also lays out a recorded run's graph (the dashboard's `JobGraph`).
    public static func layers(_ jobs: [(name: String, needs: [String])]) -> [[String]] {
        let position = Dictionary(jobs.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { a, _ in a })
        var waitingOn = [String: Int](minimumCapacity: jobs.count)
        var neededBy = [String: [String]]()
        for job in jobs {
            let needs = Set(job.needs.filter { position[$0] != nil })
            waitingOn[job.name] = needs.count
            for need in needs { neededBy[need, default: []].append(job.name) }
        }
        var layer = jobs.filter { waitingOn[$0.name] == 0 }.map(\.name)
        var result = [[String]]()
        while !layer.isEmpty {
            result.append(layer)
            var next = [String]()
            for name in layer {
                for dependent in neededBy[name] ?? [] {
                    waitingOn[dependent]! -= 1
                    if waitingOn[dependent] == 0 { next.append(dependent) }
                }
            }
            layer = next.sorted { position[$0]! < position[$1]! }
        }
        return result
    }

    /// A cycle among the jobs' needs, if any: an iterative depth-first search (10,000 jobs
    /// in a chain would overflow a recursive one's stack), O(jobs + needs).
    static func findCycle(_ spec: WorkflowSpec) -> [String]? {
        var state = [String: Int](minimumCapacity: spec.jobs.count)  // 1 visiting, 2 done
        for start in spec.jobs where state[start.name] == nil {
            var path = [String]()
            var stack: [(name: String, next: Int)] = [(start.name, 0)]
            state[start.name] = 1
            path.append(start.name)
            while let top = stack.last {
                let needs = spec.job(named: top.name)?.needs ?? []
                guard top.next < needs.count else {
                    state[top.name] = 2
                    stack.removeLast()
                    path.removeLast()
                    continue
                }
                stack[stack.count - 1].next += 1
                let need = needs[top.next]
                switch state[need] {
                case 1?:
                    let from = path.lastIndex(of: need)!
                    return Array(path[from...]) + [need]
                case 2?: continue
                default:
                    guard spec.job(named: need) != nil else { continue }
                    state[need] = 1
                    stack.append((need, 0))
                    path.append(need)
                }
            }
        }
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

/// Whether one job is among another's ancestors (needs, their needs, …), answered from
/// ancestor sets as bitsets, built lazily in dependency order and only when a question
/// needs them: O(jobs × jobs / 64) at worst, nothing for workflows that read only the
/// outputs of jobs they need directly.
struct Reachability {
    private let spec: WorkflowSpec
    private let position: [String: Int]
    /// Row i (`words` 64-bit words from i × words) is job i's ancestor set, flat in one buffer.
    private var ancestors: [UInt64]?
    private var words: Int { (spec.jobs.count + 63) / 64 }

    init(_ spec: WorkflowSpec) {
        self.spec = spec
        position = Dictionary(spec.jobs.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { a, _ in a })
    }

    mutating func isAncestor(_ candidate: String, of job: String) -> Bool {
        guard let from = position[candidate], let to = position[job] else { return false }
        if ancestors == nil { ancestors = build() }
        return ancestors![to * words + from / 64] & (1 << UInt64(from % 64)) != 0
    }

    /// Each job's set is the union of its needs' sets and the needs themselves, in the order
    /// of `WorkflowValidator.layers` (a job in a cycle keeps what it had: the cycle has its
    /// own error).
    private func build() -> [UInt64] {
        let words = self.words
        var sets = [UInt64](repeating: 0, count: spec.jobs.count * words)
        sets.withUnsafeMutableBufferPointer { sets in
            for name in WorkflowValidator.layers(of: spec).joined() {
                guard let index = position[name], let job = spec.job(named: name) else { continue }
                for need in job.needs {
                    guard let parent = position[need] else { continue }
                    sets[index * words + parent / 64] |= 1 << UInt64(parent % 64)
                    for word in 0..<words { sets[index * words + word] |= sets[parent * words + word] }
                }
            }
        }
        return sets
    }
}
