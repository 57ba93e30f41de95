import Foundation

/// Checks on the folders a run reads and commits, walked without following links.
enum FolderScan {
    /// Whether `folder` holds no file at any depth. Walked by bytes (`openat`, `readdir`):
    /// a name that is not UTF-8 is still a file (its commit then refuses it by name).
    static func isEmpty(_ folder: String) -> Bool {
        let descriptor = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        return descriptor < 0 ? true : isEmpty(descriptor: descriptor)
    }

    /// Takes ownership of `descriptor`.
    private static func isEmpty(descriptor: Int32) -> Bool {
        guard let directory = fdopendir(descriptor) else { close(descriptor); return true }
        defer { closedir(directory) }
        while let entry = readdir(directory) {
            var name = withUnsafeBytes(of: entry.pointee.d_name) { Array($0.prefix { $0 != 0 }) }
            if name == [0x2E] || name == [0x2E, 0x2E] { continue }
            name.append(0)
            let child = name.withUnsafeBufferPointer {
                openat(dirfd(directory), UnsafeRawPointer($0.baseAddress!).assumingMemoryBound(to: CChar.self), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            }
            // Anything that is not a folder (a file, a link, a FIFO) makes the output non-empty.
            guard child >= 0 else { return false }
            if !isEmpty(descriptor: child) { return false }
        }
        return true
    }

    /// Paths (relative to `folder`) of symbolic links whose target resolves outside `folder`:
    /// committing them would copy host files (a secret, a key) into a dataset, and a step
    /// reading through them would read the host (a run's outputs, and in a confined run its
    /// checkout and every input, are refused when they hold one).
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
