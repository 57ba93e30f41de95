import Datasets
import Foundation

/// Puts the dataset versions an exported workflow reads where its manifest says they are: each
/// as `ArgoArtifactKeys.version` in the bucket of Argo's artifact repository, a gzipped tar
/// with one top-level folder (Argo unpacks an input artifact's single entry at its path). A
/// key names a version id, whose content never changes, so a key already there is kept.
public enum ArgoInputUpload {
    public struct Report: Sendable, Equatable {
        /// Keys written now.
        public var uploaded: [String] = []
        /// Keys the bucket already held.
        public var present: [String] = []
    }

    /// - Parameters:
    ///   - bucket: the artifact repository's bucket (`s3://BUCKET`, keys from its root), or a folder.
    /// - Throws: the store's or the bucket's error, one line; `tar` failing.
    public static func upload(_ plan: RunPlan, from store: DatasetStore, to bucket: any ObjectStore, scratch: String) throws -> Report {
        var versions = [String: (dataset: String, id: String)]()
        for job in plan.jobs {
            for case .datasetVersion(let dataset, let id) in job.inputs.values { versions[ArgoArtifactKeys.version(dataset: dataset, id: id)] = (dataset, id) }
        }
        var report = Report()
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        for (key, version) in versions.sorted(by: { $0.key < $1.key }) {
            if try Blocking.wait({ try await bucket.exists(key) }) {
                report.present.append(key)
                continue
            }
            let folder = "\(scratch)/\(version.id)"
            try store.export(try store.resolve("\(version.dataset):\(version.id)"), to: folder)
            let archive = "\(scratch)/\(version.id).tgz"
            try tar(folder: version.id, in: scratch, to: archive)
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: archive)))
            let sha256 = ObjectID.of(bytes).hex
            _ = try Blocking.wait { try await bucket.put(key, bytes: bytes, sha256: sha256, condition: .ifAbsent) }
            report.uploaded.append(key)
            try? FileManager.default.removeItem(atPath: folder)
            try? FileManager.default.removeItem(atPath: archive)
        }
        return report
    }

    /// `tar` (GNU), entries sorted and owned by root with a fixed time, gzip without a name or
    /// time: the same version always packs to the same bytes.
    static func tar(folder: String, in parent: String, to archive: String) throws {
        guard let tar = Tool.find("tar") else { throw RunError.unsupported(job: "?", detail: "tar is not on PATH; install it (apt-get install tar gzip)") }
        let packed = try Tool.run(tar, ["--sort=name", "--owner=0", "--group=0", "--numeric-owner", "--mtime=@0",
                                        "--use-compress-program=gzip -n", "-cf", archive, "-C", parent, folder])
        guard packed.status == 0 else {
            throw RunError.unsupported(job: "?", detail: "tar could not pack \(parent)/\(folder): \(packed.error)")
        }
    }
}
