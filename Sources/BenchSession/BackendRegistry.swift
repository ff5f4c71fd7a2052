import BenchBLAS
import BenchCore
import BenchModels
import BenchPlugins
import Foundation
import BenchSwiftKernels

/// The backends of this build, registered explicitly in one place.
public enum BackendRegistry {
    /// Every built-in backend, in display order: the measured CPU backends, then the
    /// modeled profiles of the catalog.
    public static func all(cpuModel: String, catalog: Catalog?) throws(SessionError) -> [any Backend] {
        var backends: [any Backend] = [BLASBackend(cpuModel: cpuModel), SwiftBackend(cpuModel: cpuModel)]
        if let catalog {
            for profile in Profile.builtIn {
                do {
                    backends.append(try ModeledDeviceBackend(profile: profile, catalog: catalog))
                } catch {
                    throw .input("\(error)")
                }
            }
        }
        return backends
    }

    /// Group names `--backend` accepts besides ids.
    public static let groups = ["all", "measured", "modeled"]

    /// Resolves a comma-separated `--backend` list of ids, groups and `plugin:PATH` entries,
    /// keeping order, no duplicates. Plugins are started (and handshaken) here, before any case
    /// runs; their stderr goes to `<log stem>.plugin-<file name>.log`.
    public static func select(
        _ list: String, from backends: [any Backend], pluginArguments: [String] = [], logStem: String = "results/bench",
        caseTimeout: Double = 60
    ) throws(SessionError) -> [any Backend] {
        var chosen: [any Backend] = []
        func add(_ b: any Backend) {
            if !chosen.contains(where: { $0.id == b.id }) { chosen.append(b) }
        }
        let names = list.split(separator: ",", omittingEmptySubsequences: false).map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        for name in names {
            switch name {
            case "all": backends.forEach(add)
            case "measured": backends.filter { $0.kind == .measured }.forEach(add)
            case "modeled": backends.filter { $0.kind == .modeled }.forEach(add)
            case let plugin where plugin.hasPrefix("plugin:"):
                let path = String(plugin.dropFirst("plugin:".count))
                let log =
                    "\(logStem).plugin-\(URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent).log"
                do {
                    add(
                        try PluginBackend(
                            path: path, arguments: pluginArguments, logPath: log, caseTimeout: caseTimeout))
                } catch {
                    // The plugin's own last words (e.g. the install command it needs) say the most.
                    let said =
                        (try? String(contentsOfFile: log, encoding: .utf8))?
                        .split(separator: "\n").last.map { "; it said: \($0.prefix(300))" } ?? ""
                    throw .option(flag: "--backend", reason: "plugin:\(path): \(error)\(said) (plugin log: \(log))")
                }
            default:
                guard let b = backends.first(where: { $0.id.rawValue == name }) else {
                    let valid = (backends.map(\.id.rawValue) + groups).joined(separator: ", ")
                    throw .option(flag: "--backend", reason: "unknown backend '\(name)' (valid: \(valid))")
                }
                add(b)
            }
        }
        return chosen
    }
}
