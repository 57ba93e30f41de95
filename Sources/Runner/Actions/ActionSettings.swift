import Foundation
import TextGeneration
import Workflows

/// One action's `with:` as types: the schema `wf validate`, `wf run`, the daemon and a run
/// plan (JSON) share. Each type's coding keys are exactly the `with:` keys the action takes
/// (`Action.allowedKeys`, which the parser checks with line and column).
public protocol ActionSettings: Codable, Sendable, Equatable {
    static var action: Action { get }
}

/// The settings of one planned job, one case per action: what the step factory switches on.
public enum StepSettings: Codable, Sendable, Equatable {
    case gitCheckout(GitCheckoutSettings)
    case script(ScriptSettings)
    case container(ContainerSettings)
    case createModel(CreateModelSettings)
    case s3Download(S3DownloadSettings)
    case textGeneration(TextGenerationSettings)
    case train(TrainSettings)

    /// Decodes `job.with` into its action's settings, and checks the job's inputs and outputs
    /// as its step will need them (every rule a step would check at run time that the file
    /// already decides).
    ///
    /// - Throws: `WorkflowErrors` with one `FILE:LINE:COLUMN: jobs.JOB.KEY: message`.
    public static func decode(_ job: Job, file: String) throws -> StepSettings {
        if let problem = shapeProblem(job) {
            throw WorkflowErrors(errors: [WorkflowError(file: file, line: job.line, column: job.column, keyPath: "jobs.\(job.name).\(problem.key)",
                                                        message: problem.message)])
        }
        do {
            let decoder = WithDecoder(values: job.with)
            switch job.action {
            case .gitCheckout: return .gitCheckout(try GitCheckoutSettings(from: decoder))
            case .script:
                let settings = try ScriptSettings(from: decoder)
                try settings.image.map(ImageReference.check)
                return .script(settings)
            case .container:
                let settings = try ContainerSettings(from: decoder)
                try ImageReference.check(settings.image)
                return .container(settings)
            case .createModel: return .createModel(try CreateModelSettings(from: decoder))
            case .s3Download: return .s3Download(try S3DownloadSettings(from: decoder))
            case .textGeneration:
                let settings = try TextGenerationSettings(from: decoder)
                try settings.check()
                return .textGeneration(settings)
            case .train: return .train(try TrainSettings(from: decoder))
            }
        } catch let problem as WithDecoder.Problem {
            let location = job.withLocations[problem.key] ?? Location(line: job.line, column: job.column)
            let keyPath = "jobs.\(job.name).with" + (problem.key.isEmpty ? "" : ".\(problem.key)")
            throw WorkflowErrors(errors: [WorkflowError(file: file, line: location.line, column: location.column, keyPath: keyPath, message: problem.message)])
        }
    }

    /// What an action needs of its job's inputs and outputs.
    static func shapeProblem(_ job: Job) -> (key: String, message: String)? {
        let action = job.action.rawValue
        func outputs(_ kinds: Set<String>) -> [String] {
            job.outputs.filter { name, output in
                switch output {
                case .dataset: return kinds.contains("dataset")
                case .volume: return kinds.contains("volume")
                case .string: return kinds.contains("string")
                }
            }.keys.sorted()
        }
        switch job.action {
        case .createModel:
            if job.inputs.count != 1 {
                return ("inputs", "\(action) takes one input, the model folder (such as a train@v1 output); this job has \(job.inputs.count)")
            }
        case .textGeneration:
            if outputs(["dataset"]).isEmpty { return ("outputs", "\(action) needs a dataset output for outputs.txt and outputs.json") }
        case .train, .gitCheckout, .s3Download:
            let folders = outputs(["dataset", "volume"])
            if folders.count != 1 {
                return ("outputs", "\(action) writes into one dataset or volume output; this job has \(folders.isEmpty ? "none" : folders.joined(separator: ", "))")
            }
            if job.action == .train && job.with["data"] == nil { return ("with", "train@v1 needs with: data: INPUT/PATH, the text file to train on") }
        default:
            break
        }
        return nil
    }

    /// The image a script or container step names, if any.
    public var image: String? {
        switch self {
        case .script(let settings): return settings.image
        case .container(let settings): return settings.image
        default: return nil
        }
    }
}

/// An image reference as Docker and Podman read it: `[HOST[:PORT]/]PATH[:TAG][@DIGEST]`,
/// lowercase path components. Checked before anything runs, so a workflow's `image:` can
/// never reach a container runtime's command line as anything but an image.
enum ImageReference {
    static func check(_ image: String) throws {
        func fail(_ why: String) -> WithDecoder.Problem {
            WithDecoder.Problem(key: "image", message: "\(image.debugDescription) is not an image reference (\(why)); write it as [HOST[:PORT]/]NAME[:TAG][@sha256:DIGEST], e.g. python:3.11")
        }
        guard !image.isEmpty, image.utf8.count <= 512 else { throw fail("empty or too long") }
        guard image.first!.isASCII, image.first!.isLetter || image.first!.isNumber else { throw fail("it must start with a letter or digit") }
        var rest = Substring(image)
        if let at = rest.firstIndex(of: "@") {
            let digest = rest[rest.index(after: at)...]
            guard digest.hasPrefix("sha256:"), digest.dropFirst(7).count == 64, digest.dropFirst(7).allSatisfy({ $0.isASCII && $0.isHexDigit }) else {
                throw fail("a digest is sha256: and 64 hex digits")
            }
            rest = rest[..<at]
        }
        var components = rest.split(separator: "/", omittingEmptySubsequences: false)
        guard let last = components.popLast(), !last.isEmpty else { throw fail("it has an empty part") }
        let nameAndTag = last.split(separator: ":", omittingEmptySubsequences: false)
        guard nameAndTag.count <= 2 else { throw fail("more than one ':' after the last '/'") }
        if nameAndTag.count == 2 {
            let tag = nameAndTag[1]
            guard !tag.isEmpty, tag.count <= 128, tag.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "_.-".contains($0)) }) else {
                throw fail("a tag is letters, digits, '_', '.' and '-'")
            }
        }
        // The first of several components may be a registry host with a port.
        var paths = components.map(String.init) + [String(nameAndTag[0])]
        if paths.count > 1, let host = paths.first, host.contains(".") || host.contains(":") || host == "localhost" {
            guard host.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || ".-:[]".contains($0)) }) else { throw fail("the registry host is malformed") }
            paths.removeFirst()
        }
        for path in paths {
            guard !path.isEmpty, path.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || "._-".contains($0)) }),
                  path.first!.isLetter || path.first!.isNumber else {
                throw fail("a name part is lowercase letters, digits, '.', '_' and '-'")
            }
        }
    }
}

/// `git-checkout@v1`: `url` (default: the repository being run), `ref` (a branch, tag or
/// commit), `username` and `password` for private repositories (usually `secret:NAME`).
public struct GitCheckoutSettings: ActionSettings {
    public static let action = Action.gitCheckout
    public var url: Value?
    public var ref: Value?
    public var username: Value?
    public var password: Value?
}

/// `script@v1`: a shell script (`/bin/sh -e -c`), run in `image` by a container runtime, or
/// in bubblewrap on this machine's system where none is used.
public struct ScriptSettings: ActionSettings {
    public static let action = Action.script
    public var script: String
    public var image: String?

    public init(script: String, image: String? = nil) {
        self.script = script
        self.image = image
    }
}

/// `container@v1`: `image` run with Kubernetes' semantics, as Gradient ran it on Argo:
/// `command` replaces the image's entry point, `args` its default arguments (`CMD`). A
/// `command` written as one word (`command: sh`) is that program; one written as a text with
/// spaces (`command: python train.py --fast`) is a shell command line, run by `/bin/sh -c`.
public struct ContainerSettings: ActionSettings {
    public static let action = Action.container
    public var image: String
    public var command: Value?
    public var args: Value?

    /// The entry point to use instead of the image's, if any.
    public var entrypoint: [String]? {
        switch command {
        case .list(let items)?: return items
        case .literal(let text)?:
            let words = text.split(whereSeparator: \.isWhitespace)
            return words.count == 1 ? [String(words[0])] : ["/bin/sh", "-c", text]
        default: return nil
        }
    }

    /// The arguments to use instead of the image's `CMD`, if any.
    public var arguments: [String]? {
        switch args {
        case .list(let items)?: return items
        case .literal(let text)?: return [text]
        default: return nil
        }
    }
}

/// `create-model@v1`: commit the job's one input, a model folder, as dataset `name`; `type`
/// (Custom, ONNX, Tensorflow, …) is recorded.
public struct CreateModelSettings: ActionSettings {
    public static let action = Action.createModel
    public var name: String
    public var type: String
}

/// `s3-download@v1`, as Gradient documents it: `url` (`s3://BUCKET/PATH`, a prefix or one
/// object), `access-key` and `secret-access-key` (usually `secret:NAME`), and optionally
/// `region`, `endpoint` (an S3-compatible service) and `path` (where in the job's output the
/// files go). `accessKey` and `secretAccessKey` are taken as the same keys.
public struct S3DownloadSettings: ActionSettings {
    public static let action = Action.s3Download
    public var url: Value
    public var path: Value?
    public var region: Value?
    public var endpoint: Value?
    public var accessKey: Value?
    public var secretAccessKey: Value?

    enum CodingKeys: String, CodingKey {
        case url, path, region, endpoint
        case accessKey = "access-key", secretAccessKey = "secret-access-key"
        case accessKeyCamel = "accessKey", secretAccessKeyCamel = "secretAccessKey"
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let url = try container.decodeIfPresent(Value.self, forKey: .url)
        path = try container.decodeIfPresent(Value.self, forKey: .path)
        region = try container.decodeIfPresent(Value.self, forKey: .region)
        endpoint = try container.decodeIfPresent(Value.self, forKey: .endpoint)
        func either(_ hyphenated: CodingKeys, _ camel: CodingKeys) throws -> Value? {
            let first = try container.decodeIfPresent(Value.self, forKey: hyphenated), second = try container.decodeIfPresent(Value.self, forKey: camel)
            if first != nil && second != nil {
                throw WithDecoder.Problem(key: camel.rawValue, message: "is \(hyphenated.rawValue) written a second time; keep one")
            }
            return first ?? second
        }
        accessKey = try either(.accessKey, .accessKeyCamel)
        secretAccessKey = try either(.secretAccessKey, .secretAccessKeyCamel)
        guard let url else { throw WithDecoder.Problem(key: "url", message: "is missing: give the s3://BUCKET/PATH to download") }
        self.url = url
        if (accessKey == nil) != (secretAccessKey == nil) {
            throw WithDecoder.Problem(key: accessKey == nil ? "access-key" : "secret-access-key", message: "is missing: give access-key and secret-access-key together")
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(url, forKey: .url)
        try container.encodeIfPresent(path, forKey: .path)
        try container.encodeIfPresent(region, forKey: .region)
        try container.encodeIfPresent(endpoint, forKey: .endpoint)
        try container.encodeIfPresent(accessKey, forKey: .accessKey)
        try container.encodeIfPresent(secretAccessKey, forKey: .secretAccessKey)
    }
}

/// `text-generation@v1`: `settings` names the repository's settings (`INPUT/PATH` of a JSON,
/// YAML or TOML file, or a Python script that builds a `pipeline('text-generation')`);
/// `model`, `prompt` and any generation parameter written inline win over the file.
public struct TextGenerationSettings: ActionSettings {
    public static let action = Action.textGeneration
    public var settings: String?
    public var model: String?
    public var prompt: String?
    /// `max_length`, `seed`, `temperature`, … in transformers' names.
    public var parameters = GenerationParameters()

    enum CodingKeys: String, CodingKey { case settings, model, prompt }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        settings = try container.decodeIfPresent(String.self, forKey: .settings)
        model = try container.decodeIfPresent(String.self, forKey: .model)
        prompt = try container.decodeIfPresent(String.self, forKey: .prompt)
        parameters = try GenerationParameters(from: decoder)
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(settings, forKey: .settings)
        try container.encodeIfPresent(model, forKey: .model)
        try container.encodeIfPresent(prompt, forKey: .prompt)
        try parameters.encode(to: encoder)
    }

    /// Without a settings file, the inline values alone must make sense.
    func check() throws {
        guard settings == nil else { return }
        guard prompt != nil else { throw WithDecoder.Problem(key: "prompt", message: "text-generation@v1 needs settings: INPUT/FILE or prompt:") }
        do { _ = try parameters.settings(defaults: .generate) } catch {
            throw WithDecoder.Problem(key: "", message: "\(error)")
        }
    }
}

/// `train@v1`: train or fine-tune GPT-2 on `data` (`INPUT/PATH`); `from` is `scratch`
/// (default), `INPUT[/PATH]` holding a model, or a hub id; the rest as `wf train`'s options.
public struct TrainSettings: ActionSettings {
    public static let action = Action.train
    public var data: String?
    public var from: String?
    public var epochs: Int?
    public var batchSize: Int?
    public var context: Int?
    public var learningRate: Double?
    public var layers: Int?
    public var heads: Int?
    public var embedding: Int?
    public var vocabSize: Int?
    public var validationFraction: Double?
    public var seed: UInt64?

    enum CodingKeys: String, CodingKey {
        case data, from, epochs, context, layers, heads, embedding, seed
        case batchSize = "batch_size"
        case learningRate = "learning_rate"
        case vocabSize = "vocab_size"
        case validationFraction = "validation_fraction"
    }
}
