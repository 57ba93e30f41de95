import GRDB

extension DatasetStore {
    /// Checks every object and record against its sha256 and the index against them: each
    /// indexed version has its record, tree and blobs; histories are unbroken lines; tags
    /// point at versions. Read-only; waits while `gc` or a repair runs.
    public func verify() throws -> VerifyReport {
        guard let index else { return VerifyReport() }
        let held = try lock(.shared)
        defer { withExtendedLifetime(held) {} }
        // The index first: whatever it names was durable before it was indexed.
        let snapshot = try index.read { db in try IndexSnapshot(db) }
        let scan = try StoreScan(self)
        return check(snapshot, against: scan)
    }

    func check(_ snapshot: IndexSnapshot, against scan: StoreScan) -> VerifyReport {
        var report = VerifyReport()
        report.objects = scan.objectSizes.count + scan.corrupt.count { $0.path.hasPrefix(objects.root) }
        report.records = scan.versionRecords.count + scan.tagRecords.count
        report.datasets = snapshot.datasets.count
        report.versions = snapshot.versions.count
        report.problems += scan.corrupt.map { "\($0.problem) (\($0.path)); `verify --repair` sets it aside" }
        report.problems += scan.unreadable.map { "cannot read: \($0)" }

        var byID = [ObjectID: VersionInfo]()
        for version in snapshot.versions { byID[version.id] = version }
        var treesChecked = [ObjectID: Tree?]()
        for version in snapshot.versions {
            let name = version.reference
            guard let record = scan.versionRecords[version.id] else {
                report.problems.append("\(name): its version record is missing or corrupt")
                continue
            }
            if record != version.record { report.problems.append("\(name): the index disagrees with its record") }
            if let parent = version.parent {
                if let parentVersion = byID[parent] {
                    if parentVersion.dataset != version.dataset || parentVersion.sequence != version.sequence - 1 {
                        report.problems.append("\(name): its parent \(parent.short) is not the version before it")
                    }
                } else {
                    report.problems.append("\(name): its parent \(parent.short) is not in the index")
                }
            } else if version.sequence != 1 {
                report.problems.append("\(name): it has no parent but is version \(version.sequence)")
            }
            if treesChecked[version.tree] == nil {
                treesChecked[version.tree] = scan.objectSizes[version.tree] != nil ? try? tree(id: version.tree) : nil
            }
            guard let tree = treesChecked[version.tree]! else {
                report.problems.append("\(name): its tree \(version.tree.short) is missing or corrupt")
                continue
            }
            if tree.fileCount != version.files || tree.totalBytes != version.bytes {
                report.problems.append("\(name): the index's file count or size disagrees with its tree")
            }
            for entry in tree.entries where scan.objectSizes[entry.blob] != entry.size {
                report.problems.append("\(name): file \(entry.path) (blob \(entry.blob.short)) is missing or corrupt; "
                                       + "putting the same file again restores it")
            }
        }
        let histories = Dictionary(grouping: snapshot.versions, by: \.dataset)
        for dataset in snapshot.datasets {
            let history = histories[dataset.name] ?? []
            guard let newest = history.max(by: { $0.sequence < $1.sequence }) else {
                report.problems.append("dataset \(dataset.name) has no versions")
                continue
            }
            if newest.id != dataset.latest || newest.sequence != dataset.versions || history.count != dataset.versions {
                report.problems.append("dataset \(dataset.name): its head or version count disagrees with its history")
            }
        }
        for tag in snapshot.tags {
            guard let version = byID[tag.version], version.dataset == tag.dataset else {
                report.problems.append("tag \(tag.dataset):\(tag.tag) points at \(tag.version.short), which is not a version of \(tag.dataset)")
                continue
            }
            if scan.tagRecords[tag.record] == nil {
                report.problems.append("tag \(tag.dataset):\(tag.tag): its tag record is missing or corrupt")
            }
        }
        let indexedRecords = Set(snapshot.versions.map(\.id)).union(snapshot.tags.map(\.record))
        let missing = snapshot.versionsMissing(from: scan.versionRecords.filter { !indexedRecords.contains($0.key) }.map(\.value))
        if !missing.isEmpty {
            report.problems.append("the index does not list versions that the records hold (\(IndexSnapshot.describe(missing))); "
                                   + "`wf datasets verify --repair` rebuilds it from the records (gc refuses until then)")
        }
        let unindexed = scan.versionRecords.keys.filter { !indexedRecords.contains($0) }.count
            + scan.tagRecords.keys.filter { !indexedRecords.contains($0) }.count
        if unindexed > 0 {
            report.notes.append("\(unindexed) records are not in the index (interrupted commits or moved tags); `wf datasets gc` removes them")
        }
        if !scan.temporaries.isEmpty {
            report.notes.append("\(scan.temporaries.count) temporary files are left from interrupted writes; `wf datasets gc` removes them")
        }
        return report
    }
}

/// The index read in one transaction.
struct IndexSnapshot {
    /// Among records the index does not list, those it should: versions of a dataset it does
    /// not know, and versions whose parent it does not list either. A commit cut off before
    /// its transaction leaves neither: its record's parent is the head it read (or none, for
    /// a new dataset's first version, which still counts here: it is indistinguishable from a
    /// lost one-version dataset, and a repair indexes it). Counted by dataset.
    func versionsMissing(from unindexed: [VersionRecord]) -> [String: Int] {
        let datasetNames = Set(datasets.map(\.name)), versionIDs = Set(versions.map(\.id))
        var missing = [String: Int]()
        for record in unindexed where !datasetNames.contains(record.dataset) || record.parent.map({ !versionIDs.contains($0) }) ?? false {
            missing[record.dataset, default: 0] += 1
        }
        return missing
    }

    static func describe(_ missing: [String: Int]) -> String {
        let shown = missing.sorted { $0.key < $1.key }.prefix(3).map { "\($0.key): \($0.value)" }
        return shown.joined(separator: ", ") + (missing.count > 3 ? ", and \(missing.count - 3) more datasets" : "")
    }

    struct TagRow { var dataset: String; var tag: String; var version: ObjectID; var record: ObjectID }

    var datasets: [DatasetSummary]
    var versions: [VersionInfo]
    var tags: [TagRow]

    init(_ db: Database) throws {
        datasets = try Row.fetchAll(db, sql: "SELECT name, head, versions, files, bytes, updated_ms FROM datasets").map { row in
            DatasetSummary(name: row["name"], versions: row["versions"], latest: ObjectID(hex: row["head"]) ?? ObjectID.zero,
                           bytes: row["bytes"], files: row["files"], updated: Timestamp(milliseconds: row["updated_ms"]))
        }
        versions = try Row.fetchAll(db, sql: "SELECT \(DatasetIndex.versionColumns) FROM versions").map {
            try DatasetIndex.version(from: $0)
        }
        tags = try Row.fetchAll(db, sql: "SELECT dataset, tag, version, record FROM tags").map { row in
            TagRow(dataset: row["dataset"], tag: row["tag"], version: ObjectID(hex: row["version"]) ?? ObjectID.zero,
                   record: ObjectID(hex: row["record"]) ?? ObjectID.zero)
        }
    }
}
