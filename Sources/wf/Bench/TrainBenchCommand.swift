import ArgumentParser
import Benchmarks
import Datasets
import Foundation
import TextGeneration

struct TrainBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Training tokens/s on the default model's shape and on GPT-2 124M, against PyTorch in the same run.",
        discussion: "Each shape takes a warm-up step, then timed steps of forward, backward, clipping and AdamW on a fixed random batch; scripts/bench_train_pytorch.py does the same steps when torch is importable. Peak RSS is the process's, from the start of each shape."
    )

    @Option(parsing: .unconditional, help: "Threads for wf and for PyTorch.")
    var threads = 2

    @Option(name: .customLong("gpt2-steps"), parsing: .unconditional, help: "Timed steps on the GPT-2 124M shape.")
    var gpt2Steps = 4

    @Option(name: .customLong("default-steps"), parsing: .unconditional, help: "Timed steps on the default model's shape.")
    var defaultSteps = 20

    @Flag(help: "Skip the PyTorch reference.")
    var noPytorch = false

    @Option(help: ArgumentHelp("The PyTorch reference script (default: scripts/bench_train_pytorch.py of this checkout).", valueName: "path"))
    var pytorchScript: String?

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        let defaultShape = GPT2Config(layers: 4, heads: 4, embedding: 192, positions: 128, vocabulary: 1024, endOfTextID: 1023)
        let shapes = [
            TrainingBenchmark.Shape(name: "default (4×192, batch 16, context 128)", config: defaultShape, batch: 16, context: 128, steps: defaultSteps),
            TrainingBenchmark.Shape(name: "GPT-2 124M (batch 4, context 128)", config: .gpt2Small, batch: 4, context: 128, steps: gpt2Steps),
        ]
        let (script, skipped) = ReferenceScript.find("bench_train_pytorch.py", given: pytorchScript, skip: noPytorch)
        if let skipped { Console.error("PyTorch reference " + skipped) }
        let benchmark = TrainingBenchmark(shapes: shapes, threads: threads, pytorchScript: script)
        let figures = try benchmark.run { FileHandle.standardError.write(Data(("bench: " + $0 + "\n").utf8)) }
        if json { return try JSONOutput.print(figures) }
        var table = Table(headers: ["SHAPE", "PARAMS", "WF tok/s", "PYTORCH tok/s", "WF/PYTORCH", "WF RSS MB", "PYTORCH RSS MB"],
                          rightAligned: [1, 2, 3, 4, 5, 6])
        for figure in figures {
            let ratio = figure.pytorchTokensPerSecond.map { Format.decimal(figure.wfTokensPerSecond / $0, places: 2) + "x" } ?? "-"
            table.append([figure.shape, "\(figure.parameters / 1000)k", Format.decimal(figure.wfTokensPerSecond, places: 0),
                          figure.pytorchTokensPerSecond.map { Format.decimal($0, places: 0) } ?? "-", ratio,
                          Format.decimal(Double(figure.wfPeakRSSBytes) / 1e6, places: 0),
                          figure.pytorchPeakRSSBytes.map { Format.decimal(Double($0) / 1e6, places: 0) } ?? "-"])
        }
        print("\(threads) threads, F32, OpenBLAS \(BLAS.coreName) kernels")
        print(table.render())
        for figure in figures { if let note = figure.pytorchNote { print("PyTorch (\(figure.shape)): \(note)") } }
    }
}
