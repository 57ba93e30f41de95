import Foundation

/// Where workflow commands look for a repository's files.
enum Checkout {
    /// The git checkout that holds `path` (a folder with `.git`), if any.
    static func enclosing(_ path: String) -> String? {
        var folder = URL(fileURLWithPath: path).standardized
        if !folder.hasDirectoryPath { folder.deleteLastPathComponent() }
        while folder.path != "/" {
            if FileManager.default.fileExists(atPath: folder.appendingPathComponent(".git").path) { return folder.path }
            folder.deleteLastPathComponent()
        }
        return nil
    }

    /// The checkout of the current folder, else `fallback` (the wf home).
    static func current(or fallback: String) -> String {
        enclosing(FileManager.default.currentDirectoryPath + "/") ?? fallback
    }

    /// The `.gradient/workflows/*.yaml` files of `checkout`, sorted.
    static func workflows(in checkout: String) -> [String] {
        let folder = checkout + "/.gradient/workflows"
        return ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [])
            .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted().map { "\(folder)/\($0)" }
    }
}
