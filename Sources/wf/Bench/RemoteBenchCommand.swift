import ArgumentParser
import Benchmarks
import Datasets
import Foundation

struct RemoteBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remote",
        abstract: "Push and pull through a local S3 server, beside `aws s3 sync` of the same trees.",
        discussion: """
            Starts moto's S3 server (PyPI moto[server]) on 127.0.0.1, then times whole processes: `wf datasets push` and `wf datasets clone` of 10,000 small files and of one 1 GiB file, and `aws s3 sync` (PyPI awscli) of the same trees up and down. A second push of each tree shows what it skips.

            Example:
              python3 -m venv /tmp/s3 && /tmp/s3/bin/pip install 'moto[server]' awscli
              wf bench remote --moto-server /tmp/s3/bin/moto_server --aws /tmp/s3/bin/aws
            """
    )

    @Option(help: "moto's server (moto_server from PyPI moto[server]).") var motoServer: String
    @Option(help: "The AWS CLI (aws, from PyPI awscli).") var aws: String
    @Option(help: "Small files in the first tree.") var smallFiles = 10_000
    @Option(name: .customLong("big-mib"), help: "Size of the big file, in MiB.") var bigMiB = 1024
    @Flag(help: "Print JSON.") var json = false

    func validate() throws {
        for (path, name) in [(motoServer, "--moto-server"), (aws, "--aws")] where !FileManager.default.isExecutableFile(atPath: path) {
            throw ValidationError("\(name) \(path) is not an executable file")
        }
        guard (1...1_000_000).contains(smallFiles), (1...65_536).contains(bigMiB) else { throw ValidationError("--small-files 1 to 1000000, --big-mib 1 to 65536") }
    }

    func run() throws {
        var benchmark = RemoteBenchmark(wf: CommandLine.executablePath, moto: motoServer, aws: aws)
        benchmark.smallFiles = smallFiles
        benchmark.bigFileBytes = bigMiB << 20
        let figures = try benchmark.run { FileHandle.standardError.write(Data(("bench: " + $0 + "\n").utf8)) }
        if json { return try JSONOutput.print(figures) }
        func rate(_ value: Double) -> String { Format.decimal(value, places: 1) }
        var table = Table(headers: ["TREE", "BYTES", "WF PUSH MB/s", "AWS UP MB/s", "PUSH vs AWS", "WF PULL MB/s", "AWS DOWN MB/s", "PULL vs AWS", "2ND PUSH SKIPPED"],
                          rightAligned: [1, 2, 3, 4, 5, 6, 7, 8])
        for figure in figures {
            table.append([figure.tree, Format.bytes(figure.bytes), rate(figure.wfPushMBPerSecond), rate(figure.awsUploadMBPerSecond),
                          Format.decimal(figure.awsUploadSeconds / figure.wfPushSeconds, places: 2) + "x",
                          rate(figure.wfPullMBPerSecond), rate(figure.awsDownloadMBPerSecond),
                          Format.decimal(figure.awsDownloadSeconds / figure.wfPullSeconds, places: 2) + "x",
                          "\(figure.secondPushSkipped) of \(figure.secondPushSkipped + figure.secondPushSent)"])
        }
        print(table.render())
    }
}
