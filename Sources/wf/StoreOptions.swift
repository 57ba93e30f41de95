import ArgumentParser
import Datasets
import Foundation

/// Where the store lives: `--home`, `$WF_HOME`, the enclosing git checkout, or the current folder.
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "The wf home; the store is HOME/datasets.",
        discussion: "Defaults to $WF_HOME, else the root of the enclosing git checkout, else the current folder.",
        valueName: "dir"))
    var home: String?

    var resolvedHome: String {
        if let home { return home }
        if let fromEnvironment = ProcessInfo.processInfo.environment["WF_HOME"], !fromEnvironment.isEmpty { return fromEnvironment }
        let current = FileManager.default.currentDirectoryPath
        var folder = URL(fileURLWithPath: current)
        while folder.path != "/" {
            if FileManager.default.fileExists(atPath: folder.appendingPathComponent(".git").path) { return folder.path }
            folder.deleteLastPathComponent()
        }
        return current
    }

    func open(_ mode: DatasetStore.AccessMode = .readWrite) throws -> DatasetStore {
        try DatasetStore(home: resolvedHome, mode: mode)
    }
}

/// `--json` for commands that print listings.
struct OutputOptions: ParsableArguments {
    @Flag(name: .long, help: "Print JSON instead of a table, for scripts.")
    var json = false
}
