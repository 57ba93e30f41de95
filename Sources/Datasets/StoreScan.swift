/// Everything on disk under `objects/`, `records/` and `tmp/`, each file checked against
/// its name. `verify` compares it with the index; `verify --repair` rebuilds the index from it.
struct StoreScan {
    /// Objects whose bytes hash to their names, with their sizes.
    var objectSizes = [ObjectID: Int64]()
    var versionRecords = [ObjectID: VersionRecord]()
    var tagRecords = [ObjectID: TagRecord]()
    /// Paths of files whose bytes do not hash to their names, or records that do not decode.
    var corrupt = [(path: String, problem: String)]()
    /// Files that could not be read at all (permissions, I/O errors): not proven damaged, so
    /// a repair leaves them alone and stops.
    var unreadable = [DatasetError]()
    var temporaries = [String]()

    init(_ store: DatasetStore) throws {
        let objects = store.objects, records = store.records
        let objectListing = try objects.listing(), recordListing = try records.listing()
        for id in objectListing.ids {
            let path = objects.path(for: id)
            do {
                if try objects.hashOfStoredFile(id) == id {
                    objectSizes[id] = FileIO.fileSize(path) ?? 0
                } else {
                    corrupt.append((path, "object \(id.short) does not hash to its name"))
                }
            } catch let error as DatasetError {
                unreadable.append(error)
            }
        }
        for id in recordListing.ids {
            let path = records.path(for: id)
            let bytes: [UInt8]
            do { bytes = try FileIO.read(path) } catch let error as DatasetError {
                unreadable.append(error)
                continue
            }
            guard ObjectID.of(bytes) == id else {
                corrupt.append((path, "record \(id.short) does not hash to its name"))
                continue
            }
            switch StoredRecord.decode(bytes) {
            case .version(let record): versionRecords[id] = record
            case .tag(let record): tagRecords[id] = record
            case nil: corrupt.append((path, "record \(id.short) is not a version or tag record"))
            }
        }
        temporaries = store.leftoverTemporaries(objectListing.temporaries + recordListing.temporaries)
    }
}
