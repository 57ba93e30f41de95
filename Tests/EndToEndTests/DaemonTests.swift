import Datasets
import Foundation
import Testing
import TestSupport
import Triggers

/// The daemon end to end: a bare repository in a temporary folder is the remote; pushes to
/// it, seen by polling or announced by webhooks, become new `generated-text` versions.
@Suite(.serialized) struct DaemonTests {
    let scratch = Scratch("wf-daemon")

    /// A bare remote and a working clone of it holding the project-shaped workflow.
    func makeRemote(workflow: String = RunCommandTests.workflow) throws -> (work: WorkflowRepository, remote: String) {
        let work = try WorkflowRepository(in: scratch, workflow: workflow)
        let remote = scratch("remote.git")
        _ = try Shell.run("git", ["init", "-q", "--bare", "-b", "main", remote])
        try work.git("remote", "add", "origin", remote)
        try work.git("push", "-q", "origin", "main")
        return (work, remote)
    }

    func versions(_ home: String, _ dataset: String = "generated-text") throws -> [VersionInfo] {
        let listed = try WFBinary.run(["datasets", "ls", dataset, "--json", "--home", home])
        guard listed.status == 0 else { return [] }
        return try SnakeCaseJSON.decoder.decode([VersionInfo].self, from: Data(listed.stdout.utf8))
    }

    struct Status: Decodable {
        var links: [LinkState]
        var queue: [QueueItem]
        var runs: [RunRecord]
    }

    func status(_ home: String) throws -> Status {
        try SnakeCaseJSON.decoder.decode(Status.self, from: Data(try WFBinary.run(["status", "--json", "--home", home]).stdout.utf8))
    }

    func pushSettings(_ work: WorkflowRepository, seed: Int) throws -> String {
        try work.scratch.write("repo/settings.json", #"{"prompt": "JULIET:", "seed": \#(seed), "max_length": 16, "model": "models/tiny"}"#)
        try work.git("commit", "-q", "-am", "seed \(seed)")
        try work.git("push", "-q", "origin", "main")
        return try work.git("rev-parse", "HEAD")
    }

    @Test func aPushSeenByPollingBecomesAVersionTracedToItsCommit() throws {
        let (work, remote) = try makeRemote()
        let home = scratch("home")
        let withToken = try WFBinary.run(["link", "https://me:ghp_secret@github.com/me/x.git", "--home", home])
        #expect(withToken.status != 0 && withToken.stderr.contains("--token-env") && !withToken.stderr.contains("ghp_secret"), "\(withToken.stderr)")
        let linked = try WFBinary.run(["link", remote, "--branch", "main", "--poll", "1", "--home", home])
        #expect(linked.status == 0 && linked.stdout.contains("linked remote"), "\(linked.stderr)")
        #expect(try WFBinary.run(["links", "ls", "--home", home]).stdout.contains(remote))
        let daemon = try DaemonProcess(home: home, scratch: scratch)
        #expect(try eventually { daemon.log.contains("wf daemon in") })
        let second = try WFBinary.run(["daemon", "--home", home])
        #expect(second.status != 0 && second.stderr.contains("another wf daemon (pid \(daemon.process.processIdentifier)) runs on"), "\(second.stderr)")

        let commit = try pushSettings(work, seed: 7)
        #expect(try eventually { try versions(home).count == 1 }, "no version; daemon log:\n\(daemon.log)")
        let version = try #require(try versions(home).first)
        #expect(version.provenance.commit == commit && version.provenance.repository == remote)
        #expect(try WFBinary.run(["datasets", "cat", "generated-text", "outputs.txt", "--home", home]).stdout.hasPrefix("---\nOutput 1 of 1\n---\n\nJULIET:"))
        let state = try status(home)
        #expect(state.queue.count == 1 && state.queue[0].source == .poll && state.queue[0].status == .succeeded)
        #expect(state.links.first?.heads["refs/heads/main"] == commit)
        #expect(state.runs.first?.trigger == "poll remote refs/heads/main")
        #expect(daemon.stop() == 0, "\(daemon.log)")
        #expect(daemon.log.contains("stopped"))
        // Nothing new was pushed: a second daemon runs nothing again.
        let again = try DaemonProcess(home: home, scratch: scratch, label: "again")
        usleep(2_500_000)
        again.stop()
        #expect(try versions(home).count == 1)
        // Unlinked: gone from the list, its mirror deleted.
        #expect(try WFBinary.run(["links", "rm", "remote", "--home", home]).status == 0)
        #expect(try WFBinary.run(["links", "ls", "--home", home]).stdout.contains("no links yet"))
        #expect(!FileManager.default.fileExists(atPath: "\(home)/mirrors/remote.git"))
        #expect(try WFBinary.run(["links", "rm", "remote", "--home", home]).stderr.contains("no link named remote"))
    }

    /// The actions through real HTTP: trigger a link at a commit and at its newest, re-run one
    /// job of a run (the checkout it needs reused), and a dashboard button after a login.
    @Test func actionsOverHTTPTriggerRerunAndLogIn() throws {
        let (work, remote) = try makeRemote()
        let home = scratch("home")
        let first = try work.git("rev-parse", "HEAD")
        #expect(try WFBinary.run(["link", remote, "--branch", "main", "--poll", "0", "--home", home]).status == 0)
        let daemon = try DaemonProcess(home: home, scratch: scratch, listen: true, environment: ["WF_TEST_API_KEY": "k-123"],
                                       arguments: ["--api-key-env", "WF_TEST_API_KEY"])
        let url = try daemon.url()
        /// curl's status code, body and headers, lowercased (no redirect followed).
        func curl(_ method: String, _ path: String, _ extra: [String] = []) throws -> (status: Int, body: String, headers: String) {
            let body = scratch("curl-body"), headers = scratch("curl-headers")
            let result = try Shell.run("curl", ["-s", "-X", method, "-o", body, "-D", headers, "-w", "%{http_code}"] + extra + [url + path])
            return (Int(result.stdout) ?? 0, (try? String(contentsOfFile: body, encoding: .utf8)) ?? "",
                    ((try? String(contentsOfFile: headers, encoding: .utf8)) ?? "").lowercased())
        }
        let bearer = ["-H", "Authorization: Bearer k-123"]

        #expect(try curl("POST", "/api/links/remote/trigger").status == 401)
        let triggered = try curl("POST", "/api/links/remote/trigger", bearer + ["-H", "Content-Type: application/json", "-d", #"{"commit": "\#(first)"}"#])
        #expect(triggered.status == 202 && triggered.body.contains(#""queued":[{"#), "\(triggered.body)")
        #expect(try eventually { try versions(home).count == 1 }, "no version; daemon log:\n\(daemon.log)")
        let original = try #require(try versions(home).first?.provenance.run)
        #expect(try versions(home).first?.provenance.commit == first)

        // Pushed but not polled: a trigger without a commit runs the branch's newest.
        let second = try pushSettings(work, seed: 2)
        #expect(try curl("POST", "/api/links/remote/trigger", bearer).status == 202)
        #expect(try eventually { try versions(home).count == 2 }, "daemon log:\n\(daemon.log)")
        #expect(try versions(home).first?.provenance.commit == second)

        // generateText again at the first commit, its checkout reused from the original run.
        let rerun = try curl("POST", "/api/runs/\(original)/jobs/generateText/rerun", bearer)
        #expect(rerun.status == 202 && rerun.body.contains(#""rerun_job":"generateText""#), "\(rerun.body)")
        #expect(try eventually { try versions(home).count == 3 }, "daemon log:\n\(daemon.log)")
        let latest = try #require(try versions(home).first)
        #expect(latest.provenance.commit == first && latest.provenance.run != original)
        let record = try curl("GET", "/api/runs/\(latest.provenance.run!)", bearer).body
        #expect(record.contains(#""reused_from":"\#(original)""#) && record.contains(#""rerun_of":"\#(original)""#), "\(record)")

        // A browser: the page sends it to the login, the key gives a session cookie, a button re-runs the whole run.
        #expect(try curl("GET", "/ui/runs/\(original)").headers.contains("location: /ui/login?next="))
        let login = try curl("POST", "/ui/login", ["--data-urlencode", "key=k-123", "--data-urlencode", "next=/ui/runs/\(original)"])
        let cookie = try #require(login.headers.split(separator: "\r\n").first { $0.hasPrefix("set-cookie:") }?
            .dropFirst("set-cookie: ".count).prefix { $0 != ";" }, "\(login.headers)")
        let page = try curl("GET", "/ui/runs/\(original)", ["-H", "Cookie: \(cookie)"])
        #expect(page.status == 200 && page.body.contains("/ui/runs/\(original)/rerun"), "\(page.body.prefix(2000))")
        let button = try curl("POST", "/ui/runs/\(original)/rerun", ["-H", "Cookie: \(cookie)"])
        #expect(button.status == 303 && button.headers.contains("location: /ui?link=remote"), "\(button.headers)")
        #expect(try eventually { try versions(home).count == 4 }, "daemon log:\n\(daemon.log)")
        #expect(daemon.stop() == 0, "\(daemon.log)")
    }

    @Test func webhooksQueueAPushAtOnceAndRefuseWhatTheyShould() throws {
        let (work, remote) = try makeRemote()
        let home = scratch("home"), secret = "It's a Secret to Everybody"
        #expect(try WFBinary.run(["link", remote, "--poll", "0", "--webhook-secret-env", "WF_TEST_HOOK_SECRET", "--home", home]).status == 0)
        #expect(!(try WFBinary.run(["links", "ls", "--json", "--home", home]).stdout.contains(secret)))
        let daemon = try DaemonProcess(home: home, scratch: scratch, listen: true, environment: ["WF_TEST_HOOK_SECRET": secret])
        let hook = try daemon.url() + "/hooks/github"
        @Sendable func deliver(_ body: String, event: String = "push", signature: String? = nil) throws -> HTTPClient.Reply {
            let bytes = Array(body.utf8)
            return try HTTPClient.post(hook, headers: ["X-GitHub-Event": event, "Content-Type": "application/json",
                                                       "X-Hub-Signature-256": signature ?? WebhookSignature.sign(bytes, secret: secret, forge: .github)],
                                       body: bytes)
        }
        func payload(_ commit: String, ref: String = "refs/heads/main", cloneURL: Bool = true) -> String {
            let urls = cloneURL ? #""clone_url":"\#(remote)","html_url":"\#(remote)","url":"\#(remote)""# : #""url":"\#(remote)""#
            return #"{"ref":"\#(ref)","before":"0000000000000000000000000000000000000000","after":"\#(commit)","repository":{"name":"remote","full_name":"me/remote",\#(urls)},"pusher":{"name":"me"},"commits":[]}"#
        }

        #expect(try deliver(#"{"zen":"Design for failure.","hook_id":1}"#, event: "ping").status == 200)
        let commit = try pushSettings(work, seed: 11)
        #expect(try deliver(payload(commit), signature: "sha256=" + String(repeating: "0", count: 64)).status == 401)
        #expect(try deliver(payload(commit), signature: "").status == 401)
        #expect(try status(home).queue.isEmpty, "a delivery with a bad signature queued a run")
        #expect(try deliver("{ not json").status == 400)
        #expect(try HTTPClient.post(hook, headers: ["X-GitHub-Event": "push"], body: [UInt8](repeating: 0x20, count: 2 << 20)).status == 413)
        #expect(try deliver(payload(String(repeating: "0", count: 40))).status == 200)  // a deleted branch runs nothing

        let accepted = try deliver(payload(commit))
        #expect(accepted.status == 202 && accepted.body.contains(".gradient/workflows/nlp.yaml"), "\(accepted.body)")
        #expect(try eventually { try versions(home).first?.provenance.commit == commit }, "\(daemon.log)")
        #expect(try status(home).queue.first?.source == .webhook)

        // GitHub's other content type: the JSON in a form's payload field, the signature over the form as sent.
        let formCommit = try pushSettings(work, seed: 21)
        let form = Array(("payload=" + payload(formCommit).addingPercentEncoding(withAllowedCharacters: .alphanumerics)!).utf8)
        let formReply = try HTTPClient.post(hook, headers: ["X-GitHub-Event": "push", "Content-Type": "application/x-www-form-urlencoded",
                                                            "X-Hub-Signature-256": WebhookSignature.sign(form, secret: secret, forge: .github)], body: form)
        #expect(formReply.status == 202 && formReply.body.contains(".gradient/workflows/nlp.yaml"), "\(formReply.body)")
        #expect(try eventually { try versions(home).first?.provenance.commit == formCommit }, "\(daemon.log)")

        // 100 identical deliveries of a new push at once: one run. An older payload shape
        // without clone_url still matches the link.
        let next = try pushSettings(work, seed: 12)
        let body = payload(next, cloneURL: false)
        final class Statuses: @unchecked Sendable { var values = [Int](); let lock = NSLock() }
        let statuses = Statuses()
        DispatchQueue.concurrentPerform(iterations: 100) { _ in
            let status = (try? deliver(body).status) ?? -1
            statuses.lock.withLock { statuses.values.append(status) }
        }
        #expect(statuses.values.allSatisfy { $0 == 202 }, "\(Set(statuses.values))")
        #expect(try eventually { try versions(home).first?.provenance.commit == next }, "\(daemon.log)")
        usleep(500_000)
        let state = try status(home)
        #expect(state.queue.filter { $0.commit == next }.count == 1)
        #expect(state.runs.filter { $0.commit == next }.count == 1)
        #expect(try versions(home).count == 3)

        // Gitea signs like GitHub without the prefix; GitLab sends the secret itself.
        for (forge, headers) in [("gitea", { (body: [UInt8]) in ["X-Gitea-Event": "push", "X-Gitea-Signature": WebhookSignature.sign(body, secret: secret, forge: .gitea)] }),
                                 ("gitlab", { (_: [UInt8]) in ["X-Gitlab-Event": "Push Hook", "X-Gitlab-Token": secret] })] {
            let commit = try pushSettings(work, seed: forge == "gitea" ? 13 : 14)
            let body = Array((forge == "gitea" ? payload(commit)
                : #"{"object_kind":"push","ref":"refs/heads/main","after":"\#(commit)","project":{"git_http_url":"\#(remote)"}}"#).utf8)
            let url = hook.replacingOccurrences(of: "/hooks/github", with: "/hooks/\(forge)")
            var forged = headers(body)
            forged[forge == "gitea" ? "X-Gitea-Signature" : "X-Gitlab-Token"] = forge == "gitea" ? String(repeating: "0", count: 64) : "wrong"
            #expect(try HTTPClient.post(url, headers: forged, body: body).status == 401, "\(forge)")
            let reply = try HTTPClient.post(url, headers: headers(body), body: body)
            #expect(reply.status == 202, "\(forge): \(reply.body)")
            #expect(try eventually { try versions(home).first?.provenance.commit == commit }, "\(forge)\n\(daemon.log)")
        }

        // Another daemon (another home) on a port in use says so and exits 1.
        let port = String(hook.split(separator: ":").last!.split(separator: "/").first!)
        let busy = try WFBinary.run(["daemon", "--home", scratch("other"), "--listen", "127.0.0.1:\(port)"])
        #expect(busy.status == 1 && busy.stderr.contains("cannot take webhooks on 127.0.0.1:\(port)"), "\(busy.stderr)")
        #expect(daemon.stop() == 0)
        #expect(!daemon.log.contains(secret))
    }

    static let slowWorkflow = """
        on:
          github:
            branches:
              only: main
        jobs:
          slow:
            outputs:
              out: {type: dataset, with: {ref: slow-out}}
            env: {COMMIT: context.event.github.ref}
            uses: script@v1
            with:
              script: |-
                sleep 1.5
                echo "$COMMIT" > /outputs/out/commit.txt
        """

    /// A daemon killed mid-queue loses nothing: restarted, it retries the run it cut off
    /// once and runs the rest, each commit exactly once. SIGTERM lets the current run finish.
    @Test(.enabled(if: WorkflowRepository.sandboxWorks, "bubblewrap cannot create a sandbox here"))
    func aKilledDaemonLosesNoQueuedRunAndRepeatsNoFinishedOne() throws {
        let (work, remote) = try makeRemote(workflow: Self.slowWorkflow)
        let home = scratch("home")
        #expect(try WFBinary.run(["link", remote, "--poll", "0", "--home", home]).status == 0)
        var commits = [String]()
        for index in 1...3 {
            try work.scratch.write("repo/round.txt", "\(index)\n")
            try work.git("add", "-A")
            try work.git("commit", "-q", "-m", "round \(index)")
            try work.git("push", "-q", "origin", "main")
            commits.append(try work.git("rev-parse", "HEAD"))
            let queued = try WFBinary.run(["trigger", "remote", "--commit", commits.last!, "--home", home])
            #expect(queued.stdout.contains("queued .gradient/workflows/nlp.yaml"), "\(queued.stdout)\(queued.stderr)")
        }
        #expect(try WFBinary.run(["trigger", "remote", "--commit", commits[0], "--home", home]).stdout.contains("was queued before"))

        let first = try DaemonProcess(home: home, scratch: scratch, label: "first")
        // Killed once the run has started (its record exists), not just been claimed.
        #expect(try eventually { try status(home).queue.contains { $0.status == .running } && status(home).runs.first?.status == .running },
                "\(first.log)")
        first.stop(SIGKILL)
        let cut = try #require(try status(home).queue.first { $0.status == .running })
        #expect(try status(home).runs.first?.status == .interrupted)

        let second = try DaemonProcess(home: home, scratch: scratch, label: "second")
        #expect(try eventually(90) { try status(home).queue.allSatisfy { $0.status == .succeeded } }, "\(second.log)")
        #expect(second.log.contains("was cut off; running it again"))
        let outputs = try versions(home, "slow-out").map { $0.provenance.commit ?? "" }
        #expect(Set(outputs) == Set(commits) && outputs.count == 3, "\(outputs)")
        let queue = try status(home).queue
        #expect(queue.first { $0.id == cut.id }?.attempts == 2 && queue.filter { $0.id != cut.id }.allSatisfy { $0.attempts == 1 })
        #expect(second.stop() == 0)

        // SIGTERM while a run is going: it finishes and is recorded before the daemon exits.
        try work.scratch.write("repo/round.txt", "4\n")
        try work.git("commit", "-q", "-am", "round 4")
        try work.git("push", "-q", "origin", "main")
        #expect(try WFBinary.run(["trigger", "remote", "--home", home]).status == 0)
        let third = try DaemonProcess(home: home, scratch: scratch, label: "third")
        #expect(try eventually { try status(home).queue.contains { $0.status == .running } }, "\(third.log)")
        #expect(third.stop(SIGTERM) == 0)
        #expect(try status(home).queue.allSatisfy { $0.status == .succeeded })
        #expect(try versions(home, "slow-out").count == 4)
    }

    /// Pushes that land during a run: each one a webhook reports is queued and runs after it,
    /// in order; polling sees only the newest commit of a ref at each fetch.
    @Test(.enabled(if: WorkflowRepository.sandboxWorks, "bubblewrap cannot create a sandbox here"))
    func pushesDuringARunRunAfterItInOrder() throws {
        let (work, remote) = try makeRemote(workflow: Self.slowWorkflow)
        let home = scratch("home"), secret = "several-pushes"
        #expect(try WFBinary.run(["link", remote, "--poll", "0", "--webhook-secret-env", "WF_TEST_HOOK_SECRET", "--home", home]).status == 0)
        let daemon = try DaemonProcess(home: home, scratch: scratch, listen: true, environment: ["WF_TEST_HOOK_SECRET": secret])
        let hook = try daemon.url() + "/hooks/github"
        func push(_ round: Int) throws -> String {
            try work.scratch.write("repo/round.txt", "\(round)\n")
            try work.git("add", "-A")
            try work.git("commit", "-q", "-m", "round \(round)")
            try work.git("push", "-q", "origin", "main")
            let commit = try work.git("rev-parse", "HEAD")
            let body = Array(#"{"ref":"refs/heads/main","after":"\#(commit)","repository":{"clone_url":"\#(remote)"}}"#.utf8)
            let reply = try HTTPClient.post(hook, headers: ["X-GitHub-Event": "push",
                                                            "X-Hub-Signature-256": WebhookSignature.sign(body, secret: secret, forge: .github)], body: body)
            #expect(reply.status == 202, "\(reply.body)")
            return commit
        }
        let first = try push(1)
        #expect(try eventually { try status(home).queue.contains { $0.commit == first && $0.status == .running } }, "\(daemon.log)")
        let later = [try push(2), try push(3)]
        #expect(try status(home).queue.filter { later.contains($0.commit) }.allSatisfy { $0.status == .queued })
        #expect(try eventually(60) { try status(home).queue.count == 3 && status(home).queue.allSatisfy { $0.status == .succeeded } }, "\(daemon.log)")
        let order = try status(home).queue.sorted { $0.started! < $1.started! }.map(\.commit)
        #expect(order == [first] + later)
        #expect(try versions(home, "slow-out").map { $0.provenance.commit ?? "" }.reversed() == [first] + later)
        #expect(daemon.stop() == 0)

        // Polling: two commits that land between two fetches run once, for the newest.
        #expect(try WFBinary.run(["link", remote, "--name", "polled", "--branch", "main", "--poll", "1", "--home", home]).status == 0)
        try work.scratch.write("repo/round.txt", "4\n")
        try work.git("commit", "-q", "-am", "round 4")
        try work.git("push", "-q", "origin", "main")
        try work.scratch.write("repo/round.txt", "5\n")
        try work.git("commit", "-q", "-am", "round 5")
        try work.git("push", "-q", "origin", "main")
        let newest = try work.git("rev-parse", "HEAD")
        let polling = try DaemonProcess(home: home, scratch: scratch, label: "polling")
        #expect(try eventually(60) { try versions(home, "slow-out").first?.provenance.commit == newest }, "\(polling.log)")
        usleep(1_500_000)
        #expect(try versions(home, "slow-out").count == 4)
        #expect(try status(home).queue.filter { $0.link == "polled" }.map(\.commit) == [newest])
        polling.stop()
    }

    /// A workflow pushed to a linked repository may not read the daemon's machine: a volume
    /// input or a local repository path fails its run, which `wf status` shows.
    @Test func runsStartedByAPushCannotReachHostPaths() throws {
        let workflow = """
            inputs:
              host: {type: volume, with: {ref: /etc}}
            jobs:
              peek:
                inputs: {host: workflow.inputs.host}
                outputs:
                  out: {type: dataset, with: {ref: peeked}}
                uses: script@v1
                with: {script: "cp /inputs/host/hostname /outputs/out/"}
            """
        let (work, remote) = try makeRemote(workflow: workflow)
        let home = scratch("home")
        #expect(try WFBinary.run(["link", remote, "--poll", "0", "--home", home]).status == 0)
        #expect(try WFBinary.run(["trigger", "remote", "--home", home]).status == 0)
        let daemon = try DaemonProcess(home: home, scratch: scratch)
        #expect(try eventually { try status(home).queue.first?.status == .failed }, "\(daemon.log)")
        #expect(try status(home).queue.first?.detail?.contains("may not read") == true)
        #expect(!(try WFBinary.run(["datasets", "ls", "--json", "--home", home]).stdout.contains("peeked")))
        daemon.stop()
    }

    /// A symbolic link committed in the pushed repository, or written by an earlier job, to a
    /// host file: in a run started by a push it is refused, never followed (create-model once
    /// committed the host file into a dataset through it).
    @Test(.enabled(if: WorkflowRepository.sandboxWorks, "bubblewrap cannot create a sandbox here"))
    func linksLeavingTheRepositoryOrAnInputAreNotFollowed() throws {
        let secret = try scratch.write("host/secret.txt", "host secret\n")
        let workflow = """
            jobs:
              cloneRepo:
                outputs: {repo: {type: volume}}
                uses: git-checkout@v1
                with: {url: context.event.github.url}
              register:
                needs: [cloneRepo]
                inputs: {repo: cloneRepo.outputs.repo}
                uses: create-model@v1
                with: {name: leaked, type: Custom}
            """
        let (work, remote) = try makeRemote(workflow: workflow)
        let home = scratch("home")
        #expect(try WFBinary.run(["link", remote, "--poll", "0", "--home", home]).status == 0)
        let daemon = try DaemonProcess(home: home, scratch: scratch)
        defer { daemon.stop() }
        func pushAndWait(_ message: String) throws -> String? {
            try work.git("add", "-A")
            try work.git("commit", "-q", "-m", message)
            try work.git("push", "-q", "origin", "main")
            let head = try work.git("rev-parse", "HEAD")
            #expect(try WFBinary.run(["trigger", "remote", "--home", home]).status == 0)
            #expect(try eventually { try status(home).queue.contains { $0.commit == head && ($0.status == .failed || $0.status == .succeeded) } },
                    "\(daemon.log)")
            return try status(home).queue.first { $0.commit == head }?.detail
        }
        try FileManager.default.createSymbolicLink(atPath: "\(work.path)/secret.txt", withDestinationPath: secret)
        let linked = try pushAndWait("a link to a host file")
        #expect(linked?.contains("secret.txt, a symbolic link to outside it") == true, "\(linked ?? "")\n\(daemon.log)")

        // Written by an earlier job instead: the job that reads it is refused.
        try FileManager.default.removeItem(atPath: "\(work.path)/secret.txt")
        try work.write(workflow: workflow.replacingOccurrences(of: """
                uses: git-checkout@v1
                with: {url: context.event.github.url}
            """, with: """
                uses: script@v1
                with: {script: "ln -s \(secret) /outputs/repo/secret.txt"}
            """))
        let written = try pushAndWait("a job writes the link")
        #expect(written?.contains("input repo holds secret.txt, a symbolic link to outside it") == true, "\(written ?? "")\n\(daemon.log)")
        #expect(!(try WFBinary.run(["datasets", "ls", "--json", "--home", home]).stdout.contains("leaked")))
    }

    /// A pushed commit with a submodule runs (its files exported, the gitlink skipped: it once
    /// failed with "cannot get submodules without a working tree"), and a run that fails while
    /// being prepared has a run record saying why (`wf status` once named a run `wf runs show`
    /// did not know).
    @Test func submodulesAreSkippedAndEveryFailedRunIsRecorded() throws {
        let (work, remote) = try makeRemote()
        let inner = scratch("inner")
        _ = try Shell.run("git", ["init", "-q", "-b", "main", inner])
        _ = try Shell.run("git", ["-C", inner, "-c", "user.name=t", "-c", "user.email=t@localhost", "commit", "-q", "--allow-empty", "-m", "inner"])
        try work.git("-c", "protocol.file.allow=always", "submodule", "add", "-q", inner, "vendor/inner")
        let home = scratch("home")
        #expect(try WFBinary.run(["link", remote, "--poll", "0", "--home", home]).status == 0)
        let withSubmodule = try pushSettings(work, seed: 31)
        #expect(try WFBinary.run(["trigger", "remote", "--home", home]).status == 0)
        let daemon = try DaemonProcess(home: home, scratch: scratch)
        #expect(try eventually { try versions(home).first?.provenance.commit == withSubmodule }, "\(daemon.log)")

        // A with: value of the wrong type is found when the run is planned, after it was queued.
        try work.write(workflow: RunCommandTests.workflow.replacingOccurrences(of: "settings: repo/settings.json", with: "settings: repo/settings.json\n      top_k: forty"))
        try work.git("commit", "-q", "-am", "a bad top_k")
        try work.git("push", "-q", "origin", "main")
        #expect(try WFBinary.run(["trigger", "remote", "--home", home]).status == 0)
        #expect(try eventually { try status(home).queue.contains { $0.status == .failed } }, "\(daemon.log)")
        let failed = try #require(try status(home).queue.first { $0.status == .failed })
        let runID = try #require(failed.runID)
        let shown = try WFBinary.run(["runs", "show", runID, "--home", home])
        #expect(shown.status == 0 && shown.stdout.contains("failed") && shown.stdout.contains("top_k: expected a whole number, not forty"), "\(shown.stdout)\(shown.stderr)")
        daemon.stop()
    }

    /// A pushed model whose safetensors header claims 2^63 bytes once killed the daemon (and the
    /// retry after a restart killed it again): now the run fails with the reason, the daemon
    /// lives on, and the next push runs.
    @Test func aCraftedModelFailsItsRunNotTheDaemon() throws {
        let (work, remote) = try makeRemote()
        let home = scratch("home")
        #expect(try WFBinary.run(["link", remote, "--poll", "1", "--home", home]).status == 0)
        let daemon = try DaemonProcess(home: home, scratch: scratch)
        #expect(try eventually { daemon.log.contains("wf daemon in") })
        let weights = "\(work.path)/models/tiny/model.safetensors"
        let good = try Data(contentsOf: URL(fileURLWithPath: weights))
        var crafted = good
        withUnsafeBytes(of: (UInt64(1) << 63).littleEndian) { crafted.replaceSubrange(0..<8, with: $0) }
        try crafted.write(to: URL(fileURLWithPath: weights))
        _ = try pushSettings(work, seed: 41)
        #expect(try eventually { try status(home).queue.contains { $0.status == .failed } }, "\(daemon.log)")
        #expect(try status(home).queue.first { $0.status == .failed }?.detail?.contains("over the format's limit") == true)
        #expect(daemon.process.isRunning, "the daemon died: \(daemon.log)")
        try good.write(to: URL(fileURLWithPath: weights))
        let fixed = try pushSettings(work, seed: 42)
        #expect(try eventually { try versions(home).first?.provenance.commit == fixed }, "\(daemon.log)")
        daemon.stop()
    }
}
