import Foundation

/// A model ready to generate: its folder, config, weights and tokenizer.
public struct LoadedModel: @unchecked Sendable {
    public let folder: String
    public let model: GPT2Model
    /// nil when the folder has no tokenizer files: ids still generate ids (`requireTokenizer`
    /// says so where text is needed).
    public let tokenizer: BPETokenizer?
    /// Seconds spent mapping weights and reading the tokenizer (a download is not counted).
    public let loadSeconds: Double

    public var generator: Generator { Generator(model: model, tokenizer: tokenizer) }

    /// The tokenizer, for text in or out.
    ///
    /// - Throws: `TokenizerError.missingFiles` naming the folder when it has none.
    public func requireTokenizer() throws -> BPETokenizer {
        guard let tokenizer else { throw TokenizerError.missingFiles(folder: folder) }
        return tokenizer
    }

    /// Loads a model folder, or a hub id from the Hugging Face cache.
    public static func load(_ specification: String, cache: HubCache = HubCache(),
                            precision: GPT2Weights.Precision = .asStored) throws -> LoadedModel {
        try load(folder: resolve(specification, cache: cache), precision: precision)
    }

    /// Loads a model folder, or a hub id, downloading it into the cache if it is missing there.
    public static func load(_ specification: String, downloader: HubDownloader, progress: HubDownloader.Progress? = nil,
                            precision: GPT2Weights.Precision = .asStored) throws -> LoadedModel {
        try load(folder: resolve(specification, downloader: downloader, progress: progress), precision: precision)
    }

    private static func load(folder: String, precision: GPT2Weights.Precision) throws -> LoadedModel {
        let start = Date()
        let config = try GPT2Config.load(path: "\(folder)/config.json")
        let weights = try GPT2Weights(folder: folder, config: config, precision: precision)
        let tokenizer: BPETokenizer?
        do { tokenizer = try BPETokenizer.load(folder: folder) } catch TokenizerError.missingFiles { tokenizer = nil }
        return LoadedModel(folder: folder, model: GPT2Model(weights: weights), tokenizer: tokenizer,
                           loadSeconds: Date().timeIntervalSince(start))
    }

    /// The folder `specification` names: an existing folder as is, else a hub id's cached snapshot.
    public static func resolve(_ specification: String, cache: HubCache = HubCache()) throws -> String {
        try resolve(specification) { id in
            if let snapshot = cache.snapshot(for: id) { return snapshot }
            throw ModelError.io(path: specification, detail: "no folder of that name, and hub model \(id) is not in the Hugging Face cache at \(cache.root)")
        }
    }

    /// The folder `specification` names: an existing folder as is, else a hub id's snapshot,
    /// downloaded into the cache when the cache lacks it (see `HubDownloader`).
    public static func resolve(_ specification: String, downloader: HubDownloader,
                               progress: HubDownloader.Progress? = nil) throws -> String {
        try resolve(specification) { try downloader.snapshot(for: $0, progress: progress) }
    }

    private static func resolve(_ specification: String, hub: (HubCache.ModelID) throws -> String) throws -> String {
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: specification, isDirectory: &isFolder) {
            guard isFolder.boolValue else {
                throw ModelError.unsupported(file: specification, detail: "a model is a folder with config.json and model.safetensors, not a file")
            }
            return specification
        }
        if specification.hasPrefix("/") || specification.hasPrefix(".") { throw ModelError.missingFile(specification) }
        return try hub(HubCache.ModelID(parsing: specification))
    }
}
