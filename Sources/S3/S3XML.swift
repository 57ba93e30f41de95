import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// The few XML answers wf reads from S3 (ListObjectsV2, ListParts, the multipart upload's id,
/// errors), through Foundation's XMLParser (libxml2): each element's text by its name, in
/// document order, under the element that repeats.
final class S3XML: NSObject, XMLParserDelegate {
    /// Texts of the elements directly inside each `repeating` element (e.g. `Contents`), and the
    /// texts of every other element by name (the first wins).
    private(set) var items = [[String: String]]()
    private(set) var fields = [String: String]()
    private let repeating: String?
    private var current: [String: String]?
    private var text = ""

    private init(repeating: String?) {
        self.repeating = repeating
    }

    static func parse(_ bytes: [UInt8], repeating: String? = nil) -> (fields: [String: String], items: [[String: String]])? {
        let reader = S3XML(repeating: repeating)
        let parser = XMLParser(data: Data(bytes))
        parser.delegate = reader
        guard parser.parse() else { return nil }
        return (reader.fields, reader.items)
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
        if name == repeating { current = [:] }
        text = ""
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        if name == repeating, let item = current {
            items.append(item)
            current = nil
        } else if current != nil {
            current![name] = current![name] ?? text
        } else if fields[name] == nil {
            fields[name] = text
        }
        text = ""
    }
}
