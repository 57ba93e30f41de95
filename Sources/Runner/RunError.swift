/// Why a run or one of its jobs failed: one line that says what to do.
public enum RunError: Error, Equatable, CustomStringConvertible {
    case unsupported(job: String, detail: String)
    case badSettings(file: String, detail: String)
    case missingInput(job: String, input: String, detail: String)
    case badInput(name: String, detail: String)
    case failed(job: String, detail: String)
    /// The run ended with failed or skipped jobs, one line each.
    case runFailed(run: String, failures: [String])
    /// The job was stopped, or never started, because its run was cancelled.
    case cancelled(job: String)
    /// The run was cancelled before it committed anything.
    case runCancelled(run: String)
    /// A plan file `wf job exec` cannot use.
    case planFile(path: String, detail: String)

    public var description: String {
        switch self {
        case .unsupported(let job, let detail): return "job \(job): \(detail)"
        case .badSettings(let file, let detail): return "settings file \(file): \(detail)"
        case .missingInput(let job, let input, let detail): return "job \(job), input \(input): \(detail)"
        case .badInput(let name, let detail): return "workflow input \(name): \(detail)"
        case .failed(let job, let detail): return "job \(job) failed: \(detail)"
        case .cancelled(let job): return "job \(job) was cancelled"
        case .runCancelled(let run): return "\(run) was cancelled; nothing was committed"
        case .planFile(let path, let detail): return "plan file \(path): \(detail)"
        case .runFailed(let run, let failures):
            return "\(run) failed; nothing was committed:\n" + failures.map { "  - " + $0 }.joined(separator: "\n")
                + "\n(`wf runs show \(run)` shows the run; `wf runs logs \(run)` its logs)"
        }
    }
}
