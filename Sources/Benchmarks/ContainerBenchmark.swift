import Foundation

/// `wf bench container`: what running a step in its image costs against running it in
/// bubblewrap on the host, on a one-job workflow (a `script@v1` that copies a file of the
/// checkout into a dataset output), whole `wf run` processes, both measured in the same run.
/// Beside them, the floors: `podman run --rm IMAGE true` and an empty bubblewrap sandbox.
public struct ContainerBenchmark {
    public struct Figures: Sendable, Codable {
        public var runs: Int
        public var image: String
        public var runtime: String
        public var containerMedianSeconds: Double
        public var bubblewrapMedianSeconds: Double
        /// container ÷ bubblewrap, whole runs.
        public var ratio: Double
        public var bareContainerMedianSeconds: Double
        public var emptySandboxMedianSeconds: Double
    }

    public let wf: String
    public let runs: Int
    public let image: String

    public init(wf: String, runs: Int, image: String) {
        self.wf = wf
        self.runs = max(1, runs)
        self.image = image
    }

    func workflow() -> String {
        """
        jobs:
          copySettings:
            outputs:
              result: {type: dataset, with: {ref: bench-result}}
            uses: script@v1
            with:
              image: \(image)
              script: echo copied > /outputs/result/copied.txt
        """
    }

    public func run(log: (String) -> Void) throws -> Figures {
        let folder = NSTemporaryDirectory() + "wf-bench-container-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let home = "\(folder)/home"
        let repo = try BenchRepository(at: "\(folder)/repo", workflow: workflow())
        let podman = "podman", bwrap = "bwrap"  // found on PATH by posix_spawnp

        let command = [wf, "run", repo.workflowFile, "--home", home, "--pull", "never"]
        func sorted(_ label: String, _ arguments: [String]) throws -> [Double] {
            log(label)
            try ChildProcess.run(arguments)  // warm-up: page cache, the index, the image's layers
            return try (0..<runs).map { _ in try ChildProcess.run(arguments) }.sorted()
        }
        // Interleaved would be fairer to drift; medians of 11 each, back to back, are what `wf bench run` uses too.
        let container = try sorted("wf run --runtime podman", command + ["--runtime", "podman"])
        let sandboxed = try sorted("wf run --runtime bwrap", command + ["--runtime", "bwrap"])
        let bare = try sorted("podman run --rm \(image) true", [podman, "run", "--rm", "--network", "none", image, "true"])
        let empty = try sorted("empty bubblewrap sandbox", [bwrap, "--ro-bind", "/", "/", "--unshare-all", "--die-with-parent", "true"])
        let median = { (values: [Double]) in values[values.count / 2] }
        return Figures(runs: runs, image: image, runtime: "podman", containerMedianSeconds: median(container),
                       bubblewrapMedianSeconds: median(sandboxed), ratio: median(container) / median(sandboxed),
                       bareContainerMedianSeconds: median(bare), emptySandboxMedianSeconds: median(empty))
    }
}
