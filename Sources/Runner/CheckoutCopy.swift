import Foundation

/// The files of a local checkout as a `git-checkout@v1` volume: everything but git's own
/// folder, build folders and wf's stores, which are not the repository's content.
enum CheckoutCopy {
    static func skipped(_ name: String) -> Bool {
        name == ".git" || name.hasPrefix(".build") || name == "datasets" || name == "runs" || name == ".swiftpm"
    }

    static func copy(_ checkout: String, to target: String) throws {
        let manager = FileManager.default
        try manager.createDirectory(atPath: target, withIntermediateDirectories: true)
        for name in try manager.contentsOfDirectory(atPath: checkout).sorted() where !skipped(name) {
            try manager.copyItem(atPath: "\(checkout)/\(name)", toPath: "\(target)/\(name)")
        }
    }
}
