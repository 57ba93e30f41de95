import Foundation
import Testing
import TestSupport

/// What the benchmarks say about their references (not their figures: speed is measured by
/// `wf bench`, never asserted in a test).
struct BenchCommandTests {
    /// A wf outside any checkout once reported "not run (--no-pytorch)", a flag nobody gave.
    @Test func aMissingReferenceSaysTrulyWhyItDidNotRun() throws {
        let scratch = Scratch("wf-bench")
        let copy = scratch("bin/wf")
        try FileManager.default.createDirectory(atPath: scratch("bin"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: WFBinary.path, toPath: copy)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: copy)
        process.arguments = ["bench", "generate", "--shape", "tiny", "--new-tokens", "2", "--prompt-tokens", "2", "--batch", "2", "--threads", "1",
                             "--work", scratch("work")]
        process.currentDirectoryURL = URL(fileURLWithPath: scratch.path)
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(text.contains("PyTorch: not run: scripts/bench_generate_pytorch.py is neither in the checkout this wf was built in nor in the one here"), "\(text)")
        #expect(!text.contains("--no-pytorch"))
    }
}
