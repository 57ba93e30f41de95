import Foundation

/// Where a link's secret (a token, a webhook secret) is read from when it is needed: an
/// environment variable of the daemon, or a file. Only the variable's name or the file's
/// path is stored, so a secret never lands in the index, `wf links ls` or a log.
public enum SecretSource: Sendable, Codable, Equatable, CustomStringConvertible {
    case environment(String)
    case file(String)

    public struct Missing: Error, CustomStringConvertible {
        public var source: SecretSource
        public var description: String {
            switch source {
            case .environment(let name): return "the environment variable \(name) is not set (or empty) where the daemon runs"
            case .file(let path): return "cannot read \(path)"
            }
        }
    }

    public func value() throws -> String {
        switch self {
        case .environment(let name):
            guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else { throw Missing(source: self) }
            return value
        case .file(let path):
            guard let data = FileManager.default.contents(atPath: path) else { throw Missing(source: self) }
            var text = String(decoding: data, as: UTF8.self)
            while text.hasSuffix("\n") || text.hasSuffix("\r") { text.removeLast() }
            guard !text.isEmpty else { throw Missing(source: self) }
            return text
        }
    }

    /// `env:NAME` or `file:PATH`: never the value.
    public var description: String {
        switch self {
        case .environment(let name): return "env:\(name)"
        case .file(let path): return "file:\(path)"
        }
    }
}
