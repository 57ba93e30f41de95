import CKernels
import Foundation
import TextGeneration

/// `wf bench generate`: prompt and decode throughput, load time and peak memory of wf's
/// GPT-2 engine on a model of a given shape, against PyTorch `transformers` on the same
/// folder in the same run (when torch is importable).
public struct GenerationBenchmark {
    public struct Settings: Sendable {
        public var config = GPT2Config.gpt2Small
        public var threads = 2
        public var promptTokens = 128
        public var newTokens = 64
        public var batch = 5
        public var workDirectory: String
        public var pytorchScript: String?
        /// Why the reference does not run, when `pytorchScript` is nil.
        public var pytorchSkipped: String?
        public var precision = GPT2Weights.Precision.asStored
        /// A folder with GPT-2's vocab.json and merges.txt, copied into the model so that the
        /// load figure includes reading a real 50,257-token tokenizer.
        public var tokenizerFolder: String?
        public init(workDirectory: String) { self.workDirectory = workDirectory }
    }

    public struct Figures: Sendable, Codable {
        public var promptTokensPerSecond: Double
        public var decodeTokensPerSecondBatch1: Double
        /// Tokens per second summed over the batch.
        public var decodeTokensPerSecondBatch: Double
        public var loadSeconds: Double
        public var peakRSSBytes: Int64
    }

    public struct Result: Sendable, Codable {
        public var wf: Figures
        public var pytorch: Figures?
        public var pytorchNote: String?
        public var weightBytes: Int64
        public var memoryReadGBPerSecond: Double
        /// Decode at batch 1 if every weight byte were read once per token at the measured bandwidth.
        public var bandwidthBoundTokensPerSecond: Double
        /// The weight bytes wf's batch-1 decode actually read per second.
        public var decodeReadGBPerSecond: Double { Double(weightBytes) * wf.decodeTokensPerSecondBatch1 / 1e9 }
        public var settings: String
    }

    public let settings: Settings
    public init(settings: Settings) { self.settings = settings }

    public func run(log: (String) -> Void) throws -> Result {
        try ComputePool.withThreads(settings.threads) { try measure(log: log) }
    }

    private func measure(log: (String) -> Void) throws -> Result {
        let folder = settings.workDirectory + "/model"
        log("writing a random model of \(settings.config.layers) layers × \(settings.config.embedding) wide")
        try RandomModel.write(config: settings.config, to: folder)
        if let tokenizer = settings.tokenizerFolder {
            for file in ["vocab.json", "merges.txt"] {
                try FileManager.default.removeItem(atPath: "\(folder)/\(file)")
                try FileManager.default.copyItem(atPath: "\(tokenizer)/\(file)", toPath: "\(folder)/\(file)")
            }
        }

        _ = try LoadedModel.load(folder, precision: settings.precision)  // warm the page cache
        // The bandwidth probe runs before and after the measurements (the best pass is the
        // limit); the first run comes before the peak-memory reset, its buffer is not the model's.
        var bandwidth = MemoryBandwidth.measureReadGBPerSecond()
        PeakMemory.reset()  // writing the model held its weights in memory; measure from here
        var loadSeconds = Double.infinity
        var loaded: LoadedModel!
        for _ in 0..<3 {
            loaded = nil  // one model in memory at a time
            loaded = try LoadedModel.load(folder, precision: settings.precision)
            loadSeconds = min(loadSeconds, loaded.loadSeconds)
        }
        let model = loaded.model
        var random = SeededRandom(seed: 0)
        let prompt = (0..<settings.promptTokens).map { _ in Int(random.next() % UInt64(settings.config.vocabulary)) }

        log("prompt: \(settings.promptTokens) tokens")
        let promptSeconds = try best(of: 3) {
            let cache = model.makeCache(batch: 1, capacity: settings.promptTokens)
            _ = model.forward([prompt], cache: cache)
        }
        log("decode: \(settings.newTokens) tokens at batch 1 and \(settings.batch)")
        let generator = loaded.generator
        func decode(batch: Int) throws -> Double {
            var generation = GenerationSettings()
            generation.maxNewTokens = settings.newTokens
            generation.numReturnSequences = batch
            generation.doSample = batch > 1
            generation.stopAtEndOfText = false
            let shortPrompt = Array(prompt.prefix(8))
            return try best(of: 3) { _ = try generator.generate(promptIDs: shortPrompt, settings: generation) }
        }
        let decode1 = try decode(batch: 1), decodeBatch = try decode(batch: settings.batch)
        let wf = Figures(promptTokensPerSecond: Double(settings.promptTokens) / promptSeconds,
                         decodeTokensPerSecondBatch1: Double(settings.newTokens) / decode1,
                         decodeTokensPerSecondBatch: Double(settings.batch * settings.newTokens) / decodeBatch,
                         loadSeconds: loadSeconds, peakRSSBytes: PeakMemory.bytes())

        log("memory bandwidth")
        bandwidth = max(bandwidth, MemoryBandwidth.measureReadGBPerSecond())
        let weightBytes = Int64(loaded.model.weights.bytesReadPerToken)
        var pytorch: Figures?
        var note: String?
        if let script = settings.pytorchScript {
            log("PyTorch on the same folder")
            do { pytorch = try runPyTorch(script: script, folder: folder) } catch { note = "\(error)" }
        } else {
            note = settings.pytorchSkipped ?? "not run"
        }
        return Result(wf: wf, pytorch: pytorch, pytorchNote: note, weightBytes: weightBytes, memoryReadGBPerSecond: bandwidth,
                      bandwidthBoundTokensPerSecond: bandwidth * 1e9 / Double(weightBytes),
                      settings: "\(settings.threads) threads, \(settings.precision == .f16 ? "F16" : "F32") weights, prompt \(settings.promptTokens), \(settings.newTokens) new tokens, batch \(settings.batch)")
    }

    private func best(of repeats: Int, _ body: () throws -> Void) rethrows -> Double {
        var best = Double.infinity
        for _ in 0..<repeats {
            let start = Stopwatch.now()
            try body()
            best = min(best, Stopwatch.now() - start)
        }
        return best
    }

    private func runPyTorch(script: String, folder: String) throws -> Figures {
        let figures = try PythonReference.run(script, [folder, "--threads", "\(settings.threads)", "--prompt-tokens", "\(settings.promptTokens)",
                                                       "--new-tokens", "\(settings.newTokens)", "--batch", "\(settings.batch)"])
        guard let prompt = figures["prompt_tokens_per_second"], let decode1 = figures["decode_tokens_per_second_batch1"],
              let decodeBatch = figures["decode_tokens_per_second_batch"], let load = figures["load_seconds"],
              let rss = figures["peak_rss_bytes"] else {
            throw PythonReference.Failed(script: script, detail: "its JSON lacks a figure")
        }
        return Figures(promptTokensPerSecond: prompt, decodeTokensPerSecondBatch1: decode1, decodeTokensPerSecondBatch: decodeBatch,
                       loadSeconds: load, peakRSSBytes: Int64(rss))
    }
}

/// Read bandwidth of main memory: the best of several passes summing a buffer far larger
/// than the caches (512 MiB) with the same AVX2 loads as the decode kernels, with one thread
/// and with every core. A VM's neighbours make single passes noisy; the best is the limit.
enum MemoryBandwidth {
    static func measureReadGBPerSecond(bytes: Int = 512 << 20) -> Double {
        let count = bytes / 4
        let buffer = UnsafeMutablePointer<Float>.allocate(capacity: count)
        defer { buffer.deallocate() }
        for i in 0..<count { buffer[i] = Float(i & 1023) }
        let address = UInt(bitPattern: buffer)
        var best = Double.infinity
        for workers in Set([1, ProcessInfo.processInfo.activeProcessorCount]).sorted() {
            for _ in 0..<8 {
                let start = Stopwatch.now()
                DispatchQueue.concurrentPerform(iterations: workers) { worker in
                    let chunk = count / workers
                    let base = UnsafePointer<Float>(bitPattern: address)! + worker * chunk
                    if wf_sum_f32(base, chunk) == -1 { print("") }  // keep the sum alive
                }
                best = min(best, Stopwatch.now() - start)
            }
        }
        return Double(bytes) / best / 1e9
    }
}

/// The process's peak resident set (VmHWM), which Linux lets a process reset.
enum PeakMemory {
    static func reset() {
        try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
    }

    static func bytes() -> Int64 {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kilobytes = Int64(line.split(separator: " ").dropFirst().first ?? "") else { return 0 }
        return kilobytes * 1024
    }
}
