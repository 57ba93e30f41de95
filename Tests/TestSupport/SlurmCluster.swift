import Foundation

/// The Slurm cluster the cluster tests submit to: three `slurmd` nodes in network namespaces
/// on this machine, made by `scripts/slurm-cluster` (`.ci/run` starts it; a test run started
/// by hand as root starts it here when it is not up).
public enum SlurmCluster {
    /// nil when three nodes answer `sinfo`, else why not (the tests that need it skip, loudly).
    public static let unavailable: String? = {
        if nodesUp() { return nil }
        let script = Fixtures.checkout("scripts/slurm-cluster")
        guard getuid() == 0, FileManager.default.isExecutableFile(atPath: script) else {
            return "NO SLURM: no three-node cluster answers sinfo, and only root can start one (scripts/slurm-cluster install && scripts/slurm-cluster start)"
        }
        let started = try? Shell.run(script, ["start"])
        if nodesUp() { return nil }
        return "NO SLURM: scripts/slurm-cluster start did not bring up three nodes (exit \(started?.status ?? -1)); run it by hand to see why"
    }()

    /// Three nodes, each idle or busy with work (not down or drained).
    static func nodesUp() -> Bool {
        guard let listing = try? Shell.run("sinfo", ["--noheader", "--Node", "--format=%N %t"]), listing.status == 0 else { return false }
        let up = listing.stdout.split(separator: "\n").filter { line in
            ["idle", "mix", "alloc", "comp"].contains(line.split(separator: " ").last.map(String.init) ?? "")
        }
        return Set(up.map { $0.split(separator: " ")[0] }).count >= 3
    }

    /// Slurm's jobs still queued or running whose name starts with `prefix`.
    public static func openJobs(named prefix: String = "wf-") -> [String] {
        let listing = (try? Shell.run("squeue", ["--noheader", "--format=%i %j %T"]))?.stdout ?? ""
        return listing.split(separator: "\n").filter { $0.split(separator: " ").dropFirst().first?.hasPrefix(prefix) ?? false }.map(String.init)
    }
}
