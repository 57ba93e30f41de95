import Datasets
import Foundation

/// The small record `wf job exec` leaves beside a job's folder, `HOME/runs/RUN/JOB/result.json`:
/// whether the job succeeded and where its outputs are, by content address. The engine that
/// planned the run reads it when the engine reports the job done; jobs that need this one read
/// their inputs through it. A job run twice (an engine's retry) rewrites it whole, atomically,
/// and its outputs are the same content-addressed trees, so a retry is harmless.
public struct JobResult: Codable, Sendable, Equatable {
    public enum Status: String, Codable, Sendable { case succeeded, failed }

    /// One output: a tree in the store (dataset and volume outputs) or a value (a string
    /// output's file, exactly as written; `DATASET:ID` of a version the step committed itself).
    public struct Output: Codable, Sendable, Equatable {
        public var tree: String?
        public var value: String?

        public init(tree: String? = nil, value: String? = nil) {
            self.tree = tree
            self.value = value
        }
    }

    public var format = 1
    public var run: String
    public var job: String
    public var status: Status
    /// Why it failed, one line, secrets masked.
    public var detail: String?
    public var outputs: [String: Output] = [:]
    /// What the step reports for provenance (`StepResult.provenance`: settings, model, modelSource, image).
    public var provenance: [String: String] = [:]
    /// The host (and Slurm node, `SLURMD_NODENAME`) it ran on.
    public var node: String
    /// When `wf job exec` started (before reading the plan) and ended, and how long the step
    /// itself ran (seconds): the difference is the job's overhead (plan, inputs exported,
    /// outputs stored, the record).
    public var started: Timestamp
    public var finished: Timestamp
    public var stepSeconds: Double?

    public init(run: String, job: String, status: Status, detail: String? = nil, node: String, started: Timestamp, finished: Timestamp) {
        self.run = run
        self.job = job
        self.status = status
        self.detail = detail
        self.node = node
        self.started = started
        self.finished = finished
    }

    /// `HOME/runs/RUN/JOB/result.json`.
    public static func path(home: String, run: String, job: String) -> String { "\(home)/runs/\(run)/\(job)/result.json" }

    /// The record at `path`, nil when there is none yet.
    /// - Throws: when a file is there but is not a result record.
    public static func read(_ path: String) throws -> JobResult? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        do { return try JSONDecoder().decode(JobResult.self, from: data) } catch {
            throw RunError.unsupported(job: "?", detail: "\(path) is not a job result record: \(error)")
        }
    }

    /// Written to a temporary beside `path` and renamed over it: readers see the old record or the new one.
    public func write(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        try encoder.encode(self).write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    /// This machine as a result names it: the Slurm node, else the host name.
    public static var thisNode: String {
        ProcessInfo.processInfo.environment["SLURMD_NODENAME"] ?? ProcessInfo.processInfo.hostName
    }
}
