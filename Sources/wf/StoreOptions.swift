import ArgumentParser
import Datasets
import Foundation
import Runner

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

    /// The store, connected to its bucket when it lives in one (`remote add --store`).
    /// Reading (`.readOnly`) a shared store first brings its cache up to the bucket, with a
    /// progress line when that downloads anything.
    func open(_ mode: DatasetStore.AccessMode = .readWrite) throws -> DatasetStore {
        guard mode == .readOnly, let shared = try DatasetStore.sharedStoreRemote(home: resolvedHome) else {
            return try StoreAccess.open(home: resolvedHome, mode: mode)
        }
        let line = TransferLine("synchronizing with \(shared.name)", enabled: true)
        defer { line.finish() }
        return try StoreAccess.open(home: resolvedHome, mode: mode, synchronize: true, progress: line.update)
    }

    /// The store for reading and changing its settings (the remotes) only: never connects to a
    /// bucket, so a store whose bucket is unreachable can still be pointed elsewhere.
    func openSettings() throws -> DatasetStore {
        if try DatasetStore.sharedStoreRemote(home: resolvedHome) != nil { return try DatasetStore(home: resolvedHome, mode: .readOnly) }
        return try DatasetStore(home: resolvedHome)
    }
}

/// `--json` for commands that print listings.
struct OutputOptions: ParsableArguments {
    @Flag(name: .long, help: "Print JSON instead of a table, for scripts.")
    var json = false
}
