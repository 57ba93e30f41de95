#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension DatasetStore {
    /// Writes one file of a version to `fd` (stdout for `cat`), streaming, and checks its
    /// sha256 on the way; a mismatch throws after the bytes went out, so callers that must
    /// not publish bad bytes write to a temporary first (as `export` does).
    public func write(_ path: String, of version: VersionInfo, to fd: Int32, name: String = "standard output") throws {
        try DatasetPath.validate(path)
        guard let entry = try tree(of: version).entry(at: path) else {
            throw DatasetError.fileNotInVersion(reference: version.reference, path: path)
        }
        try objects.copyVerified(entry.blob, to: fd, destination: name)
    }

    /// Writes every file of a version under `directory`, which must not exist or be empty.
    /// The files are written into a hidden sibling folder, checked, and renamed into place,
    /// so `directory` either holds the whole version or is left as it was.
    public func export(_ version: VersionInfo, to directory: String) throws {
        try export(tree: version.tree, to: directory)
    }

    /// Writes every file of the tree `id` (a version's, or one `storeTree` stored) under
    /// `directory`, as `export(_:to:)` does.
    /// - Throws: `DatasetError.corruptObject` when the tree or a blob is missing or damaged.
    public func export(tree id: ObjectID, to directory: String) throws {
        let target = directory.count > 1 && directory.hasSuffix("/") ? String(directory.dropLast()) : directory
        var info = stat()
        let targetExists = stat(target, &info) == 0
        if targetExists {
            guard info.st_mode & S_IFMT == S_IFDIR, FileIO.listDirectory(target).isEmpty else {
                throw DatasetError.exportTargetNotEmpty(target)
            }
        }
        let tree = try tree(id: id)
        let parent = FileIO.parentPath(of: target)
        try FileIO.makeDirectories(parent)
        let staging = try FileIO.makeTemporaryDirectory(in: parent, prefix: ".wf-export-")
        do {
            for entry in tree.entries {
                let destination = "\(staging)/\(entry.path)"
                try FileIO.makeDirectories(FileIO.parentPath(of: destination))
                let fd = open(destination, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, entry.executable ? 0o755 : 0o644)
                guard fd >= 0 else { throw DatasetError.io(path: destination, operation: "create", errno: errno) }
                defer { close(fd) }
                try objects.copyVerified(entry.blob, to: fd, destination: destination)
            }
            if targetExists { guard rmdir(target) == 0 else { throw DatasetError.io(path: target, operation: "replace", errno: errno) } }
            try FileIO.rename(staging, target)
        } catch {
            FileIO.removeTree(staging)
            throw error
        }
    }
}
