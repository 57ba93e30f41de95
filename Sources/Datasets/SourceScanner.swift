#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file on disk and the path it will have in the dataset.
public struct SourceFile: Sendable, Equatable {
    public var datasetPath: String
    public var sourcePath: String
    public var executable: Bool
}

/// Expands the paths given to `put` into files. A folder contributes its contents, at the
/// root of the version; a file contributes itself under its own name. Everything is
/// checked before a byte is written: missing paths, sockets and devices, symbolic links to
/// folders, names that cannot be dataset paths, and two inputs landing on one path.
public enum SourceScanner {
    public static func scan(_ paths: [String]) throws -> [SourceFile] {
        var files = [SourceFile]()
        var origin = [String: String]()
        for argument in paths {
            let path = argument.count > 1 && argument.hasSuffix("/") ? String(argument.dropLast()) : argument
            var info = stat()
            guard stat(path, &info) == 0 else {
                if errno == ENOENT || errno == ENOTDIR { throw DatasetError.missingPath(argument) }
                throw DatasetError.io(path: argument, operation: "stat", errno: errno)
            }
            var found = [SourceFile]()
            switch info.st_mode & S_IFMT {
            case S_IFDIR: try walk(folder: path, prefix: "", into: &found)
            case S_IFREG:
                let name = String(path.split(separator: "/").last ?? Substring(path))
                found.append(SourceFile(datasetPath: name, sourcePath: path, executable: info.st_mode & 0o100 != 0))
            default: throw DatasetError.unsupportedFile(argument, reason: "it is neither a regular file nor a folder")
            }
            for file in found {
                try DatasetPath.validate(file.datasetPath)
                if let first = origin[file.datasetPath] {
                    throw DatasetError.duplicatePath(file.datasetPath, first: first, second: file.sourcePath)
                }
                origin[file.datasetPath] = file.sourcePath
                files.append(file)
            }
        }
        return files
    }

    private static func walk(folder: String, prefix: String, into files: inout [SourceFile]) throws {
        guard let dir = opendir(folder) else { throw DatasetError.io(path: folder, operation: "open folder", errno: errno) }
        defer { closedir(dir) }
        var names = [String]()
        while let entry = readdir(dir) {
            // Names are bytes; a dataset path is UTF-8 text. A name that is not UTF-8 is refused
            // by its bytes, never repaired into a name that does not exist.
            let bytes = withUnsafeBytes(of: entry.pointee.d_name) { Array($0.prefix { $0 != 0 }) }
            guard let name = String(validating: bytes, as: UTF8.self) else {
                let shown = bytes.map { $0 >= 0x20 && $0 < 0x7F ? String(UnicodeScalar($0)) : "\\x" + String($0, radix: 16, uppercase: true) }.joined()
                throw DatasetError.unsupportedFile("\(folder)/\(shown)", reason: "its name is not valid UTF-8, and dataset paths are UTF-8 text; rename it (for example with convmv or mv)")
            }
            if name != "." && name != ".." { names.append(name) }
        }
        names.sort { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        for name in names {
            let full = "\(folder)/\(name)"
            let relative = prefix.isEmpty ? name : "\(prefix)/\(name)"
            var link = stat()
            guard lstat(full, &link) == 0 else { throw DatasetError.io(path: full, operation: "stat", errno: errno) }
            var info = link
            if link.st_mode & S_IFMT == S_IFLNK {
                guard stat(full, &info) == 0 else { throw DatasetError.unsupportedFile(full, reason: "it is a broken symbolic link") }
                if info.st_mode & S_IFMT == S_IFDIR {
                    throw DatasetError.unsupportedFile(full, reason: "it is a symbolic link to a folder; put the folder itself")
                }
            }
            switch info.st_mode & S_IFMT {
            case S_IFDIR: try walk(folder: full, prefix: relative, into: &files)
            case S_IFREG: files.append(SourceFile(datasetPath: relative, sourcePath: full, executable: info.st_mode & 0o100 != 0))
            default: throw DatasetError.unsupportedFile(full, reason: "it is neither a regular file nor a folder")
            }
        }
    }
}
