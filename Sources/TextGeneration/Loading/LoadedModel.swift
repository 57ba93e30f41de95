import Foundation

/// A model ready to generate: its folder, config, weights and tokenizer.
public struct LoadedModel: @unchecked Sendable {
    public let folder: String
    public let model: GPT2Model
    public let tokenizer: BPETokenizer
    /// Seconds spent mapping weights and reading the tokenizer.
    public let loadSeconds: Double

    public var generator: Generator { Generator(model: model, tokenizer: tokenizer) }

    /// Loads a model folder, or a hub id from the Hugging Face cache.
    public static func load(_ specification: String, cache: HubCache = HubCache()) throws -> LoadedModel {
        let start = Date()
        let folder = try resolve(specification, cache: cache)
        let config = try GPT2Config.load(path: "\(folder)/config.json")
        let weights = try GPT2Weights(folder: folder, config: config)
        let tokenizer = try BPETokenizer.load(folder: folder)
        return LoadedModel(folder: folder, model: GPT2Model(weights: weights), tokenizer: tokenizer,
                           loadSeconds: Date().timeIntervalSince(start))
    }

    /// The folder `specification` names: an existing folder as is, else a hub id's cached snapshot.
    public static func resolve(_ specification: String, cache: HubCache = HubCache()) throws -> String {
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: specification, isDirectory: &isFolder) {
            guard isFolder.boolValue else {
                throw ModelError.unsupported(file: specification, detail: "a model is a folder with config.json and model.safetensors, not a file")
            }
            return specification
        }
        if specification.hasPrefix("/") || specification.hasPrefix(".") { throw ModelError.missingFile(specification) }
        let id = try HubCache.ModelID(parsing: specification)
        if let snapshot = cache.snapshot(for: id) { return snapshot }
        throw ModelError.io(path: specification, detail:
            "no folder of that name, and hub model \(id) is not in the Hugging Face cache at \(cache.root) (downloading is not built yet)")
    }
}
