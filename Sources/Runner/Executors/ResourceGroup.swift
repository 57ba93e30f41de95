import Foundation
import Workflows

/// A cgroup that holds one sandboxed step and bounds its processes and memory, the way
/// container runtimes do: cgroup v2 (`pids.max`, `memory.max` in `/sys/fs/cgroup/wf-NAME`)
/// or, on a v1 hierarchy, the `pids` and `memory` controllers (`pids.max`,
/// `memory.limit_in_bytes`). Root only; elsewhere `make` returns nil and the sandbox falls
/// back to rlimits (RLIMIT_NPROC, which does not bind root, and RLIMIT_AS).
struct ResourceGroup: Sendable {
    /// One folder per hierarchy the step joins.
    let folders: [String]

    /// Writing a PID here moves it in.
    var procsFiles: [String] { folders.map { "\($0)/cgroup.procs" } }

    static let root = "/sys/fs/cgroup"

    static func make(name: String, processes: Int, memory: Int64) -> ResourceGroup? {
        guard geteuid() == 0 else { return nil }
        let leaf = "wf-" + name.map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "_" }
        let unified = (try? String(contentsOfFile: "\(root)/cgroup.controllers", encoding: .utf8)) ?? ""
        let settings: [(folder: String, files: [(String, String)])]
        if Set(unified.split(whereSeparator: \.isWhitespace)).isSuperset(of: ["pids", "memory"]) {
            guard write("+pids +memory", to: "\(root)/cgroup.subtree_control") else { return nil }
            settings = [("\(root)/\(leaf)", [("pids.max", "\(processes)"), ("memory.max", "\(memory)")])]
        } else if FileManager.default.fileExists(atPath: "\(root)/pids/pids.max") || FileManager.default.fileExists(atPath: "\(root)/pids/cgroup.procs"),
                  FileManager.default.fileExists(atPath: "\(root)/memory/cgroup.procs") {
            settings = [("\(root)/pids/\(leaf)", [("pids.max", "\(processes)")]),
                        ("\(root)/memory/\(leaf)", [("memory.limit_in_bytes", "\(memory)")])]
        } else {
            return nil
        }
        var made = [String]()
        for (folder, files) in settings {
            guard mkdir(folder, 0o755) == 0 || errno == EEXIST, files.allSatisfy({ write($0.1, to: "\(folder)/\($0.0)") }) else {
                ResourceGroup(folders: made + [folder]).remove()
                return nil
            }
            made.append(folder)
        }
        return ResourceGroup(folders: made)
    }

    /// Removes the folders once the step's processes are gone (they leave as bubblewrap's
    /// PID namespace ends, which can take a moment).
    func remove() {
        for folder in folders {
            for _ in 0..<50 where rmdir(folder) != 0 && errno == EBUSY { usleep(20_000) }
        }
    }

    /// The command that joins the group and then runs `command`: a shell writes its own PID
    /// into each group before it `exec`s, so nothing the step starts runs outside.
    func wrapping(_ command: [String]) -> [String] {
        ["/bin/sh", "-c", "for f in \"$@\"; do shift; [ \"$f\" = -- ] && break; echo $$ > \"$f\" || exit 125; done; exec \"$@\"", "sh"]
            + procsFiles + ["--"] + command
    }

    private static func write(_ text: String, to path: String) -> Bool {
        guard let handle = FileHandle(forWritingAtPath: path) else { return false }
        defer { try? handle.close() }
        return (try? handle.write(contentsOf: Data(text.utf8))) != nil
    }
}

extension ResourceLimits {
    /// `memory 23.4 GiB, 4096 processes, files up to 64.0 GiB, /tmp 1.0 GiB`, for the job's log.
    var summary: String {
        func size(_ bytes: Int64?) -> String {
            guard let bytes else { return "unlimited" }
            let (value, unit) = [(0x1p30, "GiB"), (0x1p20, "MiB"), (0x1p10, "KiB")].first { Double(bytes) >= $0.0 } ?? (1, "B")
            return (value == 1 ? "\(bytes)" : String(format: "%.1f", Double(bytes) / value)) + " " + unit
        }
        return "memory \(size(memory)), \(processes.map(String.init) ?? "unlimited") processes, files up to \(size(fileSize)), /tmp \(size(tmpSize))"
    }
}
