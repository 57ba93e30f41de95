extension DatasetStore {
    /// Points `tag` at the version `reference` names, moving it if it pointed elsewhere.
    /// The tag record is durable before the index changes, so a rebuild keeps the tag.
    @discardableResult
    public func tag(_ reference: String, as tag: String) throws -> VersionInfo {
        try DatasetName.validateTag(tag)
        let parsed = try Reference(parsing: reference)
        guard let index else { throw DatasetError.unknownDataset(parsed.dataset) }
        let held = try lock(.shared)
        defer { withExtendedLifetime(held) {} }
        let version = try resolve(parsed)
        let record = TagRecord(dataset: version.dataset, tag: tag, version: version.id, created: Timestamp.now())
        let recordID = try storeSmall(record.canonicalBytes, in: records)
        try index.write { db in try DatasetIndex.setTag(record, recordID: recordID, in: db) }
        // A shared store's tags live in the bucket too (the newest record wins there as here).
        if let upstream {
            let dataset = version.dataset
            try Blocking.wait { try await self.pushTags(dataset, to: upstream, haveRecords: []) }
        }
        return try resolve("\(version.dataset):\(version.id.hex)")
    }
}
