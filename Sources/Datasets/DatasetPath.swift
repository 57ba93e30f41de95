/// Validation of file paths inside a dataset version. They come from folders on disk, from
/// job outputs and from trees, so each one is checked before it is stored or written out.
public enum DatasetPath {
    public static let maximumLength = 4096

    /// Throws `DatasetError.invalidPathInDataset` unless `path` is a clean relative path:
    /// `/`-separated, no empty, `.` or `..` component, no control characters.
    public static func validate(_ path: String) throws {
        func fail(_ reason: String) -> DatasetError { .invalidPathInDataset(path, reason: reason) }
        if path.isEmpty { throw fail("it is empty") }
        if path.utf8.count > maximumLength { throw fail("it is longer than \(maximumLength) bytes") }
        if path.hasPrefix("/") { throw fail("it is absolute") }
        if path.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) { throw fail("it contains a control character") }
        for component in path.split(separator: "/", omittingEmptySubsequences: false) {
            if component.isEmpty { throw fail("it has an empty component") }
            if component == "." || component == ".." { throw fail("it has a '\(component)' component") }
        }
    }
}
