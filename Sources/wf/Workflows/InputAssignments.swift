import ArgumentParser

/// `--input NAME=VALUE` options (`wf run`, `wf export argo`) as workflow inputs.
enum InputAssignments {
    static func parse(_ assignments: [String]) throws -> [String: String] {
        var inputs = [String: String]()
        for assignment in assignments {
            guard let equals = assignment.firstIndex(of: "="), equals != assignment.startIndex else {
                throw ValidationError("--input \(assignment): write NAME=VALUE")
            }
            inputs[String(assignment[..<equals])] = String(assignment[assignment.index(after: equals)...])
        }
        return inputs
    }
}
