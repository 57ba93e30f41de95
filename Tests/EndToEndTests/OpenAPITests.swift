import Foundation
import Testing
import TestSupport

/// schemathesis (PyPI) against `/openapi.json` and a running `wf daemon --listen` with an API
/// key, on a home with two runs and two versions: every documented route, reads and actions,
/// fuzzed parameters and the links from each list to the routes that take its ids; each
/// answer must match the document (status, content type, schema), no 5xx, 405 for
/// undeclared methods, 401 without the key.
@Suite struct OpenAPITests {
    let scratch = Scratch("wf-openapi")

    /// `$WF_SCHEMATHESIS`, else the virtual environment `.ci/run` makes.
    static var schemathesis: String? {
        let candidates = [ProcessInfo.processInfo.environment["WF_SCHEMATHESIS"], Fixtures.checkout(".build/venv-schemathesis/bin/schemathesis")]
        return candidates.compactMap { $0 }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    @Test(.enabled(if: OpenAPITests.schemathesis != nil,
                   "NO SCHEMATHESIS: the OpenAPI conformance test is skipped; .ci/run makes .build/venv-schemathesis (pip install schemathesis)"))
    func theReadAPIConformsToItsDocument() throws {
        let repo = try WorkflowRepository(in: scratch, workflow: RunCommandTests.workflow)
        let home = scratch("home")
        for seed in [1, 2] {
            try scratch.write("repo/settings.json", #"{"prompt": "ROMEO:", "seed": \#(seed), "max_length": 12, "model": "models/tiny"}"#)
            try repo.git("commit", "-q", "-am", "seed \(seed)")
            let run = try WFBinary.run(["run", repo.workflowFile, "--home", home])
            #expect(run.status == 0, "\(run.stderr)")
        }
        let daemon = try DaemonProcess(home: home, scratch: scratch, listen: true, environment: ["WF_TEST_API_KEY": "openapi-key"],
                                       arguments: ["--api-key-env", "WF_TEST_API_KEY"])
        let url = try daemon.url()
        let report = scratch("schemathesis.txt")
        let result = try Shell.run("sh", ["-c", "\(OpenAPITests.schemathesis!) run \(url)/openapi.json --url \(url) --checks all -H 'Authorization: Bearer openapi-key' "
                                               + "--max-examples 40 --seed 1 --no-color > \(report) 2>&1"])
        let text = (try? String(contentsOfFile: report, encoding: .utf8)) ?? ""
        #expect(result.status == 0, "schemathesis found failures:\n\(text.suffix(6000))")
        #expect(text.contains("Tested: 15"), "\(text.suffix(2000))")
        #expect(daemon.stop() == 0, "\(daemon.log)")
    }
}
