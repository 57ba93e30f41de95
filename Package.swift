// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "wf",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "wf", targets: ["wf"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        // Hummingbird's own dependencies, named so the server can stop it gracefully and quiet its log.
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.14.0"),
        // Also Hummingbird's: its HTTP part types, for the handler that enforces request deadlines.
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        // /metrics in Prometheus' text format for `wf serve`.
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        // The dashboard's templates (Hummingbird's own template library; no dependencies of its own).
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        // S3's HTTP: the S3 client is wf's own (SigV4, a few operations); its transport is async-http-client's.
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
    ],
    targets: [
        // Linux calls that Glibc's Swift module leaves out (syncfs).
        .target(name: "CSystemShims"),
        // The content-addressed dataset store: blobs, trees, versions, tags, the SQLite index.
        .target(
            name: "Datasets",
            dependencies: [
                "CSystemShims",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        // The Gradient workflow model: typed spec decoded from YAML (Yams, which is libyaml), validation, the job DAG.
        .target(name: "Workflows", dependencies: ["Datasets", .product(name: "Yams", package: "Yams")]),
        // Python source read without running it (tokenizer, parser, literals): settings in a repository's own script.
        .target(name: "PythonSource"),
        // Running workflows: plan, steps, executors (bubblewrap, Podman/Docker), dataset outputs with provenance.
        .target(name: "Runner", dependencies: ["Workflows", "Datasets", "GitSource", "TextGeneration", "Training", "PythonSource", "S3",
                                               .product(name: "Crypto", package: "swift-crypto")]),
        // Linked repositories, their mirrors, polling, webhook checks, the run queue: the daemon's logic without HTTP.
        .target(name: "Triggers", dependencies: ["Datasets", "GitSource", "Workflows", "Runner", .product(name: "Crypto", package: "swift-crypto"),
                                                 .product(name: "GRDB", package: "GRDB.swift")]),
        // HTTP (Hummingbird): the webhook endpoints in front of Triggers.
        .target(name: "Server", dependencies: ["Triggers", "Datasets", "Workflows", .product(name: "Hummingbird", package: "hummingbird"),
                                               .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                                               .product(name: "Logging", package: "swift-log"),
                                               .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                                               .product(name: "Prometheus", package: "swift-prometheus"),
                                               .product(name: "Mustache", package: "swift-mustache"),
                                               .product(name: "Crypto", package: "swift-crypto"),
                                               "TextGeneration"]),
        // S3 and its compatibles as an ObjectStore: SigV4, credentials as the AWS tools take them, a small client.
        .target(name: "S3", dependencies: ["Datasets", .product(name: "AsyncHTTPClient", package: "async-http-client"),
                                           .product(name: "Crypto", package: "swift-crypto")]),
        // OpenBLAS (Debian libopenblas-dev) through pkg-config.
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        // libgit2 (Debian libgit2-dev) through pkg-config.
        .systemLibrary(name: "CGit2", pkgConfig: "libgit2", providers: [.apt(["libgit2-dev"])]),
        // Git through libgit2: open and inspect repositories, read files at a commit, export trees, mirrors, checkouts.
        .target(name: "GitSource", dependencies: ["CGit2"]),
        // The safetensors format's header, read and checked as the reference checks it (no dependencies: fuzzed alone).
        .target(name: "SafeTensors"),
        // GPT-2: tokenizer, safetensors, forward pass with a KV cache, sampling, generation.
        .target(name: "TextGeneration", dependencies: ["COpenBLAS", "CKernels", "SafeTensors", .product(name: "Crypto", package: "swift-crypto")]),
        // GPT-2 training, llm.c style: each layer's forward beside its backward, AdamW, schedules.
        .target(name: "Training", dependencies: ["TextGeneration", "COpenBLAS", "CKernels"]),
        // Streaming matrix kernels for decoding (AVX2/F16C with a portable fallback).
        .target(name: "CKernels", cSettings: [.unsafeFlags(["-O3"])]),
        // Measurements behind `wf bench`: each benchmark runs the real code paths and a reference.
        .target(name: "Benchmarks", dependencies: ["Datasets", "TextGeneration", "Training", "Triggers", "Runner", "CKernels"]),
        // The command line and nothing else.
        .executableTarget(
            name: "wf",
            dependencies: [
                "Datasets",
                "TextGeneration",
                "Training",
                "Workflows",
                "Runner",
                "GitSource",
                "Triggers",
                "Server",
                "Benchmarks",
                "S3",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Temporary folders and the built `wf` binary, shared by the test targets.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "DatasetsTests", dependencies: ["Datasets", "TestSupport", .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(name: "SafeTensorsTests", dependencies: ["SafeTensors"]),
        .testTarget(name: "TextGenerationTests", dependencies: ["TextGeneration", "CKernels", "TestSupport"]),
        .testTarget(name: "TrainingTests", dependencies: ["Training", "TextGeneration", "TestSupport"]),
        .testTarget(name: "WorkflowsTests", dependencies: ["Workflows", "TestSupport"]),
        .testTarget(name: "PythonSourceTests", dependencies: ["PythonSource"], exclude: ["Fixtures"]),
        .testTarget(name: "RunnerTests", dependencies: ["Runner", "Workflows", "TextGeneration", "TestSupport"]),
        .testTarget(name: "GitSourceTests", dependencies: ["GitSource", "TestSupport"]),
        .testTarget(name: "S3Tests", dependencies: ["S3", "Datasets", "TestSupport"]),
        .testTarget(name: "TriggersTests", dependencies: ["Triggers", "GitSource", "Runner", "Datasets", "TestSupport"]),
        // Routes in process (HummingbirdTesting's router framework: no socket).
        .testTarget(name: "ServerTests", dependencies: ["Server", "Datasets", "Triggers", "TextGeneration", "TestSupport",
                                                        .product(name: "HummingbirdTesting", package: "hummingbird")]),
        .testTarget(name: "EndToEndTests", dependencies: ["wf", "Datasets", "TextGeneration", "TestSupport", "S3"]),
    ]
)
