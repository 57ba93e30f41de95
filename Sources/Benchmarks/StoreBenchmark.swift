#if canImport(Glibc)
import Glibc
#endif
import Datasets
import Foundation

/// `wf bench store`: commits through the real `wf` binary against `git add -A && git commit`
/// of the same files in the same run, and times whole `wf datasets ls` processes on a large store.
public struct StoreBenchmark {
    public struct Settings: Sendable {
        public var wf: String
        public var workDirectory: String
        public var smallFiles = 10_000
        public var smallFileSizes = 512...4096
        public var bigFileBytes = 1 << 30
        public var datasets = 1_000
        public var versionsPerDataset = 10
        public var commitRepeats = 3
        public var listRepeats = 30

        public init(wf: String, workDirectory: String) {
            self.wf = wf
            self.workDirectory = workDirectory
        }
    }

    public struct CommitFigure: Sendable, Codable {
        public var tree: String
        public var files: Int
        public var bytes: Int64
        /// Median seconds over the repeats.
        public var wfSeconds: Double
        public var gitSeconds: Double
        /// git with `core.fsync=all` and `core.fsyncMethod=batch`.
        public var durableGitSeconds: Double
        public var wfMBPerSecond: Double { Double(bytes) / 1e6 / wfSeconds }
        public var gitMBPerSecond: Double { Double(bytes) / 1e6 / gitSeconds }
        /// How many times faster wf is than git (above 1 means wf is faster).
        public var speedup: Double { gitSeconds / wfSeconds }
        public var durableSpeedup: Double { durableGitSeconds / wfSeconds }
    }

    public struct ListFigure: Sendable, Codable {
        public var command: String
        public var medianMilliseconds: Double
        public var p90Milliseconds: Double
    }

    public struct Result: Sendable, Codable {
        public var commits: [CommitFigure]
        public var listings: [ListFigure]
        public var datasets: Int
        public var versionsPerDataset: Int
    }

    public let settings: Settings
    public init(settings: Settings) { self.settings = settings }

    public func run(log: (String) -> Void) throws -> Result {
        let work = settings.workDirectory
        mkdir(work, 0o755)
        var generator = SyntheticFiles(seed: 42)

        let small = "\(work)/small-tree"
        mkdir(small, 0o755)
        log("writing \(settings.smallFiles) small files")
        let smallBytes = try generator.writeSmallFiles(count: settings.smallFiles, sizes: settings.smallFileSizes, into: small)
        let smallFigure = try measureCommit(tree: "\(settings.smallFiles) small files", folder: small, files: settings.smallFiles,
                                            bytes: smallBytes, repeats: settings.commitRepeats, log: log)

        let big = "\(work)/big-tree"
        mkdir(big, 0o755)
        log("writing one file of \(settings.bigFileBytes) bytes")
        try generator.write(bytes: settings.bigFileBytes, to: "\(big)/big.bin")
        let bigFigure = try measureCommit(tree: "one \(settings.bigFileBytes >> 20) MiB file", folder: big, files: 1,
                                          bytes: Int64(settings.bigFileBytes), repeats: 1, log: log)

        log("building a store of \(settings.datasets) datasets × \(settings.versionsPerDataset) versions")
        let listHome = "\(work)/list-home"
        try buildListingStore(home: listHome, scratch: "\(work)/list-scratch")
        let name = "dataset-\(settings.datasets / 2)"
        let listings = try [
            measureListing(["datasets", "ls"], home: listHome),
            measureListing(["datasets", "ls", name], home: listHome),
        ]
        return Result(commits: [smallFigure, bigFigure], listings: listings, datasets: settings.datasets,
                      versionsPerDataset: settings.versionsPerDataset)
    }

    /// Median seconds of `wf datasets put` into a fresh store, of `git init && git add -A &&
    /// git commit` into a fresh repository with git's default flushing (loose objects are not
    /// fsynced), and of the same with every object flushed (`core.fsync=all`, batched, which
    /// is the durability wf gives). Runs alternate so all see the same page cache; nothing is
    /// deleted between runs, because ext4 creates files slowly right after mass deletions.
    private func measureCommit(tree: String, folder: String, files: Int, bytes: Int64, repeats: Int,
                               log: (String) -> Void) throws -> CommitFigure {
        var wfTimes = [Double](), gitTimes = [Double](), durableGitTimes = [Double]()
        let label = tree.replacingOccurrences(of: " ", with: "-")
        func gitCommit(_ gitDirectory: String, durable: Bool) throws -> Double {
            var git = ["git", "--git-dir=\(gitDirectory)", "--work-tree=\(folder)", "-c", "user.name=bench",
                       "-c", "user.email=bench@localhost", "-c", "init.defaultBranch=main"]
            if durable { git += ["-c", "core.fsync=all", "-c", "core.fsyncMethod=batch"] }
            let start = Stopwatch.now()
            try ChildProcess.run(git + ["init", "-q"])
            try ChildProcess.run(git + ["add", "-A"])
            try ChildProcess.run(git + ["commit", "-q", "-m", "bench"])
            return Stopwatch.now() - start
        }
        for attempt in 1...repeats {
            let home = "\(settings.workDirectory)/wf-home-\(label)-\(attempt)"
            wfTimes.append(try ChildProcess.run([settings.wf, "datasets", "put", "bench", folder, "--home", home, "-m", "bench"]))
            gitTimes.append(try gitCommit("\(settings.workDirectory)/git-\(label)-\(attempt)", durable: false))
            durableGitTimes.append(try gitCommit("\(settings.workDirectory)/git-fsync-\(label)-\(attempt)", durable: true))
            log("\(tree), run \(attempt): wf \(wfTimes.last!) s, git \(gitTimes.last!) s, git with fsync \(durableGitTimes.last!) s")
        }
        return CommitFigure(tree: tree, files: files, bytes: bytes, wfSeconds: median(wfTimes), gitSeconds: median(gitTimes),
                            durableGitSeconds: median(durableGitTimes))
    }

    /// A store with `datasets` datasets of `versionsPerDataset` versions each, one small
    /// file per version, built in-process through the store's own commit path without flushes.
    private func buildListingStore(home: String, scratch: String) throws {
        let store = try DatasetStore(home: home, durable: false)
        mkdir(scratch, 0o755)
        let file = "\(scratch)/outputs.txt"
        for dataset in 0..<settings.datasets {
            for version in 0..<settings.versionsPerDataset {
                let text = "dataset \(dataset), version \(version)\n"
                let fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
                _ = text.withCString { Glibc.write(fd, $0, strlen($0)) }
                close(fd)
                _ = try store.commit(dataset: "dataset-\(dataset)", paths: [file], message: "version \(version)")
            }
        }
    }

    private func measureListing(_ arguments: [String], home: String) throws -> ListFigure {
        let command = [settings.wf] + arguments + ["--home", home]
        try ChildProcess.run(command)  // warm the page cache
        var times = [Double]()
        for _ in 0..<settings.listRepeats { times.append(try ChildProcess.run(command) * 1000) }
        times.sort()
        return ListFigure(command: "wf " + arguments.joined(separator: " "), medianMilliseconds: median(times),
                          p90Milliseconds: times[min(times.count - 1, Int(Double(times.count) * 0.9))])
    }

    private func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }
}
