import Foundation

/// `wf bench run`: what `wf run` costs beyond the steps' own work, on a two-job workflow
/// (a `git-checkout@v1` of a small repository, then a `script@v1` that copies one file into
/// a dataset output) in a real git repository: whole `wf run` processes, parse to commit.
/// Beside it, the floors it stands on: starting wf at all (`wf --version`) and starting an
/// empty bubblewrap sandbox.
public struct RunBenchmark {
    public struct Figures: Sendable, Codable {
        public var runs: Int
        public var sandboxedMedianSeconds: Double
        public var sandboxedMinimumSeconds: Double
        public var unsandboxedMedianSeconds: Double
        public var processStartMedianSeconds: Double
        public var emptySandboxMedianSeconds: Double?
    }

    public let wf: String
    public let runs: Int

    public init(wf: String, runs: Int) {
        self.wf = wf
        self.runs = max(1, runs)
    }

    static let workflow = """
        jobs:
          cloneRepo:
            outputs:
              repo: {type: volume}
            uses: git-checkout@v1
            with: {url: context.event.github.url}
          copySettings:
            needs: [cloneRepo]
            inputs: {repo: cloneRepo.outputs.repo}
            outputs:
              result: {type: dataset, with: {ref: bench-result}}
            uses: script@v1
            with:
              script: cp "${INPUTS_DIR:-/inputs}/repo/settings.json" "${OUTPUTS_DIR:-/outputs}/result/"
        """

    public func run(log: (String) -> Void) throws -> Figures {
        let folder = NSTemporaryDirectory() + "wf-bench-run-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let repo = "\(folder)/repo", home = "\(folder)/home"
        try FileManager.default.createDirectory(atPath: "\(repo)/.gradient/workflows", withIntermediateDirectories: true)
        try Self.workflow.write(toFile: "\(repo)/.gradient/workflows/bench.yaml", atomically: true, encoding: .utf8)
        try #"{"prompt": "ROMEO:", "seed": 1}"#.write(toFile: "\(repo)/settings.json", atomically: true, encoding: .utf8)
        for index in 0..<20 { try String(repeating: "line \(index)\n", count: 50).write(toFile: "\(repo)/file\(index).txt", atomically: true, encoding: .utf8) }
        let git = ["git", "-C", repo, "-c", "user.name=bench", "-c", "user.email=bench@localhost"]
        try ChildProcess.run(git + ["init", "-q", "-b", "main"])
        try ChildProcess.run(git + ["add", "-A"])
        try ChildProcess.run(git + ["commit", "-q", "-m", "bench"])

        let command = [wf, "run", "\(repo)/.gradient/workflows/bench.yaml", "--home", home]
        func median(_ label: String, _ arguments: [String]) throws -> [Double] {
            log(label)
            try ChildProcess.run(arguments)  // warm-up: page cache, first index creation
            return try (0..<runs).map { _ in try ChildProcess.run(arguments) }.sorted()
        }
        let sandboxed = try median("wf run, sandboxed", command)
        let unsandboxed = try median("wf run --no-sandbox", command + ["--no-sandbox"])
        let start = try median("wf --version", [wf, "--version"])
        let bwrap = ["/usr/bin/bwrap", "/bin/bwrap"].first { FileManager.default.isExecutableFile(atPath: $0) }
        let sandbox = try bwrap.map { try median("empty bubblewrap sandbox", [$0, "--ro-bind", "/", "/", "--unshare-all", "--die-with-parent", "true"]) }
        return Figures(runs: runs, sandboxedMedianSeconds: sandboxed[runs / 2], sandboxedMinimumSeconds: sandboxed[0],
                       unsandboxedMedianSeconds: unsandboxed[runs / 2], processStartMedianSeconds: start[runs / 2],
                       emptySandboxMedianSeconds: sandbox.map { $0[runs / 2] })
    }
}
