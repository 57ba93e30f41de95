import Yams

/// Decodes a Gradient workflow file into a `WorkflowSpec`, then validates it (see
/// `WorkflowValidator`). Every problem carries its file, line, column and key path.
public enum WorkflowParser {
    public static func parse(_ text: String, file: String) throws -> WorkflowSpec {
        // CRLF files are common in repositories edited on Windows; libyaml reads them, but
        // normalising keeps literal block scripts free of carriage returns.
        let normalised = text.replacingOccurrences(of: "\r\n", with: "\n")
        let root: Node
        do {
            guard let composed = try Yams.compose(yaml: normalised) else {
                throw WorkflowErrors(errors: [WorkflowError(file: file, line: 1, column: 1, keyPath: "", message: "the file is empty")])
            }
            root = composed
        } catch let error as YamlError {
            throw WorkflowErrors(errors: [yamlError(error, file: file)])
        }
        var reader = NodeReader(file: file)
        let spec = read(root, reader: &reader)
        reader.errors += WorkflowValidator.validate(spec, root: root)
        guard reader.errors.isEmpty, let spec else { throw WorkflowErrors(errors: reader.errors) }
        return spec
    }

    static func yamlError(_ error: YamlError, file: String) -> WorkflowError {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
            return WorkflowError(file: file, line: mark.line, column: mark.column, keyPath: "", message: "invalid YAML: \(problem)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            return WorkflowError(file: file, line: context.mark.line, column: context.mark.column, keyPath: duplicates.first ?? "",
                                 message: "appears more than once in its mapping; keep one")
        default:
            return WorkflowError(file: file, line: 1, column: 1, keyPath: "", message: "invalid YAML: \(error)")
        }
    }

    static func read(_ root: Node, reader: inout NodeReader) -> WorkflowSpec? {
        guard let top = reader.mapping(root, []) else { return nil }
        reader.rejectUnknown(top, allowed: ["on", "defaults", "inputs", "jobs"], [])
        var spec = WorkflowSpec(file: reader.file, trigger: nil, defaults: Defaults(), inputs: [:], jobs: [])
        for entry in top {
            switch entry.key {
            case "on": spec.trigger = readTrigger(entry.value, reader: &reader)
            case "defaults": spec.defaults = readDefaults(entry.value, reader: &reader)
            case "inputs": spec.inputs = readWorkflowInputs(entry.value, reader: &reader)
            case "jobs":
                // Assigned once: each assignment rebuilds the spec's index of jobs.
                spec.jobs = (reader.mapping(entry.value, ["jobs"]) ?? []).compactMap { job in
                    readJob(job.key, job.keyNode, job.value, reader: &reader)
                }
            default: break
            }
        }
        if !top.contains(where: { $0.key == "jobs" }) { reader.fail(root, ["jobs"], "a workflow needs a jobs mapping") }
        return spec
    }

    static func readTrigger(_ node: Node, reader: inout NodeReader) -> Trigger {
        var trigger = Trigger(branches: [], ignoredBranches: [], tags: [])
        let path = ["on"]
        guard let entries = reader.mapping(node, path) else { return trigger }
        reader.rejectUnknown(entries, allowed: ["github"], path)
        guard let github = entries.first(where: { $0.key == "github" }) else { return trigger }
        let githubPath = path + ["github"]
        guard let githubEntries = reader.mapping(github.value, githubPath) else { return trigger }
        reader.rejectUnknown(githubEntries, allowed: ["branches", "tags"], githubPath)
        for entry in githubEntries {
            let entryPath = githubPath + [entry.key]
            guard let filters = reader.mapping(entry.value, entryPath) else { continue }
            reader.rejectUnknown(filters, allowed: entry.key == "branches" ? ["only", "ignore"] : ["only"], entryPath)
            for filter in filters {
                let values = reader.strings(filter.value, entryPath + [filter.key]) ?? []
                switch (entry.key, filter.key) {
                case ("branches", "only"): trigger.branches = values
                case ("branches", "ignore"): trigger.ignoredBranches = values
                case ("tags", "only"): trigger.tags = values
                default: break
                }
            }
        }
        return trigger
    }

    static func readDefaults(_ node: Node, reader: inout NodeReader) -> Defaults {
        var defaults = Defaults()
        guard let entries = reader.mapping(node, ["defaults"]) else { return defaults }
        reader.rejectUnknown(entries, allowed: ["env", "resources"], ["defaults"])
        for entry in entries {
            if entry.key == "env" {
                defaults.env = reader.values(entry.value, ["defaults", "env"])
                checkEnvironmentNames(entry.value, ["defaults", "env"], reader: &reader)
            }
            if entry.key == "resources" {
                (defaults.instanceType, defaults.limits) = readResources(entry.value, ["defaults", "resources"], reader: &reader)
            }
        }
        return defaults
    }

    static func readResources(_ node: Node, _ path: [String], reader: inout NodeReader) -> (String?, ResourceLimits?) {
        guard let entries = reader.mapping(node, path) else { return (nil, nil) }
        reader.rejectUnknown(entries, allowed: ["instance-type", "limits"], path)
        let instanceType = entries.first { $0.key == "instance-type" }.flatMap { reader.string($0.value, path + ["instance-type"]) }
        guard let limitsNode = entries.first(where: { $0.key == "limits" })?.value,
              let fields = reader.mapping(limitsNode, path + ["limits"]) else { return (instanceType, nil) }
        reader.rejectUnknown(fields, allowed: ResourceLimits.keys, path + ["limits"])
        var limits = ResourceLimits()
        for field in fields {
            let fieldPath = path + ["limits", field.key]
            guard let text = reader.string(field.value, fieldPath) else { continue }
            // Counts: processes and whole CPUs, each in its range.
            if let (range, noun) = [("processes", (1...1_000_000, "a number of processes")), ("cpu", (1...4096, "a whole number of CPUs"))]
                .first(where: { $0.0 == field.key })?.1 {
                guard let count = Int(text), range.contains(count) else {
                    reader.fail(field.value, fieldPath, "\(text) is not \(noun) from \(range.lowerBound) to \(range.upperBound)")
                    continue
                }
                if field.key == "cpu" { limits.cpu = count } else { limits.processes = count }
                continue
            }
            guard let bytes = ResourceLimits.bytes(text) else {
                reader.fail(field.value, fieldPath, "\(text) is not a size; write bytes or a number with Ki, Mi, Gi (or k, M, G), such as 512Mi")
                continue
            }
            switch field.key {
            case "memory": limits.memory = bytes
            case "file-size": limits.fileSize = bytes
            default: limits.tmpSize = bytes
            }
        }
        return (instanceType, limits)
    }

    static func readWorkflowInputs(_ node: Node, reader: inout NodeReader) -> [String: WorkflowInput] {
        var inputs = [String: WorkflowInput]()
        for entry in reader.mapping(node, ["inputs"]) ?? [] {
            let path = ["inputs", entry.key]
            checkName(entry.key, entry.keyNode, path, "workflow input", reader: &reader)
            guard let fields = reader.mapping(entry.value, path) else { continue }
            reader.rejectUnknown(fields, allowed: ["type", "with"], path)
            guard let typeEntry = fields.first(where: { $0.key == "type" }), let typeName = reader.string(typeEntry.value, path + ["type"]) else {
                reader.fail(entry.keyNode, path + ["type"], "a workflow input needs a type: dataset, string or volume")
                continue
            }
            guard let kind = WorkflowInput.Kind(rawValue: typeName) else {
                reader.fail(typeEntry.value, path + ["type"], "unknown input type \(typeName); use dataset, string or volume")
                continue
            }
            var defaultValue: String?
            if let with = fields.first(where: { $0.key == "with" }) {
                let values = reader.values(with.value, path + ["with"])
                if case .literal(let text)? = values["ref"] ?? values["id"] ?? values["value"] { defaultValue = text }
            }
            inputs[entry.key] = WorkflowInput(kind: kind, defaultValue: defaultValue)
        }
        return inputs
    }

    /// `env:` keys become environment variable names, passed to container runtimes and
    /// sandboxes by name: only POSIX names (letters, digits, '_', not starting with a digit).
    static func checkEnvironmentNames(_ node: Node, _ path: [String], reader: inout NodeReader) {
        for (key, _) in node.mapping.map({ Array($0) }) ?? [] {
            guard let name = key.scalar?.string else { continue }
            let valid = !name.isEmpty && !name.first!.isNumber && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
            if !valid { reader.fail(key, path + [name], "environment variable names use letters, digits and '_', and do not start with a digit") }
        }
    }

    /// Job, input and output names become folder names (`/inputs/NAME`, `runs/RUN/JOB`), so
    /// only letters, digits, '-' and '_' pass: never '/', '..' or an empty name.
    static func checkName(_ name: String, _ keyNode: Node, _ path: [String], _ what: String, reader: inout NodeReader) {
        if name.isEmpty || !name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) {
            reader.fail(keyNode, path, "\(what) names use letters, digits, '-' and '_'")
        }
    }

    static func readJob(_ name: String, _ keyNode: Node, _ node: Node, reader: inout NodeReader) -> Job? {
        let path = ["jobs", name]
        checkName(name, keyNode, path, "job", reader: &reader)
        guard let entries = reader.mapping(node, path) else { return nil }
        reader.rejectUnknown(entries, allowed: ["uses", "with", "needs", "inputs", "outputs", "env", "resources"], path)
        guard let usesEntry = entries.first(where: { $0.key == "uses" }), let uses = reader.string(usesEntry.value, path + ["uses"]) else {
            reader.fail(keyNode, path + ["uses"], "a job needs uses: (an action such as script@v1)")
            return nil
        }
        guard let action = Action(rawValue: uses) else {
            reader.fail(usesEntry.value, path + ["uses"],
                        "unknown action \(uses); wf runs \(Action.allCases.map(\.rawValue).joined(separator: ", "))")
            return nil
        }
        let mark = keyNode.mark
        var job = Job(name: name, action: action, with: [:], needs: [], inputs: [:], outputs: [:], env: [:], instanceType: nil,
                      line: mark?.line ?? 1, column: mark?.column ?? 1)
        for entry in entries {
            let entryPath = path + [entry.key]
            switch entry.key {
            case "with":
                job.with = reader.values(entry.value, entryPath, allowed: action.allowedKeys)
                for key in entry.value.mapping.map({ Array($0) }) ?? [] {
                    guard let name = key.key.scalar?.string else { continue }
                    job.withLocations[name] = Location(line: key.value.mark?.line ?? job.line, column: key.value.mark?.column ?? 1)
                    if !action.allowedKeys.contains(name) {
                        reader.fail(key.key, entryPath + [name], "\(action.rawValue) takes \(action.allowedKeys.sorted().joined(separator: ", "))")
                    }
                }
            case "needs": job.needs = reader.strings(entry.value, entryPath) ?? []
            case "env":
                job.env = reader.values(entry.value, entryPath)
                checkEnvironmentNames(entry.value, entryPath, reader: &reader)
            case "resources": (job.instanceType, job.limits) = readResources(entry.value, entryPath, reader: &reader)
            case "inputs":
                for input in reader.mapping(entry.value, entryPath) ?? [] {
                    checkName(input.key, input.keyNode, entryPath + [input.key], "input", reader: &reader)
                    if let parsed = readJobInput(input.value, entryPath + [input.key], reader: &reader) { job.inputs[input.key] = parsed }
                }
            case "outputs":
                for output in reader.mapping(entry.value, entryPath) ?? [] {
                    checkName(output.key, output.keyNode, entryPath + [output.key], "output", reader: &reader)
                    if let parsed = readJobOutput(output.value, entryPath + [output.key], reader: &reader) { job.outputs[output.key] = parsed }
                }
            default: break
            }
        }
        for key in action.requiredKeys.sorted() where job.with[key] == nil {
            reader.fail(usesEntry.value, path + ["with", key], "\(action.rawValue) needs with: \(key)")
        }
        return job
    }

    static func readJobInput(_ node: Node, _ path: [String], reader: inout NodeReader) -> JobInput? {
        if let text = node.scalar?.string {
            let parts = text.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            if parts.count == 3 && parts[1] == "outputs" { return .output(job: parts[0], name: parts[2]) }
            if parts.count == 3 && parts[0] == "workflow" && parts[1] == "inputs" { return .workflowInput(parts[2]) }
            reader.fail(node, path, "\(text) is not JOB.outputs.NAME or workflow.inputs.NAME")
            return nil
        }
        guard let fields = reader.mapping(node, path) else { return nil }
        reader.rejectUnknown(fields, allowed: ["type", "with"], path)
        let typeName = fields.first { $0.key == "type" }.flatMap { reader.string($0.value, path + ["type"]) }
        let with = fields.first { $0.key == "with" }.map { reader.values($0.value, path + ["with"]) } ?? [:]
        switch typeName {
        case "dataset":
            // Older Gradient files and samples write `id:` where newer ones write `ref:`.
            guard case .literal(let ref)? = with["ref"] ?? with["id"] else {
                reader.fail(node, path + ["with", "ref"], "a dataset input needs with: ref: NAME or NAME:VERSION")
                return nil
            }
            return .dataset(ref: ref)
        case "string":
            guard case .literal(let value)? = with["value"] else {
                reader.fail(node, path + ["with", "value"], "a string input needs with: value")
                return nil
            }
            return .string(value)
        case "volume": return .volume
        default:
            reader.fail(node, path + ["type"], "an inline input's type is dataset, string or volume")
            return nil
        }
    }

    static func readJobOutput(_ node: Node, _ path: [String], reader: inout NodeReader) -> JobOutput? {
        guard let fields = reader.mapping(node, path) else { return nil }
        reader.rejectUnknown(fields, allowed: ["type", "with"], path)
        let typeName = fields.first { $0.key == "type" }.flatMap { reader.string($0.value, path + ["type"]) }
        switch typeName {
        case "dataset":
            let with = fields.first { $0.key == "with" }.map { reader.values($0.value, path + ["with"]) } ?? [:]
            guard case .literal(let ref)? = with["ref"] ?? with["id"] else {
                reader.fail(node, path + ["with", "ref"], "a dataset output needs with: ref: NAME (the dataset it versions)")
                return nil
            }
            return .dataset(ref: ref)
        case "volume": return .volume
        case "string": return .string
        default:
            reader.fail(node, path + ["type"], "an output's type is dataset, volume or string")
            return nil
        }
    }
}
