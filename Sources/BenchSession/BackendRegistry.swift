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
    /// runs; their stderr goes to `<log stem>.plugin-<file name>.log`. A plugin that fails its
    /// handshake or claims a taken id becomes an ``UnavailableBackend`` (error rows).
    public static func select(
        _ list: String, from backends: [any Backend], pluginArguments: [String] = [], logStem: String = "results/bench",
        caseTimeout: Double = 60, catalogDevices: Set<String>? = nil
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
                let stem = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
                let log = "\(logStem).plugin-\(stem).log"
                // A plugin that cannot start, or claims an id that is taken, does not stop the
                // run: its rows become errors with the reason (UnavailableBackend).
                func unavailable(_ reason: String) -> UnavailableBackend {
                    var id = BackendID(
                        "plugin-" + stem.lowercased().map { $0.isLetter || $0.isNumber ? String($0) : "-" }.joined())
                    while chosen.contains(where: { $0.id == id }) || backends.contains(where: { $0.id == id }) {
                        id = BackendID(id.rawValue + "-2")
                    }
                    return UnavailableBackend(id: id, device: "plugin \(path) (not started)", reason: reason)
                }
                do {
                    let p = try PluginBackend(
                        path: path, arguments: pluginArguments, logPath: log, caseTimeout: caseTimeout)
                    if backends.contains(where: { $0.id == p.id }) || chosen.contains(where: { $0.id == p.id }) {
                        p.shutdown()
                        let what =
                            backends.contains(where: { $0.id == p.id })
                            ? "a built-in backend's id" : "an id another backend of this run has"
                        chosen.append(
                            unavailable(
                                "plugin:\(path) claims the backend id '\(p.id)', \(what); its rows are not run (plugin log: \(log))"
                            ))
                    } else if let device = p.catalogDevice, let known = catalogDevices, !known.contains(device) {
                        p.shutdown()
                        chosen.append(
                            unavailable(
                                "plugin:\(path) names catalog_device '\(device)', which the catalog does not have (devices: \(known.sorted().joined(separator: ", "))); its rows are not run (plugin log: \(log))"
                            ))
                    } else {
                        add(p)
                    }
                } catch {
                    // The plugin's own last words (e.g. the install command it needs) say the most.
                    let said =
                        (try? String(contentsOfFile: log, encoding: .utf8))?
                        .split(separator: "\n").last.map { "; it said: \($0.prefix(300))" } ?? ""
                    chosen.append(unavailable("plugin:\(path): \(error)\(said) (plugin log: \(log))"))
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
