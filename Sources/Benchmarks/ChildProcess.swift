#if canImport(Glibc)
import Glibc
#endif

/// Runs a program to completion with posix_spawn, standard output and error discarded,
/// and measures the whole process from spawn to exit.
enum ChildProcess {
    struct Failed: Error, CustomStringConvertible {
        var command: [String]
        var status: Int32
        var description: String { "`\(command.joined(separator: " "))` exited with status \(status)" }
    }

    /// Seconds from spawn to exit.
    @discardableResult
    static func run(_ arguments: [String]) throws -> Double {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0)
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid = pid_t()
        let start = Stopwatch.now()
        let spawned = posix_spawnp(&pid, arguments[0], &actions, nil, &argv, environ)
        guard spawned == 0 else { throw Failed(command: arguments, status: -spawned) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let elapsed = Stopwatch.now() - start
        let exitStatus = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        guard exitStatus == 0 else { throw Failed(command: arguments, status: exitStatus) }
        return elapsed
    }
}

/// Monotonic time in seconds.
enum Stopwatch {
    static func now() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }
}
