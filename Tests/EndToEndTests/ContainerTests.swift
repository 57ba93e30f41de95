import Foundation
import Testing
import TestSupport

/// Script and container steps in their images with a real Podman (runc), images built
/// locally by `scripts/containers images`, pulls from a real registry on 127.0.0.1.
@Suite(.enabled(if: Podman.works, Comment(rawValue: Podman.reason)))
struct ContainerTests {
    let scratch = Scratch("wf-container")

    /// The Gradient tutorial, unchanged: its script runs in `paperspace/transformers-gpu:0.4.0`
    /// (built here with Python, a stand-in `transformers` and a `pip3` that does nothing),
    /// and the `output.txt` it writes becomes a version of `demo-dataset`.
    @Test func theTutorialsWorkflowRunsUnchangedInItsImage() throws {
        let checkout = scratch("tutorial")
        try Shell.run("git", ["clone", "-q", Fixtures.shared("seed-repos/NLP-Text-Generation.bundle"), checkout])
        let home = scratch("home")
        let result = try WFBinary.run(["run", "--runtime", "podman", "--home", home], in: checkout)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("running in paperspace/transformers-gpu:0.4.0"), "\(result.stderr)")
        #expect(result.stderr.contains("pip3 install -U transformers: skipped"), "the image's pip3 did not run: \(result.stderr)")
        let text = try WFBinary.run(["datasets", "cat", "demo-dataset", "output.txt", "--home", home]).stdout
        #expect(text.hasPrefix("---\nOutput 1 of 5\n---\n\nHello, I'm a language model, [stand-in transformers: model gpt2, seed 42"), "\(text)")
        #expect(text.components(separatedBy: "\n---\n").count == 10)
        let show = try WFBinary.run(["datasets", "show", "demo-dataset", "--home", home]).stdout
        let imageID = try Shell.run("podman", ["image", "inspect", "--format", "{{.Id}}", "paperspace/transformers-gpu:0.4.0"])
            .stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(show.contains("image     sha256:\(imageID)"), "provenance lacks the image that ran: \(show)")
        let run = try WFBinary.run(["runs", "show", "--home", home]).stdout
        #expect(run.contains("image of generateText: paperspace/transformers-gpu:0.4.0 sha256:\(imageID)"), "the run record lacks the image: \(run)")
    }

    /// A job's `resources: limits:` reach the container: its memory and pids cgroup limits
    /// and the size of its /tmp.
    @Test func aJobsLimitsBoundItsContainer() throws {
        let repo = try WorkflowRepository(in: scratch, workflow: """
            jobs:
              probe:
                resources:
                  limits: {memory: 256Mi, processes: 100, tmp-size: 3Mi}
                outputs:
                  report: {type: dataset, with: {ref: report}}
                uses: script@v1
                with:
                  image: localhost/wf-test/busybox:1
                  script: |-
                    cat /sys/fs/cgroup/memory/memory.limit_in_bytes > /outputs/report/memory.txt 2>/dev/null || cat /sys/fs/cgroup/memory.max > /outputs/report/memory.txt
                    cat /sys/fs/cgroup/pids/pids.max > /outputs/report/pids.txt 2>/dev/null || cat /sys/fs/cgroup/pids.max > /outputs/report/pids.txt
                    df -k /tmp | tail -1 | awk '{print $2}' > /outputs/report/tmp.txt
            """)
        let home = scratch("home")
        let result = try WFBinary.run(["run", "--runtime", "podman", repo.workflowFile, "--home", home])
        #expect(result.status == 0, "\(result.stderr)")
        func file(_ name: String) throws -> String { try WFBinary.run(["datasets", "cat", "report", name, "--home", home]).stdout }
        #expect(try file("memory.txt") == "\(256 << 20)\n")
        #expect(try file("pids.txt") == "100\n")
        #expect(try file("tmp.txt") == "3072\n")
    }

    /// A step sees the image's files, not the host's: the image has a marker the host lacks,
    /// and lacks git, which the host has. Inputs are read-only, outputs land in the dataset,
    /// the environment arrives, and there is no network.
    @Test func aStepRunsInItsImageNotOnTheHost() throws {
        #expect(!FileManager.default.fileExists(atPath: "/etc/wf-test-image"), "the host must not have the image's marker")
        let repo = try WorkflowRepository(in: scratch, workflow: """
            jobs:
              cloneRepo:
                outputs:
                  repo: {type: volume}
                uses: git-checkout@v1
              probe:
                needs: [cloneRepo]
                inputs: {repo: cloneRepo.outputs.repo}
                outputs:
                  report: {type: dataset, with: {ref: report}}
                env: {GREETING: hello}
                uses: script@v1
                with:
                  image: localhost/wf-test/busybox:1
                  script: |-
                    cat /etc/wf-test-image > /outputs/report/image.txt
                    if [ -e /usr/bin/git ]; then echo host > /outputs/report/git.txt; fi
                    if touch /inputs/repo/escape 2>/dev/null; then echo writable > /outputs/report/input.txt; fi
                    if ping -c 1 -W 1 10.88.0.1 >/dev/null 2>&1; then echo online > /outputs/report/network.txt; fi
                    echo "$GREETING from $(cat /etc/wf-test-image)" > /outputs/report/greeting.txt
                    wc -c < /inputs/repo/settings.json > /outputs/report/bytes.txt
            """)
        let home = scratch("home")
        let result = try WFBinary.run(["run", repo.workflowFile, "--runtime", "podman", "--home", home])
        #expect(result.status == 0, "\(result.stderr)")
        let files = try WFBinary.run(["datasets", "show", "report", "--json", "--home", home]).stdout
        #expect(files.contains("image.txt") && files.contains("bytes.txt"), "\(files)")
        #expect(!files.contains("git.txt") && !files.contains("input.txt") && !files.contains("network.txt"), "\(files)")
        #expect(try WFBinary.run(["datasets", "cat", "report", "greeting.txt", "--home", home]).stdout == "hello from localhost/wf-test/busybox:1\n")

        // The reverse: bubblewrap runs the same script on the host's system, which has git and no marker.
        guard WorkflowRepository.sandboxWorks else { return }
        let onHost = try WFBinary.run(["run", repo.workflowFile, "--runtime", "bwrap", "--home", home])
        #expect(onHost.status != 0 && onHost.stderr.contains("/etc/wf-test-image"), "the host has no marker, so cat fails: \(onHost.stderr)")
    }

    /// `--pull missing` fetches an image the machine lacks from a registry (here one on
    /// 127.0.0.1), with its progress in the log; `--pull never` refuses to.
    @Test func anImageIsPulledFromARegistry() throws {
        let registry = try LocalRegistry(scratch("registry"))
        defer { registry.stop() }
        let image = try registry.holdOnly("wf-test/busybox:pulled-\(UInt32.random(in: 0...UInt32.max))")
        defer { _ = try? Shell.run("podman", ["rmi", image]) }

        let repo = try WorkflowRepository(in: scratch, workflow: """
            jobs:
              hello:
                outputs:
                  out: {type: dataset, with: {ref: pulled}}
                uses: container@v1
                with:
                  image: \(image)
                  args: [sh, -c, "cat /etc/wf-test-image > /outputs/out/marker.txt"]
            """)
        let home = scratch("home")
        let refused = try WFBinary.run(["run", repo.workflowFile, "--runtime", "podman", "--pull", "never", "--home", home])
        #expect(refused.status != 0 && refused.stderr.contains("image \(image) is not on this machine and --pull never forbids fetching it"),
                "\(refused.stderr)")
        let result = try WFBinary.run(["run", repo.workflowFile, "--runtime", "podman", "--home", home])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("pulling \(image)") && result.stderr.contains("Writing manifest"), "\(result.stderr)")
        #expect(try WFBinary.run(["datasets", "cat", "pulled", "marker.txt", "--home", home]).stdout == "localhost/wf-test/busybox:1\n")
    }

    /// A private registry: the pull fails without credentials, and works with them from a wf
    /// secret (a `config.json` as `podman login` writes it), which no log shows.
    @Test func aPrivateImageIsPulledWithCredentialsFromASecret() throws {
        let registry = try LocalRegistry(scratch("registry"), credentials: "robot:pa55-w0rd")
        defer { registry.stop() }
        let image = try registry.holdOnly("private/busybox:\(UInt32.random(in: 0...UInt32.max))", credentials: "robot:pa55-w0rd")
        defer { _ = try? Shell.run("podman", ["rmi", image]) }
        let repo = try WorkflowRepository(in: scratch, workflow: """
            jobs:
              hello:
                outputs:
                  out: {type: dataset, with: {ref: private}}
                uses: script@v1
                with:
                  image: \(image)
                  script: cat /etc/wf-test-image > /outputs/out/marker.txt
            """)
        let home = scratch("home")
        let secrets = ["WF_SECRETS": scratch("secrets")]
        let refused = try WFBinary.run(["run", repo.workflowFile, "--runtime", "podman", "--home", home], environment: secrets)
        #expect(refused.status != 0 && refused.stderr.contains("cannot pull image \(image)"), "\(refused.stderr)")
        let auth = Data("robot:pa55-w0rd".utf8).base64EncodedString()
        let config = #"{"auths": {"127.0.0.1:\#(registry.port)": {"auth": "\#(auth)"}}}"#
        #expect(try WFBinary.run(["secrets", "set", "REGISTRY"], environment: secrets, input: config).status == 0)
        let pulled = try WFBinary.run(["run", repo.workflowFile, "--runtime", "podman", "--registry-auth", "REGISTRY", "--home", home],
                                      environment: secrets)
        #expect(pulled.status == 0, "\(pulled.stderr)")
        #expect(!pulled.stderr.contains(auth) && !pulled.stderr.contains("pa55-w0rd"))
        #expect(try WFBinary.run(["datasets", "cat", "private", "marker.txt", "--home", home]).stdout == "localhost/wf-test/busybox:1\n")
        #expect(!FileManager.default.fileExists(atPath: "\(home)/runs/registry"), "the credentials file outlived the run")
        let leftovers = (try? FileManager.default.subpathsOfDirectory(atPath: "\(home)/runs")) ?? []
        #expect(!leftovers.contains { $0.hasSuffix("config.json") }, "\(leftovers)")
    }

    /// The timeout kills the step and removes its container; a wf killed with SIGKILL leaves
    /// its container running, and the next wf that uses the runtime removes it.
    @Test func timeoutsAndKilledRunsLeaveNoContainer() throws {
        let repo = try WorkflowRepository(in: scratch, workflow: """
            jobs:
              slow:
                outputs:
                  out: {type: dataset, with: {ref: never}}
                uses: script@v1
                with:
                  image: localhost/wf-test/busybox:1
                  script: sleep 120
            """)
        let home = scratch("home")
        let timedOut = try WFBinary.run(["run", repo.workflowFile, "--runtime", "podman", "--timeout", "2", "--home", home])
        #expect(timedOut.status != 0 && timedOut.stderr.contains("killed after 2 s (the step timeout), and its container removed"), "\(timedOut.stderr)")
        let run = try #require(timedOut.stderr.split(separator: " ").first { $0.hasPrefix("run-") }.map { String($0.prefix { $0 != ":" }) })
        #expect(try Podman.containers(label: "wf.run=\(run)").isEmpty)

        let killed = try WFBinary.start(["run", repo.workflowFile, "--runtime", "podman", "--home", home], stdoutFile: scratch("killed.out"),
                                        stderrFile: scratch("killed.err"))
        let pid = killed.processIdentifier
        let started = try Podman.containersOnceStarted(by: pid)
        #expect(!started.isEmpty, "the step's container never started: \((try? scratch.read("killed.err")) ?? "")")
        kill(pid, SIGKILL)
        killed.waitUntilExit()
        #expect(try Podman.containers(label: "wf.pid=\(pid)") == started, "SIGKILL cannot take a container with it")

        // SIGTERM: wf removes its container before it dies.
        let stopped = try WFBinary.start(["run", repo.workflowFile, "--runtime", "podman", "--home", home], stdoutFile: scratch("stopped.out"),
                                         stderrFile: scratch("stopped.err"))
        let running = try Podman.containersOnceStarted(by: stopped.processIdentifier)
        #expect(!running.isEmpty)
        kill(stopped.processIdentifier, SIGTERM)
        stopped.waitUntilExit()
        #expect(stopped.terminationStatus != 0)
        #expect(try Podman.containers(label: "wf.pid=\(stopped.processIdentifier)").isEmpty, "SIGTERM left the container running")

        let quick = try WorkflowRepository(in: Scratch("wf-container-quick"), workflow: """
            jobs:
              quick:
                outputs:
                  out: {type: volume}
                uses: script@v1
                with:
                  image: localhost/wf-test/busybox:1
                  script: "true"
            """)
        #expect(try WFBinary.run(["run", quick.workflowFile, "--runtime", "podman", "--home", scratch("home2")]).status == 0)
        #expect(try Podman.containers(label: "wf.pid=\(pid)").isEmpty, "the next run did not remove the orphan")
    }

    /// `container@v1` as Kubernetes runs a container: `command` replaces the entry point (one
    /// word is a program, a line with spaces a shell command), `args` the `CMD`. A step that
    /// writes nothing into its dataset output fails rather than commit an empty version.
    @Test func containerCommandAndArgsFollowKubernetes() throws {
        let repo = try WorkflowRepository(in: scratch, workflow: """
            jobs:
              program:
                outputs:
                  out: {type: dataset, with: {ref: program}}
                uses: container@v1
                with:
                  image: localhost/wf-test/busybox:1
                  command: sh
                  args: ["-c", "echo program > /outputs/out/a.txt"]
              line:
                outputs:
                  out: {type: dataset, with: {ref: line}}
                uses: container@v1
                with:
                  image: localhost/wf-test/busybox:1
                  command: echo line > /outputs/out/b.txt
              list:
                outputs:
                  out: {type: dataset, with: {ref: list}}
                uses: container@v1
                with:
                  image: localhost/wf-test/busybox:1
                  command: ["sh", "-c"]
                  args: ["echo list > /outputs/out/c.txt"]
            """)
        let home = scratch("home")
        let result = try WFBinary.run(["run", repo.workflowFile, "--runtime", "podman", "--home", home])
        #expect(result.status == 0, "\(result.stderr)")
        for (dataset, file, text) in [("program", "a.txt", "program"), ("line", "b.txt", "line"), ("list", "c.txt", "list")] {
            #expect(try WFBinary.run(["datasets", "cat", dataset, file, "--home", home]).stdout == text + "\n")
        }
        try repo.write(workflow: """
            jobs:
              nothing:
                outputs:
                  out: {type: dataset, with: {ref: nothing}}
                uses: container@v1
                with:
                  image: localhost/wf-test/busybox:1
                  args: ["true"]
            """)
        let empty = try WFBinary.run(["run", repo.workflowFile, "--runtime", "podman", "--home", home])
        #expect(empty.status != 0 && empty.stderr.contains("dataset output out is empty: the step wrote nothing to /outputs/out"), "\(empty.stderr)")
    }

    /// Each mistake is one line that says what to do, a non-zero exit, and nothing committed.
    @Test func badImagesAndMissingRuntimesFailClearly() throws {
        let repo = try WorkflowRepository(in: scratch, workflow: """
            jobs:
              step:
                outputs:
                  out: {type: dataset, with: {ref: nothing}}
                uses: script@v1
                with:
                  image: localhost/wf-test/no-such-image:1
                  script: "true"
            """)
        let home = scratch("home")
        let missing = try WFBinary.run(["run", repo.workflowFile, "--runtime", "podman", "--home", home])
        #expect(missing.status != 0 && missing.stderr.contains("cannot pull image localhost/wf-test/no-such-image:1"), "\(missing.stderr)")
        let noPodman = try WFBinary.run(["run", repo.workflowFile, "--runtime", "podman", "--home", home], environment: ["PATH": scratch("empty")])
        #expect(noPodman.status != 0 && noPodman.stderr.contains("podman is not installed; install it (apt-get install podman runc)"),
                "\(noPodman.stderr)")
        let listed = try WFBinary.run(["datasets", "ls", "--json", "--home", home]).stdout
        #expect(!listed.contains("nothing"), "a failed run committed: \(listed)")
    }
}

/// The machine's Podman, as the tests use it.
enum Podman {
    static let images = ["localhost/wf-test/busybox:1", "paperspace/transformers-gpu:0.4.0"]

    /// Whether Podman runs containers here and the test images exist.
    static let works: Bool = reason.isEmpty

    static let reason: String = {
        guard let info = try? Shell.run("podman", ["info", "--format", "{{.Host.OCIRuntime.Name}}"]), info.status == 0 else {
            return "PODMAN CANNOT RUN HERE: container tests skipped; run scripts/containers setup && scripts/containers images (as root)"
        }
        for image in images where (try? Shell.run("podman", ["image", "exists", image]))?.status != 0 {
            return "TEST IMAGE \(image) IS MISSING: container tests skipped; run scripts/containers images"
        }
        return ""
    }()

    /// The containers process `pid` started, waiting up to 15 s for the first.
    static func containersOnceStarted(by pid: Int32) throws -> [String] {
        var names = [String]()
        for _ in 0..<300 where names.isEmpty {
            names = try containers(label: "wf.pid=\(pid)")
            if names.isEmpty { usleep(50_000) }
        }
        return names
    }

    static func containers(label: String) throws -> [String] {
        try Shell.run("podman", ["ps", "--all", "--filter", "label=\(label)", "--format", "{{.Names}}"]).stdout
            .split(separator: "\n").map(String.init).sorted()
    }
}

/// Debian's docker-registry on 127.0.0.1, started and stopped by `scripts/containers`.
struct LocalRegistry {
    let folder: String
    let port: Int

    /// `credentials`: USER:PASSWORD every request must carry.
    init(_ folder: String, credentials: String? = nil) throws {
        self.folder = folder
        var port = 0
        for _ in 0..<5 {
            let candidate = Int.random(in: 20000...40000)
            if try Self.script(["registry", "start", "\(candidate)", folder] + (credentials.map { [$0] } ?? [])) == 0 {
                port = candidate
                break
            }
        }
        guard port != 0 else { throw RegistryFailure() }
        self.port = port
    }

    func stop() { _ = try? Self.script(["registry", "stop", folder]) }

    /// Pushes the test busybox image here as `name` and removes it from this machine, so only
    /// the registry has it; returns the full name.
    func holdOnly(_ name: String, credentials: String? = nil) throws -> String {
        let image = "127.0.0.1:\(port)/\(name)"
        #expect(try Shell.run("podman", ["tag", "localhost/wf-test/busybox:1", image]).status == 0)
        #expect(try Shell.run("podman", ["push", "-q"] + (credentials.map { ["--creds", $0] } ?? []) + [image]).status == 0)
        #expect(try Shell.run("podman", ["rmi", image]).status == 0)
        return image
    }

    /// Runs `scripts/containers` with its output in no pipe: the registry it starts would
    /// hold a pipe open for as long as it runs.
    static func script(_ arguments: [String]) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Fixtures.checkout("scripts/containers"))
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }

    struct RegistryFailure: Error, CustomStringConvertible {
        var description: String { "docker-registry did not start on 127.0.0.1; run scripts/containers setup" }
    }
}
