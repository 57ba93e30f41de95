import Foundation

/// Checks on what a job left in an output folder before it is committed.
enum OutputFolder {
    /// Paths (relative to `folder`) of symbolic links whose target resolves outside `folder`:
    /// committing them would copy host files (a secret, a key) into a dataset.
    static func linksLeaving(_ folder: String) -> [String] {
        let root = URL(fileURLWithPath: folder).resolvingSymlinksInPath().path
        guard let walker = FileManager.default.enumerator(atPath: folder) else { return [] }
        var leaving = [String]()
        while let relative = walker.nextObject() as? String {
            let path = "\(folder)/\(relative)"
            guard (try? FileManager.default.destinationOfSymbolicLink(atPath: path)) != nil else { continue }
            let target = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
            if target != root && !target.hasPrefix(root + "/") { leaving.append(relative) }
        }
        return leaving.sorted()
    }
}
