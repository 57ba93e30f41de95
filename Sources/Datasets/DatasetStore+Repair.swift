import GRDB

extension DatasetStore {
    /// `wf datasets verify --repair`: sets damaged objects and records aside in `corrupt/`,
    /// moves an unreadable index aside, and rebuilds the index from the records alone.
    /// Holds the store's exclusive lock throughout, so writers and `gc` wait.
    ///
    /// The rebuild keeps each dataset's current head when the index still names an intact
    /// one; otherwise the head is the end of the longest unbroken chain of records (ties go
    /// to the earliest). Records off that line (commits cut off before they were indexed)
    /// stay unindexed for `gc`.
    public static func repair(home: String) throws -> VerifyReport {
        let layout = try DatasetStore(home: home, indexOpening: .skip)
        let held = try layout.lock(.exclusive)
        defer { withExtendedLifetime(held) {} }
        var repairs = [String]()
        // Everything is read before anything changes: a file that cannot be read (permissions,
        // a failing disk) is not proven damaged, and a repair on a partial view would drop it.
        var scan = try StoreScan(layout)
        if !scan.unreadable.isEmpty {
            throw DatasetError.unreadableStore(count: scan.unreadable.count, first: scan.unreadable[0].description)
        }
        var previous: IndexSnapshot?
        if FileIO.exists(layout.indexPath) {
            do {
                let index = try DatasetIndex(path: layout.indexPath)
                previous = try index.read { db in
                    guard try String.fetchOne(db, sql: "PRAGMA quick_check") == "ok" else {
                        throw DatasetError.indexUnavailable(path: layout.indexPath, cause: .damaged, detail: "quick_check failed")
                    }
                    return try IndexSnapshot(db)
                }
            } catch DatasetError.indexUnavailable(_, .damaged, let detail) {
                // Only an index proven damaged is set aside. A full disk, a read-only store or a
                // lock is rethrown with its own advice: the index is healthy, and setting it aside
                // would lose the run log and, with it gone, start from the records alone.
                let aside = "\(layout.root)/corrupt/index-\(Timestamp.now().milliseconds).sqlite"
                try FileIO.makeDirectories("\(layout.root)/corrupt")
                for suffix in ["", "-wal", "-shm"] where FileIO.exists(layout.indexPath + suffix) {
                    try FileIO.rename(layout.indexPath + suffix, aside + suffix)
                }
                repairs.append("the index is damaged (\(detail)); moved it to \(aside) and rebuilt it from the records")
            }
        }
        let store = try DatasetStore(home: home, indexOpening: .rebuild)
        for (path, problem) in scan.corrupt {
            let aside = "\(store.root)/corrupt/\(path.split(separator: "/").suffix(3).joined(separator: "-"))"
            try FileIO.makeDirectories("\(store.root)/corrupt")
            try FileIO.rename(path, aside)
            repairs.append("\(problem): moved it to \(aside)")
        }
        scan.corrupt = []
        let rebuilt = store.rebuild(from: scan, preferring: previous)
        let index = try store.writableIndex()
        try index.write { db in
            try db.execute(sql: "DELETE FROM tags; DELETE FROM versions; DELETE FROM datasets;")
            for version in rebuilt.versions { try DatasetIndex.insert(version, into: db) }
            for (recordID, record) in rebuilt.tags { try DatasetIndex.setTag(record, recordID: recordID, in: db) }
        }
        let snapshot = try index.read { db in try IndexSnapshot(db) }
        if let previous {
            let before = Set(previous.versions.map(\.id)), after = Set(snapshot.versions.map(\.id))
            let added = after.subtracting(before).count, dropped = before.subtracting(after).count
            if added > 0 || dropped > 0 || previous.tags.count != snapshot.tags.count {
                repairs.append("rebuilt the index: \(added) versions added, \(dropped) dropped, \(snapshot.tags.count) tags")
            }
        } else {
            repairs.append("rebuilt the index: \(snapshot.datasets.count) datasets, \(snapshot.versions.count) versions, \(snapshot.tags.count) tags")
        }
        var report = store.check(snapshot, against: scan)
        report.repairs = repairs
        return report
    }

    /// The index rows that the records imply (see `repair`).
    func rebuild(from scan: StoreScan, preferring previous: IndexSnapshot?) -> (versions: [VersionInfo], tags: [(ObjectID, TagRecord)]) {
        let preferredHeads = Dictionary(previous?.datasets.map { ($0.name, $0.latest) } ?? [], uniquingKeysWith: { a, _ in a })
        let records = scan.versionRecords
        var depth = [ObjectID: Int]()
        /// Length of the unbroken chain of records ending at `id`, or -1 when a record on the
        /// way is missing or belongs to another dataset.
        func chainLength(_ id: ObjectID) -> Int {
            var path = [ObjectID]()
            var cursor: ObjectID? = id
            var base = 0
            while let current = cursor {
                if let known = depth[current] { base = known; break }
                guard let record = records[current], path.last.map({ records[$0]!.dataset == record.dataset }) ?? true else {
                    base = -1
                    break
                }
                path.append(current)
                cursor = record.parent
            }
            for (offset, node) in path.reversed().enumerated() { depth[node] = base < 0 ? -1 : base + offset + 1 }
            return depth[id] ?? base
        }
        var versions = [VersionInfo]()
        var onLine = [ObjectID: VersionInfo]()
        let byDataset = Dictionary(grouping: records.keys, by: { records[$0]!.dataset })
        for (dataset, ids) in byDataset {
            let intact = ids.filter { chainLength($0) > 0 }
            let head: ObjectID?
            if let preferred = preferredHeads[dataset], intact.contains(preferred) {
                head = preferred
            } else {
                head = intact.max { a, b in
                    let (da, db) = (chainLength(a), chainLength(b))
                    if da != db { return da < db }
                    let (ca, cb) = (records[a]!.created, records[b]!.created)
                    if ca != cb { return ca > cb }
                    return a.hex > b.hex
                }
            }
            guard let head else { continue }
            var cursor: ObjectID? = head
            while let id = cursor, let record = records[id] {
                let tree = scan.objectSizes[record.tree] != nil ? try? tree(id: record.tree) : nil
                let version = VersionInfo(id: id, dataset: dataset, sequence: chainLength(id), parent: record.parent,
                                          tree: record.tree, created: record.created, message: record.message,
                                          files: tree?.fileCount ?? 0, bytes: tree?.totalBytes ?? 0,
                                          provenance: record.provenance, tags: [])
                versions.append(version)
                onLine[id] = version
                cursor = record.parent
            }
        }
        versions.sort { ($0.dataset, $0.sequence) < ($1.dataset, $1.sequence) }
        var newestTags = [String: (ObjectID, TagRecord)]()
        for (id, record) in scan.tagRecords where onLine[record.version]?.dataset == record.dataset {
            let key = "\(record.dataset):\(record.tag)"
            if let current = newestTags[key], (current.1.created, current.0.hex) > (record.created, id.hex) { continue }
            newestTags[key] = (id, record)
        }
        return (versions, Array(newestTags.values))
    }
}
