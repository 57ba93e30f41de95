import Foundation

/// AWS credentials, found as the AWS CLI and SDKs find them: `AWS_ACCESS_KEY_ID`,
/// `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN` in the environment; else the profile
/// `AWS_PROFILE` (default `default`) of the shared credentials file
/// (`AWS_SHARED_CREDENTIALS_FILE`, default `~/.aws/credentials`), an INI file of
/// `aws_access_key_id`, `aws_secret_access_key` and `aws_session_token`. Never printed:
/// `description` shows the key id only.
public struct AWSCredentials: Sendable, Equatable, CustomStringConvertible {
    public var accessKeyID: String
    public var secretAccessKey: String
    public var sessionToken: String?

    public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
    }

    public var description: String { "access key \(accessKeyID)" }

    public struct Missing: Error, CustomStringConvertible {
        public var description: String
    }

    /// The credentials the environment gives, or an error saying where they were looked for.
    public static func resolve(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> AWSCredentials {
        if let key = environment["AWS_ACCESS_KEY_ID"], !key.isEmpty {
            guard let secret = environment["AWS_SECRET_ACCESS_KEY"], !secret.isEmpty else {
                throw Missing(description: "AWS_ACCESS_KEY_ID is set and AWS_SECRET_ACCESS_KEY is not; set both")
            }
            return AWSCredentials(accessKeyID: key, secretAccessKey: secret, sessionToken: environment["AWS_SESSION_TOKEN"].flatMap { $0.isEmpty ? nil : $0 })
        }
        let profile = environment["AWS_PROFILE"] ?? "default"
        let home = environment["HOME"] ?? NSHomeDirectory()
        let file = environment["AWS_SHARED_CREDENTIALS_FILE"] ?? "\(home)/.aws/credentials"
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
            throw Missing(description: "no S3 credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or write profile [\(profile)] in \(file)")
        }
        let values = try INI.section(profile, of: text, file: file)
        guard let key = values["aws_access_key_id"], let secret = values["aws_secret_access_key"] else {
            throw Missing(description: "\(file): profile [\(profile)] lacks aws_access_key_id or aws_secret_access_key")
        }
        return AWSCredentials(accessKeyID: key, secretAccessKey: secret, sessionToken: values["aws_session_token"])
    }
}

/// The INI files of the AWS tools: `[section]` lines, `key = value` lines, `#` and `;` comments.
enum INI {
    static func section(_ name: String, of text: String, file: String) throws -> [String: String] {
        var current: String?, values = [String: String](), found = false
        for raw in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("[") && line.hasSuffix("]") {
                var section = line.dropFirst().dropLast().trimmingCharacters(in: .whitespaces)
                // ~/.aws/config names profiles `[profile NAME]`; the credentials file `[NAME]`.
                if section.hasPrefix("profile ") { section = String(section.dropFirst("profile ".count)).trimmingCharacters(in: .whitespaces) }
                current = section
                if section == name { found = true }
                continue
            }
            guard current == name, let equals = line.firstIndex(of: "=") else { continue }
            values[line[..<equals].trimmingCharacters(in: .whitespaces).lowercased()] = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
        }
        guard found else { throw AWSCredentials.Missing(description: "\(file) has no profile [\(name)]; set AWS_PROFILE to one it has") }
        return values
    }
}
