import Datasets
import Foundation
import Testing
import TestSupport
import Triggers

/// A store that lives in a bucket, end to end: two homes (two machines) make one remote on
/// moto their store, each runs a real `wf daemon` linked to the same repository, and pushes
/// to the repository become versions committed once, in one line, seen by both.
@Suite(.serialized) struct SharedStoreTests {
    let scratch = Scratch("wf-shared-store")

    struct Status: Decodable {
        var queue: [QueueItem]
    }

    @Test(.enabled(if: MotoServer.executable != nil, "NO MOTO: the shared-store tests are skipped; .ci/run makes .build/venv-moto (pip install 'moto[server]')"))
    func twoDaemonsSharingABucketStoreCommitEachPushOnce() throws {
        let moto = try MotoServer(buckets: ["wf-shared"], log: scratch("moto.log"))
        let env = moto.environment
        func wf(_ arguments: [String]) throws -> TestSupport.WFBinary.Output { try WFBinary.run(arguments, environment: env) }
        func versions(_ home: String) throws -> [VersionInfo] {
            let listed = try wf(["datasets", "ls", "generated-text", "--json", "--home", home])
            return listed.status == 0 ? try SnakeCaseJSON.decoder.decode([VersionInfo].self, from: Data(listed.stdout.utf8)) : []
        }
        func queue(_ home: String) throws -> [QueueItem] {
            try SnakeCaseJSON.decoder.decode(Status.self, from: Data(try wf(["status", "--json", "--home", home]).stdout.utf8)).queue
        }

        let work = try WorkflowRepository(in: scratch, workflow: RunCommandTests.workflow)
        let remote = scratch("remote.git")
        _ = try Shell.run("git", ["init", "-q", "--bare", "-b", "main", remote])
        try work.git("remote", "add", "origin", remote)
        try work.git("push", "-q", "origin", "main")
        func push(seed: Int) throws -> String {
            try work.scratch.write("repo/settings.json", #"{"prompt": "JULIET:", "seed": \#(seed), "max_length": 16, "model": "models/tiny"}"#)
            try work.git("commit", "-q", "-am", "seed \(seed)")
            try work.git("push", "-q", "origin", "main")
            return try work.git("rev-parse", "HEAD")
        }

        let a = scratch("a"), b = scratch("b")
        // What a home had before its store moved to the bucket goes there first, tags too.
        #expect(try wf(["datasets", "put", "notes", work.scratch("repo/settings.json"), "--home", a]).status == 0)
        #expect(try wf(["datasets", "tag", "notes", "first", "--home", a]).status == 0)
        for home in [a, b] {
            let added = try wf(["datasets", "remote", "add", "shared", "s3://wf-shared/store", "--store", "--home", home])
            #expect(added.status == 0 && added.stdout.contains("this home's store"), "\(added.stderr)")
            #expect(try wf(["link", remote, "--branch", "main", "--poll", "1", "--home", home]).status == 0)
        }
        #expect(try wf(["datasets", "cat", "notes:first", "settings.json", "--home", b]).stdout.contains("\"seed\""))
        let secondStore = try wf(["datasets", "remote", "add", "other", "s3://wf-shared/other", "--store", "--home", b])
        #expect(secondStore.status != 0 && secondStore.stderr.contains("the store already lives in remote shared"), "\(secondStore.stderr)")
        // A tag made on one machine is seen on the other.
        #expect(try wf(["datasets", "tag", "notes", "kept", "--home", b]).status == 0)
        #expect(try wf(["datasets", "show", "notes:kept", "--home", a]).status == 0)
        // Without the bucket's credentials a shared store is not opened at all: nothing is
        // committed to the cache alone.
        let offline = try WFBinary.run(["datasets", "put", "x", work.scratch("repo/settings.json"), "--home", a],
                                       environment: ["AWS_ACCESS_KEY_ID": "", "AWS_SHARED_CREDENTIALS_FILE": scratch("none"), "HOME": scratch("nohome")])
        #expect(offline.status != 0 && offline.stderr.contains("no S3 credentials"), "\(offline.stderr)")

        let daemonA = try DaemonProcess(home: a, scratch: scratch, environment: env, label: "daemon-a")
        let daemonB = try DaemonProcess(home: b, scratch: scratch, environment: env, label: "daemon-b")
        defer { daemonA.stop(); daemonB.stop() }
        let logs = { "daemon a:\n\(daemonA.log)\ndaemon b:\n\(daemonB.log)" }

        var commits = [String]()
        for seed in [7, 8, 9] {
            commits.append(try push(seed: seed))
            // Each home's item ends: one succeeded, the other skipped as the other daemon's.
            #expect(try eventually(120) {
                let ends = try [a, b].compactMap { try queue($0).first { $0.commit == commits.last }?.status }
                return ends.sorted { $0.rawValue < $1.rawValue } == [.skipped, .succeeded]
            }, "\(logs())")
        }
        let skipped = try (queue(a) + queue(b)).filter { $0.status == .skipped }
        #expect(skipped.count == 3 && skipped.allSatisfy { $0.detail?.contains("shares the store s3://wf-shared/store") == true })

        // One version per push, in one line, the same in both homes.
        let seenByA = try versions(a), seenByB = try versions(b)
        #expect(seenByA.count == 3, "\(logs())")
        #expect(seenByA.map(\.id) == seenByB.map(\.id))
        #expect(seenByA.map { $0.provenance.commit } == commits.reversed().map { Optional($0) })
        #expect(seenByA[0].parent == seenByA[1].id && seenByA[1].parent == seenByA[2].id && seenByA[2].parent == nil)
        #expect(try wf(["datasets", "cat", "generated-text", "outputs.txt", "--home", b]).stdout.hasPrefix("---\nOutput 1 of 1\n---\n\nJULIET:"))
        daemonA.stop()
        daemonB.stop()

        // The index is a cache: gone with every record, `verify --repair` rebuilds it from the bucket.
        for leftover in ["index.sqlite", "index.sqlite-wal", "index.sqlite-shm", "records"] {
            try? FileManager.default.removeItem(atPath: "\(a)/datasets/\(leftover)")
        }
        let repaired = try wf(["datasets", "verify", "--repair", "--home", a])
        // generated-text's three and the notes version home a pushed when it joined the bucket.
        #expect(repaired.status == 0 && repaired.stdout.contains("4 versions added from its records"), "\(repaired.stdout)\(repaired.stderr)")
        #expect(try versions(a).map(\.id) == seenByB.map(\.id))
        #expect(try wf(["datasets", "verify", "--home", a]).status == 0)
    }
}
