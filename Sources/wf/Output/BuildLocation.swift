import Foundation

extension CommandLine {
    /// This executable, so benchmarks time the same build that runs them.
    static var executablePath: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? arguments[0]
    }

    /// The checkout this binary was built in (`.build/<triple>/<configuration>/wf` → the root),
    /// where the project's default model and reference scripts live.
    static var checkoutRoot: URL {
        URL(fileURLWithPath: executablePath).deletingLastPathComponent().appendingPathComponent("../../..").standardized
    }
}
