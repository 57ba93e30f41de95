import Datasets
import Foundation
import S3

/// Opens object stores and dataset stores as a home's settings say: the one place that knows
/// which `ObjectStore` a remote's URL means (`s3://` through the S3 module, anything else a
/// folder) and where its credentials come from. The CLI, `LocalRunner`, the daemon and its
/// queue all open a home's store here, so a store that lives in a bucket is connected to it
/// wherever it is written.
public enum StoreAccess {
    /// The remote's object store. Credentials: the remote's two wf secrets when it names them,
    /// else as the AWS tools take them (`AWSCredentials.resolve`).
    /// - Throws: a one-line error for a bad URL, endpoint or missing credentials.
    public static func objectStore(_ remote: RemoteConfig, secrets: SecretStore = SecretStore()) throws -> any ObjectStore {
        if remote.url.hasPrefix("s3://") {
            let credentials: AWSCredentials
            if let keyName = remote.accessKeySecret, let secretName = remote.secretKeySecret {
                credentials = AWSCredentials(accessKeyID: try secrets.value(keyName), secretAccessKey: try secrets.value(secretName))
            } else {
                credentials = try AWSCredentials.resolve()
            }
            let client = S3Client(endpoint: try S3Endpoint.resolve(endpoint: remote.endpoint, region: remote.region), credentials: credentials)
            return S3ObjectStore(location: try S3Location(parsing: remote.url), client: client)
        }
        return FolderObjectStore(root: try folder(remote.url))
    }

    /// A folder remote's path: an absolute path, or a `file://` URL of one.
    public static func folder(_ url: String) throws -> String {
        let path = url.hasPrefix("file://") ? String(url.dropFirst("file://".count)) : url
        guard path.hasPrefix("/") else { throw DatasetError.remote("\(url): a remote is s3://BUCKET/PREFIX or an absolute folder path") }
        return path
    }

    /// The store under `home`, connected to its bucket when it lives in one (`remote add
    /// --store`). `synchronize`: bring the local cache up to the bucket first (readers that
    /// must see other machines' versions; a commit catches up by itself).
    public static func open(home: String, mode: DatasetStore.AccessMode = .readWrite, synchronize: Bool = false,
                            progress: @escaping @Sendable (TransferProgress) -> Void = { _ in }) throws -> DatasetStore {
        guard let shared = try DatasetStore.sharedStoreRemote(home: home) else { return try DatasetStore(home: home, mode: mode) }
        let upstream = try objectStore(shared)
        // The cache is written even by readers: it is this machine's copy of the bucket.
        let store = try DatasetStore(home: home, mode: .readWrite, upstream: upstream)
        if synchronize { try store.synchronize(progress: progress) }
        return store
    }
}
