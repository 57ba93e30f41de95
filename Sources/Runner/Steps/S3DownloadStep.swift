import Crypto
import Datasets
import Foundation
import S3
import Workflows

/// `s3-download@v1`: copies `url` (`s3://BUCKET/PATH`: every object under the prefix, or the
/// one object it names) into the job's dataset or volume output (under `path`), sixteen at a
/// time, each checked on arrival: its size against the listing, and its bytes against the
/// ETag when that is an MD5 (an object uploaded whole). Credentials are the `access-key` and
/// `secret-access-key` the job gives (`secret:NAME`); a run a push started takes nothing else,
/// and `wf run` falls back to the environment as the AWS tools read it. Keys that would leave
/// the output (`..`, absolute) are refused.
struct S3DownloadStep: Step {
    let settings: S3DownloadSettings

    func run(_ context: StepContext) throws -> StepResult {
        let job = context.job
        func text(_ value: Value?, _ key: String) throws -> String? {
            switch value {
            case nil: return nil
            case .literal(let text)?: return text
            case .secret(let name)?:
                guard let secret = context.secrets[name] else {
                    throw RunError.missingInput(job: job.name, input: "secret:\(name)", detail: "not set; set it with wf secrets set \(name)")
                }
                return secret
            default: throw RunError.unsupported(job: job.name, detail: "with: \(key) takes text or secret:NAME")
            }
        }
        guard let urlText = try text(settings.url, "url") else { throw RunError.unsupported(job: job.name, detail: "s3-download@v1 needs with: url") }
        let location: S3Location
        do { location = try S3Location(parsing: urlText) } catch { throw RunError.unsupported(job: job.name, detail: "with: url: \(error)") }
        let environment = context.options.confined ? [:] : ProcessInfo.processInfo.environment
        let endpoint: S3Endpoint, credentials: AWSCredentials
        do {
            endpoint = try S3Endpoint.resolve(endpoint: try text(settings.endpoint, "endpoint"), region: try text(settings.region, "region"), environment: environment)
            if let key = try text(settings.accessKey, "access-key"), let secret = try text(settings.secretAccessKey, "secret-access-key") {
                credentials = AWSCredentials(accessKeyID: key, secretAccessKey: secret)
            } else if context.options.confined {
                throw RunError.unsupported(job: job.name, detail: "a run a push started takes no credentials from the machine: give with: access-key: secret:NAME and secret-access-key: secret:NAME")
            } else {
                credentials = try AWSCredentials.resolve(environment: environment)
            }
        } catch let error as RunError {
            throw error
        } catch {
            throw RunError.failed(job: job.name, detail: "\(error)")
        }
        var target = try context.folderOutput(for: "s3-download@v1", accepting: ["dataset", "volume"])
        if let path = try text(settings.path, "path"), !path.isEmpty {
            guard !path.hasPrefix("/"), !path.split(separator: "/").contains("..") else {
                throw RunError.unsupported(job: job.name, detail: "with: path: \(path) must stay inside the output (no leading /, no ..)")
            }
            target += "/" + path
        }
        // The location's prefix is the object or folder asked for; list from the bucket's root.
        let store = S3ObjectStore(location: S3Location(bucket: location.bucket, prefix: ""), client: S3Client(endpoint: endpoint, credentials: credentials))
        let log = context.log
        let root = target
        let (count, bytes) = try Blocking.wait { () async throws -> (Int, Int64) in
            let listed = try await store.listing(prefix: location.prefix)
            var files = [(key: String, relative: String, listed: S3ObjectStore.Listed)]()
            for (key, entry) in listed.sorted(by: { $0.key < $1.key }) {
                let relative: String
                if key == location.prefix { relative = String(key.split(separator: "/").last ?? Substring(key)) }
                else if location.prefix.isEmpty { relative = key }
                else if key.hasPrefix(location.prefix + "/") { relative = String(key.dropFirst(location.prefix.count + 1)) }
                else { continue }  // `data2/x` is not under `data`
                if key.hasSuffix("/") && entry.size == 0 { continue }  // a console's "folder" marker
                guard !relative.isEmpty, !relative.hasPrefix("/"), !relative.split(separator: "/").contains(where: { $0 == ".." || $0 == "." }) else {
                    throw RunError.failed(job: job.name, detail: "the object \(key) would land outside the output; it is refused")
                }
                files.append((key, relative, entry))
            }
            guard !files.isEmpty else { throw RunError.failed(job: job.name, detail: "nothing at \(location): no object, and no object under it as a folder") }
            log.line("downloading \(files.count) objects (\(Format.bytes(files.reduce(0) { $0 + $1.listed.size }))) from \(location)")
            try await withThrowingTaskGroup(of: Void.self) { group in
                var iterator = files.makeIterator(), running = 0
                func start(_ file: (key: String, relative: String, listed: S3ObjectStore.Listed)) {
                    group.addTask { try await Self.fetch(file.key, to: "\(root)/\(file.relative)", listed: file.listed, from: store, job: job.name) }
                }
                while running < 16, let file = iterator.next() { start(file); running += 1 }
                while try await group.next() != nil { if let file = iterator.next() { start(file) } }
            }
            return (files.count, files.reduce(0) { $0 + $1.listed.size })
        }
        log.line("downloaded \(count) files, \(Format.bytes(bytes)), from \(location)")
        return StepResult()
    }

    /// One object into `path`: through a temporary beside it, checked, then renamed.
    static func fetch(_ key: String, to path: String, listed: S3ObjectStore.Listed, from store: S3ObjectStore, job: String) async throws {
        let folder = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let temporary = "\(folder)/.s3-download-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: temporary) }
        guard try await store.download(key, to: temporary, progress: { _ in }) else {
            throw RunError.failed(job: job, detail: "s3://\(store.location.bucket)/\(key) went away while downloading")
        }
        let size = (try? FileManager.default.attributesOfItem(atPath: temporary)[.size] as? Int64) ?? nil
        guard size == listed.size else {
            throw RunError.failed(job: job, detail: "s3://\(store.location.bucket)/\(key) arrived cut short (\(size ?? 0) of \(listed.size) bytes); run again")
        }
        if let etag = listed.etag?.trimmingCharacters(in: CharacterSet(charactersIn: "\"")), etag.count == 32, !etag.contains("-") {
            var md5 = Insecure.MD5()
            let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: temporary))
            defer { try? handle.close() }
            while let chunk = try handle.read(upToCount: 4 << 20), !chunk.isEmpty { md5.update(data: chunk) }
            let actual = md5.finalize().map { String(format: "%02x", $0) }.joined()
            guard actual == etag else {
                throw RunError.failed(job: job, detail: "s3://\(store.location.bucket)/\(key) arrived damaged (MD5 \(actual), the bucket says \(etag)); run again")
            }
        }
        try? FileManager.default.removeItem(atPath: path)
        try FileManager.default.moveItem(atPath: temporary, toPath: path)
    }
}
