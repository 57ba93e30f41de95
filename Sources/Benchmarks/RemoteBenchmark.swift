import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `wf bench remote`: push and pull through a real S3 server on 127.0.0.1 (moto's server
/// mode), beside `aws s3 sync` (the AWS CLI) of the same trees to and from the same server in
/// the same run. Two trees: 10,000 small files (1–4 KiB) and one 1 GiB file. Each figure is a
/// whole process, timed from spawn to exit: `wf datasets push` of a fresh store (the commit
/// itself is not timed), `wf datasets clone` into an empty home (the pull, every object checked
/// against its sha256), `aws s3 sync DIR s3://…` and `aws s3 sync s3://… DIR`. Then the same
/// tree committed as another dataset and pushed, to count the objects it skipped (all of them).
public struct RemoteBenchmark {
    public struct Figure: Sendable, Codable {
        public var tree: String
        public var files: Int
        public var bytes: Int64
        public var wfPushSeconds: Double
        public var wfPullSeconds: Double
        public var awsUploadSeconds: Double
        public var awsDownloadSeconds: Double
        /// Objects the push of the same tree as another dataset sent, and skipped.
        public var secondPushSent: Int
        public var secondPushSkipped: Int
        public var wfPushMBPerSecond: Double { Double(bytes) / 1e6 / wfPushSeconds }
        public var wfPullMBPerSecond: Double { Double(bytes) / 1e6 / wfPullSeconds }
        public var awsUploadMBPerSecond: Double { Double(bytes) / 1e6 / awsUploadSeconds }
        public var awsDownloadMBPerSecond: Double { Double(bytes) / 1e6 / awsDownloadSeconds }
    }

    public let wf: String
    public let moto: String
    public let aws: String
    public var smallFiles = 10_000
    public var bigFileBytes = 1 << 30

    public init(wf: String, moto: String, aws: String) {
        self.wf = wf
        self.moto = moto
        self.aws = aws
    }

    struct Failed: Error, CustomStringConvertible { var description: String }

    /// Runs `body` beside a fresh moto server (objects in memory, any credentials accepted
    /// while IAM is off), with the AWS variables both tools read pointing at it and a bucket `bench`.
    func withServer(port: Int, _ body: () throws -> Void) throws {
        let server = Process()
        server.executableURL = URL(fileURLWithPath: moto)
        server.arguments = ["-H", "127.0.0.1", "-p", "\(port)"]
        server.standardOutput = FileHandle.nullDevice
        server.standardError = FileHandle.nullDevice
        try server.run()
        defer { server.terminate(); server.waitUntilExit() }
        for (name, value) in ["AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench-secret", "AWS_REGION": "us-east-1",
                              "AWS_DEFAULT_REGION": "us-east-1", "AWS_ENDPOINT_URL": "http://127.0.0.1:\(port)"] {
            setenv(name, value, 1)
        }
        unsetenv("AWS_SESSION_TOKEN")
        unsetenv("AWS_PROFILE")
        var ready = false
        for _ in 0..<200 where !ready {
            ready = (try? ChildProcess.run([aws, "s3", "mb", "s3://bench"])) != nil
            if !ready { usleep(100_000) }
        }
        guard ready else { throw Failed(description: "moto_server did not start on 127.0.0.1:\(port)") }
        try body()
    }

    public func run(log: (String) -> Void) throws -> [Figure] {
        let folder = NSTemporaryDirectory() + "wf-bench-remote-\(getpid())"
        mkdir(folder, 0o755)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var generator = SyntheticFiles(seed: 7)
        let small = "\(folder)/small"
        mkdir(small, 0o755)
        log("writing \(smallFiles) small files")
        let smallBytes = try generator.writeSmallFiles(count: smallFiles, sizes: 1024...4096, into: small)
        let big = "\(folder)/big"
        mkdir(big, 0o755)
        log("writing one file of \(bigFileBytes >> 20) MiB")
        try generator.write(bytes: bigFileBytes, to: "\(big)/big.bin")

        var figures = [Figure]()
        for (number, (label, tree, files, bytes)) in [("\(smallFiles) small files", small, smallFiles, smallBytes),
                                                      ("one \(bigFileBytes >> 20) MiB file", big, 1, Int64(bigFileBytes))].enumerated() {
            // Each tree against a fresh server, so neither tree's objects weigh on the other's figures.
            try withServer(port: 20_000 + Int(getpid() % 20_000) + number) {
                let slug = files == 1 ? "big" : "small"
                let home = "\(folder)/home-\(slug)"
                try ChildProcess.run([wf, "datasets", "put", slug, tree, "--home", home])
                try ChildProcess.run([wf, "datasets", "remote", "add", "origin", "s3://bench/wf-\(slug)", "--home", home])
                // Interleaved, wf then aws each way, so both meet the server in the same state.
                log("\(label): wf datasets push")
                let push = try ChildProcess.run([wf, "datasets", "push", "--home", home])
                log("\(label): aws s3 sync up")
                let upload = try ChildProcess.run([aws, "s3", "sync", tree, "s3://bench/aws-\(slug)/", "--only-show-errors"])
                // The same tree again, as another dataset: every object is on the remote already.
                try ChildProcess.run([wf, "datasets", "put", "\(slug)-again", tree, "--home", home])
                let again = try Captured.run([wf, "datasets", "push", "\(slug)-again", "--json", "--home", home])
                let second = (try? JSONSerialization.jsonObject(with: Data(again.stdout.utf8)) as? [String: Any]) ?? [:]
                log("\(label): wf datasets clone")
                let pull = try ChildProcess.run([wf, "datasets", "clone", "s3://bench/wf-\(slug)", "--home", "\(folder)/clone-\(slug)"])
                log("\(label): aws s3 sync down")
                let download = try ChildProcess.run([aws, "s3", "sync", "s3://bench/aws-\(slug)/", "\(folder)/aws-down-\(slug)", "--only-show-errors"])
                figures.append(Figure(tree: label, files: files, bytes: bytes, wfPushSeconds: push, wfPullSeconds: pull, awsUploadSeconds: upload,
                                      awsDownloadSeconds: download, secondPushSent: (second["objects_sent"] as? Int) ?? -1,
                                      secondPushSkipped: (second["objects_skipped"] as? Int) ?? -1))
                try? FileManager.default.removeItem(atPath: "\(folder)/clone-\(slug)")
                try? FileManager.default.removeItem(atPath: "\(folder)/aws-down-\(slug)")
            }
        }
        return figures
    }
}
