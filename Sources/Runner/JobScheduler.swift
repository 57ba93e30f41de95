import Foundation
import TextGeneration
import Workflows

/// Runs jobs as their needs allow: a job starts once every job it needs has succeeded, at
/// most `limit` at a time, in the workflow's order among those ready. A job whose need failed
/// (or was itself not run) never starts and has no outcome.
struct JobScheduler {
    let jobs: [PlannedJob]
    let limit: Int

    func run<Value>(_ body: @escaping (PlannedJob) -> Result<Value, Error>) -> [String: Result<Value, Error>] {
        let state = State<Value>()
        let call = UnsafeSendable(body)  // the scheduler waits for every job thread
        state.condition.lock()
        defer { state.condition.unlock() }
        var started = Set<String>()
        while true {
            let ready = jobs.filter { job in
                !started.contains(job.name) && job.needs.allSatisfy { if case .success? = state.outcomes[$0] { return true } else { return false } }
            }
            for job in ready.prefix(max(0, max(1, limit) - state.running)) {
                started.insert(job.name)
                state.running += 1
                Thread.detachNewThread {
                    let outcome = call.value(job)
                    state.condition.lock()
                    state.outcomes[job.name] = outcome
                    state.running -= 1
                    state.condition.signal()
                    state.condition.unlock()
                }
            }
            if state.running == 0 { return state.outcomes }
            state.condition.wait()
        }
    }

    /// Shared between the scheduler and the job threads, always under `condition`.
    private final class State<Value>: @unchecked Sendable {
        let condition = NSCondition()
        var outcomes = [String: Result<Value, Error>]()
        var running = 0
    }
}
