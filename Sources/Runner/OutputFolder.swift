import Foundation

/// Checks on what a job left in an output folder before it is committed.
enum OutputFolder {
    /// Whether `folder` holds no file at any depth.
    static func isEmpty(_ folder: String) -> Bool {
        guard let walker = FileManager.default.enumerator(atPath: folder) else { return true }
        while let relative = walker.nextObject() as? String {
            var isFolder: ObjCBool = false
            if FileManager.default.fileExists(atPath: "\(folder)/\(relative)", isDirectory: &isFolder), !isFolder.boolValue { return false }
        }
        return true
    }

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
