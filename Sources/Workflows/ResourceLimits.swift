/// What a job's step may use, from `resources: limits:` of the job or of `defaults` (wf's own
/// keys beside Gradient's `instance-type`; Gradient's hosted machines size jobs by instance
/// type, and on this machine the sandbox or the container is what bounds them):
///
///     resources:
///       instance-type: C4
///       limits: {memory: 8Gi, processes: 512, file-size: 4Gi, tmp-size: 1Gi, cpu: 2}
///
/// Byte sizes take Kubernetes' quantity suffixes (`Ki`, `Mi`, `Gi`, `Ti` are powers of 1024;
/// `k`, `M`, `G`, `T` of 1000) or plain bytes. A limit left out takes the executor's default
/// (`ResourceLimits.defaults`). Each is enforced as its executor can: in bubblewrap memory as
/// the address-space limit (RLIMIT_AS), processes in a pids cgroup (or RLIMIT_NPROC when not
/// root), file size as RLIMIT_FSIZE, /tmp as the size of its tmpfs; in Podman or Docker as
/// `--memory`, `--pids-limit`, `--ulimit fsize` and a sized `--tmpfs /tmp`.
public struct ResourceLimits: Sendable, Equatable, Codable {
    /// Bytes of memory.
    public var memory: Int64?
    /// Processes and threads at once.
    public var processes: Int?
    /// Bytes: the largest file a process may write.
    public var fileSize: Int64?
    /// Bytes of `/tmp`, a tmpfs.
    public var tmpSize: Int64?
    /// Whole CPUs (Kubernetes' `cpu`): what a cluster engine reserves for the job (Slurm's
    /// `--cpus-per-task`, Argo's `resources.limits.cpu`); this machine's executors leave it.
    public var cpu: Int?

    public init(memory: Int64? = nil, processes: Int? = nil, fileSize: Int64? = nil, tmpSize: Int64? = nil, cpu: Int? = nil) {
        self.cpu = cpu
        self.memory = memory
        self.processes = processes
        self.fileSize = fileSize
        self.tmpSize = tmpSize
    }

    /// The keys of `limits:`.
    public static let keys = ["memory", "processes", "file-size", "tmp-size", "cpu"]

    /// Each limit set here, else the one in `fallback`.
    public func over(_ fallback: ResourceLimits) -> ResourceLimits {
        ResourceLimits(memory: memory ?? fallback.memory, processes: processes ?? fallback.processes,
                       fileSize: fileSize ?? fallback.fileSize, tmpSize: tmpSize ?? fallback.tmpSize, cpu: cpu ?? fallback.cpu)
    }

    /// `512Mi`, `8Gi`, `1.5G`, `1048576` as bytes; nil for anything else (or over 2^62).
    public static func bytes(_ text: String) -> Int64? {
        let units: [(String, Double)] = [("Ki", 0x1p10), ("Mi", 0x1p20), ("Gi", 0x1p30), ("Ti", 0x1p40),
                                         ("k", 1e3), ("K", 1e3), ("M", 1e6), ("G", 1e9), ("T", 1e12)]
        var number = Substring(text), scale = 1.0
        for (suffix, factor) in units where text.hasSuffix(suffix) {
            number = text.dropLast(suffix.count)
            scale = factor
            break
        }
        guard !number.isEmpty, number.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }),
              let value = Double(number), value > 0, value * scale <= 0x1p62 else { return nil }
        return Int64((value * scale).rounded(.up))
    }
}
