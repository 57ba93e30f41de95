import ArgumentParser
import Benchmarks
import Datasets
import Foundation
import TextGeneration

struct GenerateBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "GPT-2 prompt and decode speed, load time and peak memory, against PyTorch on the same model.",
        discussion: "Writes a model of the chosen shape with random weights, measures wf, then runs scripts/bench_generate_pytorch.py on the same folder when torch and transformers are importable. Figures are the best of 3 runs."
    )

    @Option(help: "Model shape: gpt2 (124M), or tiny for a quick check.")
    var shape = "gpt2"

    @Option(parsing: .unconditional, help: "Threads for wf (OpenBLAS) and for PyTorch.")
    var threads = 2

    @Option(parsing: .unconditional, help: "Prompt length for the prompt figure.")
    var promptTokens = 128

    @Option(parsing: .unconditional, help: "Tokens decoded for the decode figures.")
    var newTokens = 64

    @Option(parsing: .unconditional, help: "Sequences decoded together for the batch figure.")
    var batch = 5

    @Option(help: ArgumentHelp("Weights in memory: f32, or f16 (PyTorch still runs F32).", valueName: "dtype"))
    var dtype = "f32"

    @Flag(help: "Skip the PyTorch reference.")
    var noPytorch = false

    @Option(help: ArgumentHelp("The PyTorch reference script (default: scripts/bench_generate_pytorch.py of this checkout).", valueName: "path"))
    var pytorchScript: String?

    @Option(help: "Folder for the model (deleted afterwards).")
    var work: String = (ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp") + "/wf-bench-generate"

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        var settings = GenerationBenchmark.Settings(workDirectory: work)
        switch shape {
        case "gpt2": settings.config = .gpt2Small
        case "tiny": settings.config = GPT2Config(layers: 2, heads: 2, embedding: 64, positions: 256, vocabulary: 512, endOfTextID: 0)
        default: throw ValidationError("unknown shape \(shape); use gpt2 or tiny")
        }
        settings.threads = threads
        settings.promptTokens = promptTokens
        settings.newTokens = newTokens
        settings.batch = batch
        guard let precision = GPT2Weights.Precision(rawValue: dtype) else { throw ValidationError("--dtype is f32 or f16") }
        settings.precision = precision
        let checkout = CommandLine.checkoutRoot
        let tokenizer = checkout.appendingPathComponent("../shared/gpt2-tokenizer").standardized.path
        if shape == "gpt2" && FileManager.default.fileExists(atPath: tokenizer + "/vocab.json") { settings.tokenizerFolder = tokenizer }
        (settings.pytorchScript, settings.pytorchSkipped) = ReferenceScript.find("bench_generate_pytorch.py", given: pytorchScript, skip: noPytorch)
        try? FileManager.default.removeItem(atPath: work)
        defer { try? FileManager.default.removeItem(atPath: work) }
        let result = try GenerationBenchmark(settings: settings).run { FileHandle.standardError.write(Data(("bench: " + $0 + "\n").utf8)) }
        if json { return try JSONOutput.print(result) }
        print("GPT-2 \(shape) shape, \(result.settings), OpenBLAS \(BLAS.coreName) kernels; \(Format.bytes(result.weightBytes)) read per decode step")
        var table = Table(headers: ["FIGURE", "WF", "PYTORCH", "WF/PYTORCH"], rightAligned: [1, 2, 3])
        func row(_ name: String, _ value: (GenerationBenchmark.Figures) -> Double, places: Int, higherIsBetter: Bool = true) {
            let mine = value(result.wf)
            let theirs = result.pytorch.map(value)
            let ratio = theirs.map { higherIsBetter ? mine / $0 : $0 / mine }
            table.append([name, Format.decimal(mine, places: places), theirs.map { Format.decimal($0, places: places) } ?? "-",
                          ratio.map { Format.decimal($0, places: 2) + "x" } ?? "-"])
        }
        row("prompt tokens/s (\(promptTokens))", \.promptTokensPerSecond, places: 1)
        row("decode tokens/s, batch 1", \.decodeTokensPerSecondBatch1, places: 1)
        row("decode tokens/s, batch \(batch) (total)", \.decodeTokensPerSecondBatch, places: 1)
        row("load seconds (warm cache\(settings.tokenizerFolder == nil ? "" : ", GPT-2 tokenizer"))", \.loadSeconds, places: 3, higherIsBetter: false)
        row("peak RSS MB", { Double($0.peakRSSBytes) / 1e6 }, places: 0, higherIsBetter: false)
        print(table.render())
        print("memory read bandwidth \(Format.decimal(result.memoryReadGBPerSecond, places: 1)) GB/s (best probe pass) → batch-1 bound "
              + "\(Format.decimal(result.bandwidthBoundTokensPerSecond, places: 1)) tokens/s; wf's batch-1 decode read "
              + "\(Format.decimal(result.decodeReadGBPerSecond, places: 1)) GB/s = "
              + "\(Format.decimal(100 * result.wf.decodeTokensPerSecondBatch1 / result.bandwidthBoundTokensPerSecond, places: 0))% of the bound")
        if let note = result.pytorchNote { print("PyTorch: \(note)") }
    }
}
