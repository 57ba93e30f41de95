import Foundation
import TextGeneration
import Training

/// `wf bench train`: training tokens per second (forward, backward, clipping, AdamW) on a
/// model shape, against PyTorch doing the same steps on the same shape in the same run.
public struct TrainingBenchmark {
    public struct Shape: Sendable {
        public var name: String
        public var config: GPT2Config
        public var batch: Int
        public var context: Int
        public var steps: Int
        public init(name: String, config: GPT2Config, batch: Int, context: Int, steps: Int) {
            self.name = name
            self.config = config
            self.batch = batch
            self.context = context
            self.steps = steps
        }
    }

    public struct Figure: Sendable, Codable {
        public var shape: String
        public var parameters: Int
        public var wfTokensPerSecond: Double
        public var wfPeakRSSBytes: Int64
        public var pytorchTokensPerSecond: Double?
        public var pytorchPeakRSSBytes: Int64?
        public var pytorchNote: String?
    }

    public let shapes: [Shape]
    public let threads: Int
    public let pytorchScript: String?

    public init(shapes: [Shape], threads: Int, pytorchScript: String?) {
        self.shapes = shapes
        self.threads = threads
        self.pytorchScript = pytorchScript
    }

    public func run(log: (String) -> Void) throws -> [Figure] {
        try ComputePool.withThreads(threads) { try measure(log: log) }
    }

    private func measure(log: (String) -> Void) throws -> [Figure] {
        return try shapes.map { shape in
            log("\(shape.name): wf")
            PeakMemory.reset()
            let parameters = try GPT2Parameters.random(config: shape.config, seed: 1)
            let model = GPT2Training(parameters: parameters)
            let trainer = Trainer(model: model, schedule: LearningRateSchedule(.constant, peak: 3e-4, totalSteps: shape.steps + 1))
            var random = SeededRandom(seed: 0)
            let tokens = (0..<shape.batch).map { _ in (0...shape.context).map { _ in Int(random.next() % UInt64(shape.config.vocabulary)) } }
            let batch = (inputs: tokens.map { Array($0.dropLast()) }, targets: tokens.map { Array($0.dropFirst()) })
            try trainer.step([batch])  // warm up
            let start = Stopwatch.now()
            for _ in 0..<shape.steps { try trainer.step([batch]) }
            let seconds = Stopwatch.now() - start
            var figure = Figure(shape: shape.name, parameters: parameters.count,
                                wfTokensPerSecond: Double(shape.batch * shape.context * shape.steps) / seconds,
                                wfPeakRSSBytes: PeakMemory.bytes())
            if let pytorchScript {
                log("\(shape.name): PyTorch")
                do {
                    let (rate, rss) = try runPyTorch(pytorchScript, shape)
                    figure.pytorchTokensPerSecond = rate
                    figure.pytorchPeakRSSBytes = rss
                } catch { figure.pytorchNote = "\(error)" }
            }
            return figure
        }
    }

    private func runPyTorch(_ script: String, _ shape: Shape) throws -> (Double, Int64) {
        let c = shape.config
        let figures = try PythonReference.run(script, ["--layers", "\(c.layers)", "--heads", "\(c.heads)", "--embedding", "\(c.embedding)",
                                                       "--context", "\(shape.context)", "--vocabulary", "\(c.vocabulary)",
                                                       "--batch", "\(shape.batch)", "--steps", "\(shape.steps)", "--threads", "\(threads)"])
        guard let rate = figures["tokens_per_second"], let rss = figures["peak_rss_bytes"] else {
            throw PythonReference.Failed(script: script, detail: "its JSON lacks a figure")
        }
        return (rate, Int64(rss))
    }
}
