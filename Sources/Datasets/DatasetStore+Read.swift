import GRDB

extension DatasetStore {
    /// Every dataset, by name.
    public func listDatasets() throws -> [DatasetSummary] {
        guard let index else { return [] }
        return try index.read { db in
            try Row.fetchAll(db, sql: "SELECT name, head, versions, files, bytes, updated_ms FROM datasets ORDER BY name").map { row in
                guard let head = ObjectID(hex: row["head"]) else {
                    throw DatasetError.indexUnavailable(path: indexPath, cause: .damaged, detail: "dataset \(row["name"] as String) has an invalid head")
                }
                return DatasetSummary(name: row["name"], versions: row["versions"], latest: head, bytes: row["bytes"],
                                      files: row["files"], updated: Timestamp(milliseconds: row["updated_ms"]))
            }
        }
    }

    /// The history of `dataset`, newest first, with tags.
    /// `limit` versions from the `offset`-th newest (a page of a long history).
    public func versions(of dataset: String, limit: Int = .max, offset: Int = 0) throws -> [VersionInfo] {
        try DatasetName.validate(dataset)
        guard let index else { throw DatasetError.unknownDataset(dataset) }
        return try index.read { db in
            let tags = try DatasetIndex.tags(of: dataset, in: db)
            let rows = try Row.fetchAll(
                db, sql: "SELECT \(DatasetIndex.versionColumns) FROM versions WHERE dataset = ? ORDER BY seq DESC LIMIT ? OFFSET ?",
                arguments: [dataset, Int64(clamping: max(0, limit)), max(0, offset)])
            guard !rows.isEmpty || offset > 0, try DatasetIndex.head(of: dataset, in: db) != nil else { throw DatasetError.unknownDataset(dataset) }
            return try rows.enumerated().map { position, row in
                let id: String = row["id"]
                return try DatasetIndex.version(from: row, tags: (position == 0 && offset == 0 ? ["latest"] : []) + (tags[id] ?? []))
            }
        }
    }

    /// Resolves a reference to one version (see `Reference`).
    public func resolve(_ text: String) throws -> VersionInfo {
        try resolve(try Reference(parsing: text))
    }

    public func resolve(_ reference: Reference) throws -> VersionInfo {
        guard let index else { throw DatasetError.unknownDataset(reference.dataset) }
        return try index.read { db in
            let dataset = reference.dataset
            guard let head = try DatasetIndex.head(of: dataset, in: db) else { throw DatasetError.unknownDataset(dataset) }
            var target: (id: String, sequence: Int)
            switch reference.selector {
            case .latest:
                target = (head.id.hex, head.sequence)
            case .named(let name):
                if let row = try Row.fetchOne(
                    db, sql: "SELECT v.id, v.seq FROM tags t JOIN versions v ON v.id = t.version WHERE t.dataset = ? AND t.tag = ?",
                    arguments: [dataset, name]) {
                    target = (row["id"], row["seq"])
                } else if Reference.isIDPrefix(name) {
                    let rows = try Row.fetchAll(
                        db, sql: "SELECT id, seq FROM versions WHERE dataset = ? AND id >= ? AND id < ? ORDER BY seq DESC LIMIT 5",
                        arguments: [dataset, name, name + "g"])
                    guard let first = rows.first else {
                        throw DatasetError.unknownVersion(dataset: dataset, reference: name)
                    }
                    if rows.count > 1 {
                        throw DatasetError.ambiguousVersion(dataset: dataset, prefix: name, candidates: rows.map { $0["id"] })
                    }
                    target = (first["id"], first["seq"])
                } else {
                    throw DatasetError.unknownVersion(dataset: dataset, reference: name)
                }
            }
            if reference.ancestorSteps > 0 {
                guard reference.ancestorSteps < target.sequence else {
                    throw DatasetError.ancestorOutOfRange(reference: reference.text, steps: reference.ancestorSteps,
                                                          available: target.sequence - 1)
                }
                target.sequence -= reference.ancestorSteps
            }
            guard let row = try Row.fetchOne(
                db, sql: "SELECT \(DatasetIndex.versionColumns) FROM versions WHERE dataset = ? AND seq = ?",
                arguments: [dataset, target.sequence]) else {
                throw DatasetError.indexUnavailable(path: indexPath, cause: .damaged, detail: "\(dataset) has no version number \(target.sequence)")
            }
            let id: String = row["id"]
            var tags = try DatasetIndex.tags(of: dataset, in: db)[id] ?? []
            if id == head.id.hex { tags.insert("latest", at: 0) }
            return try DatasetIndex.version(from: row, tags: tags)
        }
    }

    /// The manifest of a version, read from the objects and checked against its id.
    public func tree(of version: VersionInfo) throws -> Tree {
        try tree(id: version.tree)
    }

    func tree(id: ObjectID) throws -> Tree {
        let bytes = try objects.readVerified(id)
        guard let tree = Tree.decode(bytes) else {
            throw DatasetError.corruptObject(id: id.hex, detail: "it is not a tree manifest")
        }
        return tree
    }

    /// The bytes of one file of a version, checked against its sha256.
    public func contents(of path: String, in version: VersionInfo) throws -> [UInt8] {
        try DatasetPath.validate(path)
        guard let entry = try tree(of: version).entry(at: path) else {
            throw DatasetError.fileNotInVersion(reference: version.reference, path: path)
        }
        return try objects.readVerified(entry.blob)
    }

    /// The bytes of a blob, checked against its id.
    public func blob(_ id: ObjectID) throws -> [UInt8] {
        try objects.readVerified(id)
    }
}
