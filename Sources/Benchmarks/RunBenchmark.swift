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
        let home = "\(folder)/home"
        var files = ["settings.json": #"{"prompt": "ROMEO:", "seed": 1}"#]
        for index in 0..<20 { files["file\(index).txt"] = String(repeating: "line \(index)\n", count: 50) }
        let repo = try BenchRepository(at: "\(folder)/repo", workflow: Self.workflow, files: files)

        let command = [wf, "run", repo.workflowFile, "--home", home]
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
