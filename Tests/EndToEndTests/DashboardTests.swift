import Datasets
import Foundation
import Testing
import TestSupport

/// The dashboard in a real browser: Debian's chromium, headless, against `wf daemon --listen`
/// with a linked repository. A push appears as a run, the run page shows its graph and log,
/// the version page shows `outputs.txt` in place, and the diff page the changed line.
/// Screenshots are kept in `.build/screenshots/` (the README's pictures).
@Suite(.serialized) struct DashboardTests {
    let scratch = Scratch("wf-dashboard")

    static var chromium: String? {
        ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// The page's DOM after its scripts ran (`--dump-dom`), and a screenshot of it.
    func browse(_ url: String, screenshot: String? = nil) throws -> String {
        let profile = scratch("chromium-profile")
        let flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--user-data-dir=\(profile)",
                     "--virtual-time-budget=3000", "--window-size=1100,1400"]
        if let screenshot {
            let folder = Fixtures.checkout(".build/screenshots")
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            _ = try Shell.run(Self.chromium!, flags + ["--screenshot=\(folder)/\(screenshot).png", url])
        }
        let page = try Shell.run(Self.chromium!, flags + ["--dump-dom", url])
        return page.stdout
    }

    @Test(.enabled(if: DashboardTests.chromium != nil, "NO CHROMIUM: the browser test of the dashboard is skipped; .ci/run installs Debian's chromium"))
    func aPushShowsAsARunItsLogItsVersionAndItsDiff() throws {
        let work = try WorkflowRepository(in: scratch, workflow: RunCommandTests.workflow)
        let remote = scratch("remote.git")
        _ = try Shell.run("git", ["init", "-q", "--bare", "-b", "main", remote])
        try work.git("remote", "add", "origin", remote)
        try work.git("push", "-q", "origin", "main")
        let home = scratch("home")
        #expect(try WFBinary.run(["link", remote, "--branch", "main", "--poll", "1", "--home", home]).status == 0)
        let daemon = try DaemonProcess(home: home, scratch: scratch, listen: true)
        let url = try daemon.url()

        func push(seed: Int) throws -> String {
            try work.scratch.write("repo/settings.json", #"{"prompt": "JULIET:", "seed": \#(seed), "max_length": 16, "model": "models/tiny"}"#)
            try work.git("commit", "-q", "-am", "seed \(seed)")
            try work.git("push", "-q", "origin", "main")
            return try work.git("rev-parse", "HEAD")
        }
        func versions() throws -> [VersionInfo] {
            let listed = try WFBinary.run(["datasets", "ls", "generated-text", "--json", "--home", home])
            return listed.status == 0 ? try SnakeCaseJSON.decoder.decode([VersionInfo].self, from: Data(listed.stdout.utf8)) : []
        }

        let first = try push(seed: 1)
        #expect(try eventually { try versions().count == 1 }, "no version; daemon log:\n\(daemon.log)")
        _ = try push(seed: 2)
        #expect(try eventually { try versions().count == 2 }, "no second version; daemon log:\n\(daemon.log)")

        let home_ = try browse(url + "/ui", screenshot: "home")
        #expect(home_.contains("remote") && home_.contains(String(first.prefix(12))), "\(home_.prefix(2000))")
        let run = try #require(try versions().first?.provenance.run)
        #expect(home_.contains("/ui/runs/\(run)"))

        let runPage = try browse(url + "/ui/runs/\(run)", screenshot: "run")
        #expect(runPage.contains("<svg") && runPage.contains("succeeded"), "\(runPage.prefix(2000))")
        #expect(runPage.contains("JULIET:") || runPage.contains("generat"), "the job's log is not on the run page")

        let version = try browse(url + "/ui/datasets/generated-text/versions/latest", screenshot: "version")
        let text = try WFBinary.run(["datasets", "cat", "generated-text", "outputs.txt", "--home", home]).stdout
        let firstLine = try #require(text.split(separator: "\n").first { $0.contains("JULIET") })
        #expect(version.contains(String(firstLine)), "outputs.txt is not shown in place")
        #expect(version.contains("/ui/runs/\(run)"), "the provenance does not link back to the run")

        let diff = try browse(url + "/ui/datasets/generated-text/diff?from=~1&to=latest", screenshot: "diff")
        #expect(diff.contains("outputs.txt") && diff.contains("class=\"removed\"") && diff.contains("class=\"added\""), "\(diff.prefix(3000))")

        let datasets = try browse(url + "/ui/datasets/generated-text", screenshot: "versions")
        #expect(datasets.contains("seed 2") || datasets.contains("type=\"radio\""))
        #expect(daemon.stop() == 0, "\(daemon.log)")
    }
}
