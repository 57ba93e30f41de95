/// Every way a dataset operation can fail, with the context a user needs to act on it.
///
/// `description` is a single line: what went wrong, and what to do next.
public enum DatasetError: Error, Equatable, CustomStringConvertible {
    case invalidName(String, reason: String)
    case invalidTag(String, reason: String)
    case invalidReference(String, reason: String)
    case unknownDataset(String)
    case unknownVersion(dataset: String, reference: String)
    case ambiguousVersion(dataset: String, prefix: String, candidates: [String])
    case ancestorOutOfRange(reference: String, steps: Int, available: Int)
    case missingPath(String)
    case unsupportedFile(String, reason: String)
    /// A file changed while it was being read, on every attempt.
    case fileChanged(path: String, detail: String)
    case invalidPathInDataset(String, reason: String)
    case duplicatePath(String, first: String, second: String)
    case fileNotInVersion(reference: String, path: String)
    case exportTargetNotEmpty(String)
    case corruptObject(id: String, detail: String)
    case missingObject(id: String, neededBy: String)
    /// The SQLite index could not be used; `cause` decides the advice (only a damaged or
    /// missing index calls for `verify --repair`).
    case indexUnavailable(path: String, cause: IndexFailure, detail: String)
    /// Files of the store could not be read, so a repair (or gc) would act on a partial view.
    case unreadableStore(count: Int, first: String)
    /// Version records exist that the index does not list: gc would delete them.
    case indexMissesVersions(summary: String)
    case unknownRun(String)
    case ambiguousRun(String, candidates: [String])
    case io(path: String, operation: String, errno: Int32)
    /// A remote's configuration, or a push or pull it refuses (diverged histories, a remote that moved).
    case remote(String)

    public var description: String {
        switch self {
        case .invalidName(let name, let reason):
            return "invalid dataset name \(quoted(name)): \(reason); use letters, digits, '.', '_' or '-' (at most 128, not starting with '.')"
        case .invalidTag(let tag, let reason):
            return "invalid tag \(quoted(tag)): \(reason)"
        case .invalidReference(let ref, let reason):
            return "invalid reference \(quoted(ref)): \(reason); write NAME, NAME:ID, NAME:TAG or NAME~N"
        case .unknownDataset(let name):
            return "no dataset named \(quoted(name)); `wf datasets ls` lists the datasets in this store"
        case .unknownVersion(let dataset, let reference):
            return "dataset \(quoted(dataset)) has no version or tag \(quoted(reference)); `wf datasets ls \(dataset)` lists its versions"
        case .ambiguousVersion(let dataset, let prefix, let candidates):
            let shown = candidates.prefix(4).map { String($0.prefix(12)) }.joined(separator: ", ")
            return "\(quoted(prefix)) matches \(candidates.count) versions of \(quoted(dataset)) (\(shown)); give more hex digits"
        case .ancestorOutOfRange(let reference, let steps, let available):
            return "\(quoted(reference)) asks for \(steps) versions back but only \(available) precede it"
        case .missingPath(let path):
            return "no such file or folder: \(path)"
        case .unsupportedFile(let path, let reason):
            return "cannot store \(path): \(reason)"
        case .fileChanged(let path, let detail):
            return "\(path) changed while it was being read (\(detail)), three times; nothing was committed: commit it when nothing is writing to it"
        case .invalidPathInDataset(let path, let reason):
            return "invalid file path \(quoted(path)) in dataset: \(reason)"
        case .duplicatePath(let path, let first, let second):
            return "two inputs give the same dataset path \(quoted(path)): \(first) and \(second); put them in separate folders"
        case .fileNotInVersion(let reference, let path):
            return "\(reference) has no file \(quoted(path)); `wf datasets show \(reference)` lists its files"
        case .exportTargetNotEmpty(let path):
            return "export target \(path) exists and is not empty; choose a new or empty folder"
        case .corruptObject(let id, let detail):
            return "object \(id.prefix(12)) is corrupt (\(detail)); run `wf datasets verify --repair`"
        case .missingObject(let id, let neededBy):
            return "object \(id.prefix(12)) needed by \(neededBy) is missing; run `wf datasets verify`"
        case .indexUnavailable(let path, let cause, let detail):
            switch cause {
            case .damaged:
                return "the dataset index \(path) is damaged (\(detail)); run `wf datasets verify --repair` to rebuild it from the version records"
            case .missing:
                return "the dataset index \(path) is missing but version records exist; run `wf datasets verify --repair` to rebuild it from them"
            case .full:
                return "cannot write the dataset index \(path): \(detail); the file system is full: free space and retry (the index and every version are intact; do not repair)"
            case .readOnly:
                return "cannot write the dataset index \(path): \(detail); the store is read-only to this user: reading commands work, writing needs write access to its folder"
            case .busy:
                return "the dataset index \(path) is locked by another process (\(detail)); retry when it has finished"
            case .io:
                return "cannot use the dataset index \(path): \(detail); check the disk (`dmesg`) and retry; `wf datasets verify` says whether anything is damaged"
            case .openedReadOnly:
                return "cannot write the dataset index \(path): \(detail)"
            }
        case .unreadableStore(let count, let first):
            return "cannot read \(count) files of the store (first: \(first)); nothing was changed: make them readable (or fix the disk), then retry"
        case .indexMissesVersions(let summary):
            return "the index does not list versions that the records hold (\(summary)); gc deleted nothing: run `wf datasets verify --repair` to rebuild the index from the records, then gc"
        case .unknownRun(let id):
            return "no run \(quoted(id)); `wf runs ls` lists the runs in this store"
        case .ambiguousRun(let id, let candidates):
            return "\(quoted(id)) matches several runs (\(candidates.prefix(4).joined(separator: ", "))); give more of the id"
        case .io(let path, let operation, let code):
            return "\(operation) \(path) failed: \(String(cString: strerror(code)))" + DatasetError.advice(errno: code)
        case .remote(let message):
            return message
        }
    }

    /// What to do about a failed system call, by its cause.
    static func advice(errno code: Int32) -> String {
        switch code {
        case ENOSPC, EDQUOT: return "; the file system is full: free space and retry (nothing was committed; do not repair)"
        case EROFS: return "; the file system is read-only: reading commands work, writing needs a writable store"
        case EACCES, EPERM: return "; check the owner and mode of that path (reading commands work on a store read-only to you)"
        case EMFILE, ENFILE: return "; too many open files: raise the limit (`ulimit -n`) or retry when fewer files are open"
        case EIO: return "; the disk reported an error: check it (`dmesg`), then run `wf datasets verify`"
        default: return ""
        }
    }

    private func quoted(_ text: String) -> String {
        "'" + text.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? "\\u{\(String($0.value, radix: 16))}" : String($0) }.joined() + "'"
    }
}

/// Why the index could not be used.
public enum IndexFailure: String, Sendable, Equatable {
    /// SQLite reports corruption (or the file is not a database), `quick_check` fails, or a row is invalid.
    case damaged
    /// No index file, yet version records exist.
    case missing
    /// The file system holding the index is full (SQLITE_FULL, or an I/O error with no space left).
    case full
    /// A read-only file system or a folder this user may not write.
    case readOnly
    /// Another process holds the database lock past the busy timeout.
    case busy
    /// Any other I/O error.
    case io
    /// A write through a store opened for reading (a caller's mistake, not the disk's).
    case openedReadOnly
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
