import CGit2
import Foundation

/// Answers libgit2's credential callback for one network operation, with each kind of
/// credential offered at most once.
///
/// libgit2 calls the callback again every time the server rejects what it was given, so a
/// callback that always answers would loop for as long as the server keeps asking (HTTP) or
/// until the server drops the connection (SSH). Giving up on the second request for the same
/// kind turns bad credentials into a prompt `GIT_EAUTH` error.
final class CredentialRequest {
    private let credentials: GitCredentials?
    private var offered = Set<UInt32>()

    init(_ credentials: GitCredentials?) {
        self.credentials = credentials
    }

    /// Fills in `callbacks` so that libgit2 asks this request; `callbacks` must not outlive it.
    func install(in callbacks: inout git_remote_callbacks) {
        callbacks.credentials = CredentialRequest.callback
        callbacks.payload = Unmanaged.passUnretained(self).toOpaque()
    }

    /// A C function pointer cannot capture context, so the request travels in `payload`.
    private static let callback: git_credential_acquire_cb = { out, url, usernameFromURL, allowedTypes, payload in
        guard let out, let payload else { return GIT_ERROR.rawValue }
        let request = Unmanaged<CredentialRequest>.fromOpaque(payload).takeUnretainedValue()
        return request.acquire(out, url: url.map { String(cString: $0) } ?? "",
                               usernameFromURL: usernameFromURL.map { String(cString: $0) }, allowed: allowedTypes)
    }

    private func acquire(_ out: UnsafeMutablePointer<UnsafeMutablePointer<git_credential>?>, url: String,
                         usernameFromURL: String?, allowed: UInt32) -> Int32 {
        let userpass = GIT_CREDENTIAL_USERPASS_PLAINTEXT.rawValue
        let sshKey = GIT_CREDENTIAL_SSH_KEY.rawValue
        let username = GIT_CREDENTIAL_USERNAME.rawValue
        switch credentials?.secret {
        case .token(let user, let token)? where allowed & userpass != 0:
            guard offer(userpass) else { return reject("the server rejected the username and token") }
            let name = user.isEmpty ? (usernameFromURL ?? "git") : user
            return git_credential_userpass_plaintext_new(out, name, token)
        case .sshKey(let user, let privateKey, let passphrase)? where allowed & (sshKey | username) != 0:
            let name = usernameFromURL ?? user ?? "git"
            // SSH first asks for the username alone when the URL has none.
            if allowed & sshKey == 0 {
                guard offer(username) else { return reject("the server rejected the username \(name)") }
                return git_credential_username_new(out, name)
            }
            guard offer(sshKey) else { return reject("the server rejected the SSH key \(privateKey)") }
            guard FileManager.default.isReadableFile(atPath: privateKey) else {
                return reject("cannot read the SSH key \(privateKey)")
            }
            // libssh2 derives the public key from the private one when no KEY.pub exists.
            let publicKey = FileManager.default.fileExists(atPath: privateKey + ".pub") ? privateKey + ".pub" : nil
            return git_credential_ssh_key_new(out, name, publicKey, privateKey, passphrase)
        case nil where allowed & sshKey != 0:
            // No key given: an ssh-agent, as the git command would use, once.
            guard offer(sshKey) else { return reject("no SSH key was given and the ssh-agent's keys were rejected") }
            return git_credential_ssh_key_from_agent(out, usernameFromURL ?? "git")
        case nil where allowed & username != 0:
            guard offer(username) else { return reject("the server rejected the username git") }
            return git_credential_username_new(out, "git")
        case nil:
            return reject("the server asks for credentials and none were given")
        case .token?:
            return reject("the server asks for an SSH key, but the credentials are a username and token")
        case .sshKey?:
            return reject("the server asks for a username and password, but the credentials are an SSH key")
        }
    }

    /// Records that `kind` is being offered; false when it was offered already (and so rejected).
    private func offer(_ kind: UInt32) -> Bool {
        offered.insert(kind).inserted
    }

    /// Ends the operation with `GIT_EAUTH` and a message that `GitError` picks up.
    private func reject(_ reason: String) -> Int32 {
        git_error_set_str(Int32(GIT_ERROR_CALLBACK.rawValue), reason)
        return GIT_EAUTH.rawValue
    }
}
