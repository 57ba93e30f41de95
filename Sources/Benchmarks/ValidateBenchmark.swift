import Foundation

/// `wf bench validate`: `wf validate` on generated workflows of 1,000 and 10,000 jobs, in two
/// shapes (a chain, each job reading its predecessor's output; a fan-in, a thousand-wide layer
/// feeding every tenth job), whole processes. Validation once grew faster than the jobs (4,000
/// jobs: 69 s); the figure that matters is the ratio of 10,000 jobs to 1,000 (10 when linear).
/// The reference is loading the same file with PyYAML's libyaml loader (`yaml.CSafeLoader`), in
/// the same session: wf parses with the same libyaml and then checks everything.
public struct ValidateBenchmark {
    public struct Case: Codable, Sendable {
        public var shape: String
        public var jobs: Int
        public var medianSeconds: Double
        public var microsecondsPerJob: Double
        /// PyYAML's C loader reading the same file, when python3 and PyYAML are there.
        public var pyyamlLoadSeconds: Double?
    }

    public struct Figures: Codable, Sendable {
        public var runs: Int
        public var cases: [Case]
        /// Seconds for 10,000 jobs over seconds for 1,000, per shape: 10 is linear.
        public var growth: [String: Double]
    }

    let wf: String
    let runs: Int

    public init(wf: String, runs: Int) {
        self.wf = wf
        self.runs = max(1, runs)
    }

    public func run(log: (String) -> Void) throws -> Figures {
        let folder = NSTemporaryDirectory() + "/wf-bench-validate-\(getpid())"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var cases = [Case]()
        for shape in ["chain", "fan-in"] {
            for jobs in [1_000, 10_000] {
                let file = "\(folder)/\(shape)-\(jobs).yaml"
                try Data(Self.workflow(shape: shape, jobs: jobs).utf8).write(to: URL(fileURLWithPath: file))
                log("wf validate, \(jobs) jobs (\(shape))")
                try ChildProcess.run([wf, "validate", file])
                let times = try (0..<runs).map { _ in try ChildProcess.run([wf, "validate", file]) }.sorted()
                let median = times[times.count / 2]
                let pyyaml = try? Self.pyyamlLoad(file, runs: runs)
                cases.append(Case(shape: shape, jobs: jobs, medianSeconds: median, microsecondsPerJob: median / Double(jobs) * 1e6,
                                  pyyamlLoadSeconds: pyyaml))
            }
        }
        var growth = [String: Double]()
        for shape in ["chain", "fan-in"] {
            let small = cases.first { $0.shape == shape && $0.jobs == 1_000 }!, large = cases.first { $0.shape == shape && $0.jobs == 10_000 }!
            growth[shape] = large.medianSeconds / small.medianSeconds
        }
        return Figures(runs: runs, cases: cases, growth: growth)
    }

    /// A workflow of `jobs` script jobs. chain: job i needs and reads job i-1. fan-in: the
    /// first tenth form one wide layer; every later job needs and reads ten of them.
    static func workflow(shape: String, jobs: Int) -> String {
        var text = "jobs:\n"
        let wide = jobs / 10
        for index in 0..<jobs {
            text += "  j\(index):\n"
            var needs = [Int]()
            if shape == "chain" {
                if index > 0 { needs = [index - 1] }
            } else if index >= wide {
                needs = (0..<10).map { (index * 7 + $0 * 13) % wide }
                needs = Array(Set(needs)).sorted()
            }
            if !needs.isEmpty {
                text += "    needs: [\(needs.map { "j\($0)" }.joined(separator: ", "))]\n"
                text += "    inputs: {\(needs.map { "in\($0): j\($0).outputs.out" }.joined(separator: ", "))}\n"
            }
            text += "    outputs: {out: {type: volume}}\n    uses: script@v1\n    with: {script: \"echo \(index) > /outputs/out/n\"}\n"
        }
        return text
    }

    /// Median seconds for python3 to load `file` with PyYAML's C loader, process start excluded.
    static func pyyamlLoad(_ file: String, runs: Int) throws -> Double {
        let output = try Captured.run(["/usr/bin/env", "python3", "-c", """
            import sys, time, yaml
            text = open(sys.argv[1]).read()
            times = []
            for _ in range(int(sys.argv[2])):
                start = time.perf_counter(); yaml.load(text, Loader=yaml.CSafeLoader); times.append(time.perf_counter() - start)
            print(sorted(times)[len(times) // 2])
            """, file, "\(runs)"])
        guard output.status == 0, let seconds = Double(output.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw ChildProcess.Failed(command: ["python3", "-c", "yaml.load"], status: output.status)
        }
        return seconds
    }
}
