import Datasets
import Foundation
import S3
import Testing
import TestSupport

/// Remotes end to end: the real `wf` binary pushing to and pulling from a real S3 server
/// (moto, with IAM authentication, so every request's signature is checked) and a folder.
@Suite(.serialized) struct RemoteTests {
    let scratch = Scratch("wf-remotes")

    struct Report: Decodable {
        struct Dataset: Decodable { var name: String; var head: String?; var versions: Int; var state: String }
        var datasets: [Dataset]
        var objectsSent: Int
        var objectsSkipped: Int
        var bytesSent: Int64
    }

    func wf(_ arguments: [String], _ environment: [String: String]) throws -> TestSupport.WFBinary.Output {
        try WFBinary.run(arguments, environment: environment)
    }

    func report(_ output: TestSupport.WFBinary.Output) throws -> Report {
        try SnakeCaseJSON.decoder.decode(Report.self, from: Data(output.stdout.utf8))
    }

    func versions(_ home: String, _ dataset: String, _ environment: [String: String] = [:]) throws -> [VersionInfo] {
        let listed = try WFBinary.run(["datasets", "ls", dataset, "--json", "--home", home], environment: environment)
        return listed.status == 0 ? try SnakeCaseJSON.decoder.decode([VersionInfo].self, from: Data(listed.stdout.utf8)) : []
    }

    /// A folder of `count` small files with a line each.
    func tree(_ name: String, files count: Int, seed: Int) throws -> String {
        let folder = scratch(name)
        try FileManager.default.createDirectory(atPath: folder + "/sub", withIntermediateDirectories: true)
        for number in 0..<count {
            try "file \(number) of seed \(number % 7 == 0 ? seed : 0)\n".write(toFile: "\(folder)/sub/\(number).txt", atomically: false, encoding: .utf8)
        }
        return folder
    }

    @Test(.enabled(if: MotoServer.executable != nil, "NO MOTO: the remote tests are skipped; .ci/run makes .build/venv-moto (pip install 'moto[server]')"))
    func pushPullAndCloneThroughS3MoveOnlyWhatIsMissing() throws {
        let moto = try MotoServer(buckets: ["wf-datasets"], log: scratch("moto.log"))
        let env = moto.environment
        let a = scratch("a"), b = scratch("b")
        #expect(try wf(["datasets", "put", "corpus", try tree("t1", files: 300, seed: 1) + "/sub", "--home", a], env).status == 0)
        #expect(try wf(["datasets", "put", "corpus", try tree("t2", files: 300, seed: 2) + "/sub", "--home", a], env).status == 0)
        #expect(try wf(["datasets", "tag", "corpus~1", "first", "--home", a], env).status == 0)
        let added = try wf(["datasets", "remote", "add", "origin", "s3://wf-datasets/team", "--home", a], env)
        #expect(added.status == 0, "\(added.stderr)")

        let pushed = try wf(["datasets", "push", "--json", "--home", a], env)
        #expect(pushed.status == 0, "\(pushed.stderr)")
        let first = try report(pushed)
        // 300 files, 43 of which differ between the two versions, and two trees.
        #expect(first.datasets.first?.versions == 2 && first.objectsSent == 300 + 43 + 2 && first.objectsSkipped == 0, "\(pushed.stdout)")
        // Again: nothing to send.
        let again = try report(try wf(["datasets", "push", "--json", "--home", a], env))
        #expect(again.objectsSent == 0 && again.datasets.first?.state == "up to date")

        // A clone has the same history, tags and bytes.
        let cloned = try wf(["datasets", "clone", "s3://wf-datasets/team", "--json", "--home", b], env)
        #expect(cloned.status == 0, "\(cloned.stderr)")
        #expect(try versions(b, "corpus").map(\.id) == versions(a, "corpus").map(\.id))
        #expect(try wf(["datasets", "cat", "corpus:first", "7.txt", "--home", b], env).stdout == "file 7 of seed 1\n")
        #expect(try wf(["datasets", "verify", "--home", b], env).status == 0)

        // A third version: a push sends only its new files, a pull brings only those.
        #expect(try wf(["datasets", "put", "corpus", try tree("t3", files: 300, seed: 3) + "/sub", "--home", a], env).status == 0)
        let third = try report(try wf(["datasets", "push", "--json", "--home", a], env))
        #expect(third.objectsSent == 43 + 1 && third.objectsSkipped == 300 - 43, "\(third)")
        let pulled = try wf(["datasets", "pull", "--json", "--home", b], env)
        let pull = try report(pulled)
        #expect(pull.datasets.first?.state == "pulled" && pull.objectsSent == 43 && pull.objectsSkipped == 300 - 43, "\(pulled.stdout)\(pulled.stderr)")
        #expect(try versions(b, "corpus").first?.id == versions(a, "corpus").first?.id)

        // Two stores push the same dataset: the second is refused and told to pull; nothing is lost.
        #expect(try wf(["datasets", "put", "corpus", try tree("t4", files: 10, seed: 4) + "/sub", "--home", a], env).status == 0)
        #expect(try wf(["datasets", "put", "corpus", try tree("t5", files: 10, seed: 5) + "/sub", "--home", b], env).status == 0)
        #expect(try wf(["datasets", "push", "--home", a], env).status == 0)
        let refused = try wf(["datasets", "push", "--home", b], env)
        #expect(refused.status != 0 && refused.stderr.contains("pull first"), "\(refused.stderr)")
        let diverged = try wf(["datasets", "pull", "--home", b], env)
        #expect(diverged.status != 0 && diverged.stderr.contains("corpus diverged"), "\(diverged.stderr)")
        // What the refused pull downloaded is a cache: the store still verifies, and gc may sweep it.
        let verified = try wf(["datasets", "verify", "--home", b], env)
        #expect(verified.status == 0, "\(verified.stdout)\(verified.stderr)")
        #expect(try wf(["datasets", "gc", "--home", b], env).status == 0)

        // Wrong credentials: one line, nothing written.
        var wrong = env
        wrong["AWS_SECRET_ACCESS_KEY"] = "not-it"
        let denied = try wf(["datasets", "push", "--home", a], wrong)
        #expect(denied.status != 0 && denied.stderr.contains("refused the credentials (SignatureDoesNotMatch)"), "\(denied.stderr)")
        #expect(denied.stderr.split(separator: "\n").count == 1 && !denied.stderr.contains("not-it"))
        let noCredentials = try wf(["datasets", "pull", "--home", b], ["AWS_ACCESS_KEY_ID": "", "AWS_SHARED_CREDENTIALS_FILE": scratch("none"), "HOME": scratch("nohome")])
        #expect(noCredentials.status != 0 && noCredentials.stderr.contains("no S3 credentials"), "\(noCredentials.stderr)")

        // Credentials from two wf secrets, none in the environment: the remote keeps their names only.
        let c = scratch("c")
        let secrets = ["WF_SECRETS": scratch("secrets"), "AWS_ACCESS_KEY_ID": "", "AWS_SHARED_CREDENTIALS_FILE": scratch("none"),
                       "AWS_ENDPOINT_URL": moto.endpoint]
        #expect(try WFBinary.run(["secrets", "set", "S3_KEY"], environment: secrets, input: moto.accessKeyID).status == 0)
        #expect(try WFBinary.run(["secrets", "set", "S3_SECRET"], environment: secrets, input: moto.secretAccessKey).status == 0)
        #expect(try wf(["datasets", "remote", "add", "team", "s3://wf-datasets/team", "--access-key-secret", "S3_KEY", "--home", c], secrets)
                    .stderr.contains("together"))
        #expect(try wf(["datasets", "remote", "add", "team", "s3://wf-datasets/team", "--access-key-secret", "S3_KEY",
                        "--secret-key-secret", "S3_SECRET", "--home", c], secrets).status == 0)
        let fromSecrets = try wf(["datasets", "pull", "--home", c], secrets)
        #expect(fromSecrets.status == 0, "\(fromSecrets.stderr)")
        #expect(try versions(c, "corpus").map(\.id) == versions(a, "corpus").map(\.id))
        let kept = try String(contentsOfFile: c + "/datasets/remotes.json", encoding: .utf8)
        #expect(kept.contains("S3_SECRET") && !kept.contains(moto.secretAccessKey))
    }

    @Test(.enabled(if: MotoServer.executable != nil, "NO MOTO: the remote tests are skipped; .ci/run makes .build/venv-moto (pip install 'moto[server]')"))
    func aPushKilledMidUploadResumesWithThePartsTheServerHas() throws {
        let moto = try MotoServer(buckets: ["wf-datasets"], log: scratch("moto.log"))
        let env = moto.environment
        let home = scratch("home")
        // 160 MiB: twenty parts of 8 MiB. Eight go at once, so a kill after the third part has
        // landed leaves at least nine unsent however the in-flight ones race it.
        let big = scratch("big.bin")
        let handle = try #require(FileHandle(forWritingAtPath: { FileManager.default.createFile(atPath: big, contents: nil); return big }()))
        var block = [UInt8](repeating: 0, count: 1 << 20)
        for megabyte in 0..<160 {
            for index in stride(from: 0, to: block.count, by: 512) { block[index] = UInt8(truncatingIfNeeded: megabyte &* 31 &+ index / 512) }
            try handle.write(contentsOf: block)
        }
        try handle.close()
        #expect(try wf(["datasets", "put", "weights", big, "--home", home], env).status == 0)
        #expect(try wf(["datasets", "remote", "add", "origin", "s3://wf-datasets", "--home", home], env).status == 0)

        /// Parts the server stored: its log's successful UploadPart lines (a part cut off by the kill is logged as an error, if at all).
        func partsSent() -> Int {
            ((try? String(contentsOfFile: scratch("moto.log"), encoding: .utf8)) ?? "").split(separator: "\n")
                .filter { $0.contains("partNumber=") && $0.contains("\" 200 ") }.count
        }
        let push = try WFBinary.start(["datasets", "push", "--home", home], stdoutFile: scratch("push.out"), stderrFile: scratch("push.err"), environment: env)
        let deadline = Date().addingTimeInterval(60)
        while partsSent() < 3 && push.isRunning && Date() < deadline { usleep(20_000) }
        kill(push.processIdentifier, SIGKILL)
        push.waitUntilExit()
        let before = partsSent()
        #expect(before >= 3 && before < 20, "parts sent before the kill: \(before)")
        let heads = try versions(home, "weights")
        #expect(heads.count == 1)

        let resumed = try wf(["datasets", "push", "--json", "--home", home], env)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let after = partsSent() - before
        // The parts the server had (every one it logged, at least) were not sent again.
        #expect(after <= 20 - before && after < 20, "parts sent after resuming: \(after), before: \(before)")
        let copy = scratch("copy")
        #expect(try wf(["datasets", "clone", "s3://wf-datasets", "--home", copy], env).status == 0)
        let name = (big as NSString).lastPathComponent
        let exported = scratch("exported")
        #expect(try wf(["datasets", "export", "weights", exported, "--home", copy], env).status == 0)
        #expect(FileManager.default.contentsEqual(atPath: "\(exported)/\(name)", andPath: big))
    }

    /// `s3-download@v1` in a workflow: a prefix of a bucket into a dataset output, with the
    /// credentials given as secrets; then the same with a wrong secret, which fails the run.
    @Test(.enabled(if: MotoServer.executable != nil, "NO MOTO: the s3-download@v1 test is skipped; .ci/run makes .build/venv-moto (pip install 'moto[server]')"))
    func s3DownloadFetchesAPrefixIntoADataset() async throws {
        let moto = try MotoServer(buckets: ["wf-data"], log: scratch("moto.log"))
        let bucket = S3ObjectStore(location: S3Location(bucket: "wf-data", prefix: ""),
                                   client: S3Client(endpoint: try S3Endpoint.resolve(endpoint: moto.endpoint, region: nil, environment: [:]),
                                                    credentials: AWSCredentials(accessKeyID: moto.accessKeyID, secretAccessKey: moto.secretAccessKey)))
        for (key, text) in [("corpus/a.txt", "alpha\n"), ("corpus/deep/b.txt", "beta\n"), ("corpus2/not-this.txt", "no\n"), ("other/c.txt", "no\n")] {
            #expect(try await bucket.put(key, bytes: Array(text.utf8), sha256: nil, condition: .always))
        }
        let workflow = """
            on: {github: {branches: {only: main}}}
            jobs:
              download:
                outputs:
                  data: {type: dataset, with: {ref: downloaded}}
                uses: s3-download@v1
                with:
                  url: s3://wf-data/corpus
                  endpoint: \(moto.endpoint)
                  access-key: secret:S3_KEY
                  secret-access-key: secret:S3_SECRET
                  path: raw
            """
        let repo = try WorkflowRepository(in: scratch, workflow: workflow)
        let home = scratch("home")
        let secrets = ["WF_SECRETS": scratch("secrets"), "AWS_ACCESS_KEY_ID": "", "AWS_ENDPOINT_URL": ""]
        #expect(try WFBinary.run(["secrets", "set", "S3_KEY"], environment: secrets, input: moto.accessKeyID).status == 0)
        #expect(try WFBinary.run(["secrets", "set", "S3_SECRET"], environment: secrets, input: moto.secretAccessKey).status == 0)
        let run = try WFBinary.run(["run", repo.workflowFile, "--home", home], environment: secrets)
        #expect(run.status == 0, "\(run.stderr)")
        let shown = try WFBinary.run(["datasets", "show", "downloaded", "--home", home]).stdout
        #expect(shown.contains("raw/a.txt") && shown.contains("raw/deep/b.txt") && !shown.contains("not-this"), "\(shown)")
        #expect(try WFBinary.run(["datasets", "cat", "downloaded", "raw/deep/b.txt", "--home", home]).stdout == "beta\n")
        #expect(!run.stderr.contains(moto.secretAccessKey), "a secret reached the log")

        #expect(try WFBinary.run(["secrets", "set", "S3_SECRET"], environment: secrets, input: "wrong").status == 0)
        try repo.scratch.write("repo/README.md", "again\n")
        try repo.git("add", "-A")
        try repo.git("commit", "-q", "-m", "again")
        let denied = try WFBinary.run(["run", repo.workflowFile, "--home", home], environment: secrets)
        #expect(denied.status != 0 && denied.stderr.contains("refused the credentials"), "\(denied.stderr)")
        #expect(try versions(home, "downloaded").count == 1, "a failed download committed a version")
    }

    @Test func aFolderRemoteRefusesADamagedObjectAndChangesNothing() throws {
        let a = scratch("a"), b = scratch("b"), remote = scratch("remote")
        #expect(try wf(["datasets", "put", "notes", try tree("t1", files: 3, seed: 1) + "/sub", "--home", a], [:]).status == 0)
        #expect(try wf(["datasets", "remote", "add", "share", remote, "--home", a], [:]).status == 0)
        #expect(try wf(["datasets", "push", "--home", a], [:]).status == 0)
        #expect(try wf(["datasets", "remote", "add", "share", "relative/path", "--home", b], [:]).stderr.contains("absolute folder path"))
        #expect(try wf(["datasets", "remote", "add", "share", remote, "--home", b], [:]).status == 0)
        // One object's bytes changed on the remote.
        let objects = try FileManager.default.subpathsOfDirectory(atPath: "\(remote)/objects").filter { !$0.hasSuffix("/") && $0.split(separator: "/").count == 3 }
        var damaged = false
        for object in objects {
            let path = "\(remote)/objects/\(object)"
            if let text = try? String(contentsOfFile: path, encoding: .utf8), text.hasPrefix("file ") {
                try "file X\n".write(toFile: path, atomically: false, encoding: .utf8)
                damaged = true
                break
            }
        }
        #expect(damaged)
        let pulled = try wf(["datasets", "pull", "--home", b], [:])
        #expect(pulled.status != 0 && pulled.stderr.contains("arrived damaged"), "\(pulled.stderr)")
        #expect(try versions(b, "notes").isEmpty, "a damaged pull changed the history")
    }
}
