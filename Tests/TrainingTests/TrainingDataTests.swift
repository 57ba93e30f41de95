import Foundation
import Testing
import TestSupport
import TextGeneration
@testable import Training

/// Bad data and settings are refused before any work; good data splits as documented.
@Suite struct TrainingDataTests {
    let scratch = Scratch("wf-train-data")

    @Test func splitsTheLastFractionForValidation() throws {
        let text = String(repeating: "abcdefghij", count: 10)
        let split = try TrainingText(text: text, source: "t", validationFraction: 0.1)
        #expect(split.training.count == 90 && split.validation.count == 10)
        #expect(split.training + split.validation == text)
    }

    @Test func refusesEmptyBinaryAndTooShortData() throws {
        #expect { try TrainingText(text: "", source: "empty.txt", validationFraction: 0.1) }
            throws: { "\($0)" == "cannot train on empty.txt: it is empty" }
        #expect { try TrainingText(text: "abc", source: "t", validationFraction: 1) } throws: { "\($0)".contains("between 0 and 1") }
        #expect { try TrainingText(text: "abc", source: "t", validationFraction: 0.01) } throws: { "\($0)".contains("leaves nothing") }
        let binary = try scratch.write("model.bin", bytes: [0x7F, 0x45, 0x4C, 0x46, 0x00, 0x01])
        #expect { try TrainingText.read(path: binary) } throws: { "\($0)".contains("looks binary (a NUL byte at offset 4)") }
        let latin1 = try scratch.write("latin1.txt", bytes: [0x63, 0x61, 0x66, 0xE9])
        #expect { try TrainingText.read(path: latin1) } throws: { "\($0)".contains("not valid UTF-8") }
        #expect { try TrainingText.read(path: scratch("missing.txt")) } throws: { "\($0)".contains("does not exist") }

        let tokenizer = try BPETokenizer.load(folder: Fixtures.path("models/tiny"))
        let short = try TrainingText(text: String(repeating: "to be or not ", count: 20), source: "short.txt", validationFraction: 0.1)
        #expect { try short.tokenize(with: tokenizer, context: 128) }
            throws: { "\($0)".contains("shorter than one context window of 128") }
        let (training, validation) = try short.tokenize(with: tokenizer, context: 4)
        #expect(training.count > 4 && validation.count > 4)
    }

    @Test func batchesAreSeededWindowsWithShiftedTargets() {
        let tokens = Array(0..<1000)
        var a = TokenBatches(tokens: tokens, batch: 3, context: 8, seed: 5), b = TokenBatches(tokens: tokens, batch: 3, context: 8, seed: 5)
        let first = a.next()
        #expect(first.inputs == b.next().inputs)
        for (input, target) in zip(first.inputs, first.targets) {
            #expect(input.count == 8 && target == input.map { $0 + 1 })
        }
        let windows = a.sequentialWindows()
        #expect(windows.count == (1000 - 8 + 7) / 8 && windows[1].inputs.first == 8)
    }
}

@Suite struct TrainingReportTests {
    let metrics = (1...5).map { epoch in
        EpochMetrics(epoch: epoch, step: epoch * 100, trainingLoss: 3 / Double(epoch), validationLoss: 3.2 / Double(epoch),
                     validationAccuracy: 0.1 * Double(epoch), learningRate: 6e-4 * (1 - Double(epoch) / 6), tokensPerSecond: 1000)
    }

    @Test func csvHasAHeaderAndOneLinePerEpoch() throws {
        let scratch = Scratch("wf-train-report")
        try EpochMetrics.writeCSV(metrics, to: scratch("metrics.csv"))
        let lines = try scratch.read("metrics.csv").split(separator: "\n")
        #expect(lines.count == 6 && lines[0] == EpochMetrics.csvHeader)
        #expect(lines[1].hasPrefix("1,100,3,3.2,0.1,24.5325,"))
    }

    @Test func plotIsWellFormedSVGWithLabelledAxes() throws {
        let svg = TrainingPlot.svg(metrics, title: "tiny <test> & run")
        #expect(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""))
        #expect(svg.contains(">epoch</text>") && svg.contains("loss (nats per token)") && svg.contains("learning rate")
                && svg.contains("validation accuracy"))
        #expect(svg.contains("tiny &lt;test&gt; &amp; run"))
        #expect(svg.components(separatedBy: "<polyline").count - 1 == 4)
        // Well-formed: every element closed, every & an entity.
        #expect(svg.components(separatedBy: "<text").count == svg.components(separatedBy: "</text>").count)
        #expect(svg.components(separatedBy: "<svg").count == 2 && svg.hasSuffix("</svg>\n"))
        #expect(svg.components(separatedBy: "&").dropFirst().allSatisfy { $0.hasPrefix("amp;") || $0.hasPrefix("lt;") || $0.hasPrefix("gt;") })
        #expect(!svg.contains("nan") && !svg.contains("inf"))
    }
}
