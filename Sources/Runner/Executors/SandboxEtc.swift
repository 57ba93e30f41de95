import Foundation

/// The `/etc` a sandboxed step sees: what programs need to run and nothing of the host's
/// secrets (no `shadow`, no keys, no host names): passwd and group entries for root, the
/// user wf runs as and nobody; `hosts`; `nsswitch.conf`; the dynamic linker's cache;
/// Debian's alternatives; time zone; CA certificates; and, only with network, the host's
/// `resolv.conf` and `hosts`.
enum SandboxEtc {
    /// Host files and folders bound read-only when they exist: nothing in them is secret.
    static let hostFiles = ["/etc/alternatives", "/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/localtime",
                            "/etc/ssl/certs", "/etc/ssl/openssl.cnf", "/etc/ca-certificates", "/etc/os-release", "/etc/debian_version",
                            "/etc/protocols", "/etc/services", "/etc/mime.types", "/etc/locale.alias"]
    /// With network, name resolution as the host does it.
    static let networkFiles = ["/etc/resolv.conf", "/etc/hosts", "/etc/gai.conf"]

    /// Writes the generated files under `folder` and returns bubblewrap's arguments for /etc.
    static func arguments(folder: String, network: Bool) throws -> [String] {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let uid = getuid(), gid = getgid()
        var passwd = "root:x:0:0:root:/root:/bin/sh\n", group = "root:x:0:\n"
        if uid != 0 { passwd += "wf:x:\(uid):\(gid):wf:/tmp:/bin/sh\n" }
        if gid != 0 { group += "wf:x:\(gid):\n" }
        passwd += "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"
        group += "nogroup:x:65534:\n"
        var generated = ["passwd": passwd, "group": group, "nsswitch.conf": "passwd: files\ngroup: files\nhosts: files dns\n"]
        if !network { generated["hosts"] = "127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n" }
        var arguments = ["--dir", "/etc"]
        for (name, text) in generated.sorted(by: { $0.key < $1.key }) {
            try Data(text.utf8).write(to: URL(fileURLWithPath: "\(folder)/\(name)"))
            arguments += ["--ro-bind", "\(folder)/\(name)", "/etc/\(name)"]
        }
        for path in hostFiles + (network ? networkFiles : []) where FileManager.default.fileExists(atPath: path) {
            arguments += ["--ro-bind", path, path]
        }
        return arguments
    }
}
