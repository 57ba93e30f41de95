import Foundation

/// Credentials for pulling private images, kept as a wf secret (never in a workflow or a
/// command line): the secret's value is a registry credentials file as `docker login` and
/// `podman login` write it (`{"auths": {"HOST": {"auth": "BASE64(USER:PASSWORD)"}}}`), so
/// `wf secrets set REGISTRY < ~/.docker/config.json` stores it. For the run, it is written to
/// a folder only this user can read, given to the pull, and removed when the run ends.
enum RegistryAuth {
    /// Writes the secret `name` to `folder/config.json` (0600, folder 0700).
    ///
    /// - Returns: the folder and the secret's value (for masking in logs).
    /// - Throws: `RunError.badInput` when the secret is missing or not a credentials file.
    static func write(secret name: String, secrets: SecretStore, into folder: String) throws -> (String, String) {
        let value: String
        do { value = try secrets.value(name) } catch { throw RunError.badInput(name: "--registry-auth \(name)", detail: "\(error)") }
        guard let object = try? JSONSerialization.jsonObject(with: Data(value.utf8)) as? [String: Any], object["auths"] is [String: Any] else {
            throw RunError.badInput(name: "--registry-auth \(name)",
                                    detail: "the secret is not a registry credentials file ({\"auths\": {\"HOST\": {\"auth\": \"BASE64(USER:PASSWORD)\"}}}); store one with: wf secrets set \(name) < ~/.docker/config.json")
        }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let file = "\(folder)/config.json"
        guard FileManager.default.createFile(atPath: file, contents: Data(value.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw RunError.badInput(name: "--registry-auth \(name)", detail: "cannot write \(file)")
        }
        return (folder, value)
    }
}
