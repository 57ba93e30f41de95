import Foundation

/// Paths of committed fixtures (`Tests/Fixtures`) and of the shared data beside the checkout.
public enum Fixtures {
    static let testsFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()

    /// `Tests/Fixtures/relative`
    public static func path(_ relative: String) -> String {
        testsFolder.appendingPathComponent("Fixtures").appendingPathComponent(relative).path
    }

    /// A file of the checkout itself, such as an example workflow.
    public static func checkout(_ relative: String) -> String {
        testsFolder.deletingLastPathComponent().appendingPathComponent(relative).path
    }

    /// `../shared/relative`, beside the checkout (CI puts it there too).
    public static func shared(_ relative: String) -> String {
        testsFolder.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared")
            .appendingPathComponent(relative).path
    }

    /// Decodes a JSON fixture.
    public static func json<T: Decodable>(_ type: T.Type, _ relative: String) throws -> T {
        try JSONDecoder().decode(type, from: Data(contentsOf: URL(fileURLWithPath: path(relative))))
    }

    /// A raw little-endian float32 file.
    public static func floats(_ relative: String) throws -> [Float] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path(relative)))
        return data.withUnsafeBytes { raw in (0..<data.count / 4).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) } }
    }
}
