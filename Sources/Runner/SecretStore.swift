import Foundation

/// The values behind `secret:NAME`: one file per secret in a folder only its owner can read
/// (0700, files 0600), outside any checkout so a secret never lands in a repository.
/// `wf secrets set NAME` reads the value from standard input, never from the command line.
public struct SecretStore: Sendable {
    public let folder: String

    /// `$WF_SECRETS`, else `$XDG_CONFIG_HOME/wf/secrets`, else `~/.config/wf/secrets`.
    public static var defaultFolder: String {
        let environment = ProcessInfo.processInfo.environment
        if let folder = environment["WF_SECRETS"], !folder.isEmpty { return folder }
        let config = environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory() + "/.config"
        return config + "/wf/secrets"
    }

    public init(folder: String = SecretStore.defaultFolder) { self.folder = folder }

    public enum Failure: Error, CustomStringConvertible, Equatable {
        case invalidName(String)
        case unknown(String, folder: String)
        case exposed(String, mode: Int)
        case io(String, detail: String)

        public var description: String {
            switch self {
            case .invalidName(let name):
                return "invalid secret name '\(name)': use 1 to 64 letters, digits and underscores"
            case .unknown(let name, let folder):
                return "no secret named \(name) in \(folder); set it with: wf secrets set \(name) (the value on standard input)"
            case .exposed(let path, let mode):
                return "\(path) is readable by others (mode \(String(mode, radix: 8))); run chmod 600 \(path), then set the secret again"
            case .io(let path, let detail):
                return "cannot write \(path): \(detail)"
            }
        }
    }

    public static func validate(_ name: String) throws {
        guard (1...64).contains(name.count), name.unicodeScalars.allSatisfy({ ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) || $0 == "_" }) else {
            throw Failure.invalidName(name)
        }
    }

    /// Stores `value` atomically (written beside, then renamed) with mode 0600.
    public func set(_ name: String, value: String) throws {
        try Self.validate(name)
        let manager = FileManager.default
        do {
            try manager.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            try manager.setAttributes([.posixPermissions: 0o700], ofItemAtPath: folder)
        } catch { throw Failure.io(folder, detail: error.localizedDescription) }
        let path = "\(folder)/\(name)", temporary = "\(folder)/.\(name).\(getpid()).tmp"
        guard manager.createFile(atPath: temporary, contents: Data(value.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw Failure.io(temporary, detail: "the file could not be created")
        }
        guard rename(temporary, path) == 0 else {
            unlink(temporary)
            throw Failure.io(path, detail: String(cString: strerror(errno)))
        }
    }

    /// The value of `name`; refuses a file others can read, as ssh does with keys.
    public func value(_ name: String) throws -> String {
        try Self.validate(name)
        let path = "\(folder)/\(name)"
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
              let data = FileManager.default.contents(atPath: path) else { throw Failure.unknown(name, folder: folder) }
        let mode = (attributes[.posixPermissions] as? Int) ?? 0
        guard mode & 0o077 == 0 else { throw Failure.exposed(path, mode: mode) }
        return String(decoding: data, as: UTF8.self)
    }

    public func remove(_ name: String) throws {
        try Self.validate(name)
        guard unlink("\(folder)/\(name)") == 0 else { throw Failure.unknown(name, folder: folder) }
    }

    /// The names set, sorted; never the values.
    public func names() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { (try? Self.validate($0)) != nil }.sorted()
    }
}
