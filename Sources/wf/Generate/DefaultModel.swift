import ArgumentParser
import Foundation

/// The model `wf generate` uses when none is named: `$WF_DEFAULT_MODEL`, else the project's
/// own `models/default` (a small GPT-2 trained on Shakespeare by `wf train`; see the README)
/// in the checkout this binary was built in.
enum DefaultModel {
    static var folder: String? {
        if let named = ProcessInfo.processInfo.environment["WF_DEFAULT_MODEL"], !named.isEmpty { return named }
        let folder = CommandLine.checkoutRoot.appendingPathComponent("models/default").path
        return FileManager.default.fileExists(atPath: folder + "/config.json") ? folder : nil
    }
}

extension DefaultModel {
    static func required() throws -> String {
        guard let folder else {
            throw ValidationError("no default model here (models/default is missing); name one with --model PATH or a hub id")
        }
        return folder
    }
}
