import BenchBLAS
import BenchCore
import BenchDNNL
import BenchModels
import BenchPlugins
import Foundation
import BenchSwiftKernels
import BenchTraining

/// The backends of this build, registered explicitly in one place.
public enum BackendRegistry {
    /// Every built-in backend, in display order: the measured CPU backends, then the
    /// modeled profiles of the catalog.
    /// - Parameter cpuFlags: the host's CPU flags, as already read (cpu-onednn's bf16 check).
    public static func all(
        cpuModel: String, cpuFlags: [String], catalog: Catalog?,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(SessionError) -> [any Backend] {
        var attention = AttentionAlgorithm.flash
        if let name = environment["BENCH_ATTENTION"], !name.isEmpty {
            guard let chosen = AttentionAlgorithm(rawValue: name) else {
                let names = AttentionAlgorithm.allCases.map(\.rawValue).joined(separator: " or ")
                throw .input("BENCH_ATTENTION='\(name)' names no attention algorithm (expected \(names))")
            }
            attention = chosen
        }
        let swift = SwiftBackend(
            cpuModel: cpuModel, cpuFlags: cpuFlags, bf16Kernel: environment["BENCH_BF16_KERNEL"], attention: attention)
        // A name that is no bf16 kernel is a typo, not a CPU without it.
        if case .failure(let why) = swift.bf16, case .unknown = why { throw .input(why.description) }
        var backends: [any Backend] = [
            BLASBackend(cpuModel: cpuModel), swift,
            DNNLBackend(cpuModel: cpuModel, cpuFlags: cpuFlags),
        ]
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

    /// Each plugin's arguments from `--plugin-arg`s, in order: `ARG` goes to every plugin,
    /// `plugin:NAME=ARG` only to the plugins whose path as given, file name or file name
    /// without extension is `NAME` (e.g. `plugin:cuda_backend=--device-index`). An addressed
    /// argument that names no plugin of the run is bad usage.
    public static func pluginArgumentLists(
        _ arguments: [String], plugins: [String]
    ) throws(SessionError) -> [String: [String]] {
        func names(_ path: String) -> Set<String> {
            let url = URL(fileURLWithPath: path)
            return [path, url.lastPathComponent, url.deletingPathExtension().lastPathComponent]
        }
        var lists = Dictionary(plugins.map { ($0, [String]()) }, uniquingKeysWith: { a, _ in a })
        for argument in arguments {
            guard argument.hasPrefix("plugin:") else {
                for p in plugins { lists[p, default: []].append(argument) }
                continue
            }
            let addressed = argument.dropFirst("plugin:".count)
            guard let eq = addressed.firstIndex(of: "="), eq != addressed.startIndex else {
                throw .option(
                    flag: "--plugin-arg",
                    reason:
                        "'\(argument)' must be plugin:NAME=ARG (NAME a plugin's path or file name) or a plain ARG for every plugin"
                )
            }
            let name = String(addressed[..<eq]), value = String(addressed[addressed.index(after: eq)...])
            let targets = plugins.filter { names($0).contains(name) }
            if targets.isEmpty {
                let known = plugins.isEmpty ? "none" : plugins.joined(separator: ", ")
                throw .option(
                    flag: "--plugin-arg",
                    reason: "'\(argument)' names plugin '\(name)', which --backend does not run (its plugins: \(known))"
                )
            }
            for p in targets { lists[p, default: []].append(value) }
        }
        return lists
    }

    /// Group names `--backend` accepts besides ids.
    public static let groups = ["all", "measured", "modeled"]

    /// Backends that run only when named: `cpu-onednn` would add a third measured row to every
    /// case of a default run (and its time), so it is asked for by id.
    public static let optIn: Set<BackendID> = [DNNLBackend.backendID]

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
        let pluginPaths = names.filter { $0.hasPrefix("plugin:") }.map { String($0.dropFirst("plugin:".count)) }
        let argumentsByPlugin = try pluginArgumentLists(pluginArguments, plugins: pluginPaths)
        for name in names {
            switch name {
            case "all": backends.filter { !optIn.contains($0.id) }.forEach(add)
            case "measured": backends.filter { $0.kind == .measured && !optIn.contains($0.id) }.forEach(add)
            case "modeled": backends.filter { $0.kind == .modeled }.forEach(add)
            case let plugin where plugin.hasPrefix("plugin:"):
                let path = String(plugin.dropFirst("plugin:".count))
                let stem = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
                let log = "\(logStem).plugin-\(stem).log"
                // A plugin that cannot start, or claims an id that is taken, does not stop the
                // run: its rows become errors with the reason (UnavailableBackend).
                // Its rows carry the id it declared when that id is free (a gate keyed on the id
                // sees them), else `plugin-<file stem>`.
                func unavailable(_ reason: String, declared: BackendID? = nil) -> UnavailableBackend {
                    let taken = { (id: BackendID) in
                        chosen.contains(where: { $0.id == id }) || backends.contains(where: { $0.id == id })
                    }
                    if let declared, !taken(declared) {
                        return UnavailableBackend(id: declared, device: "plugin \(path) (not run)", reason: reason)
                    }
                    var id = BackendID(
                        "plugin-" + stem.lowercased().map { $0.isLetter || $0.isNumber ? String($0) : "-" }.joined())
                    while taken(id) { id = BackendID(id.rawValue + "-2") }
                    return UnavailableBackend(id: id, device: "plugin \(path) (not started)", reason: reason)
                }
                do {
                    let p = try PluginBackend(
                        path: path, arguments: argumentsByPlugin[path] ?? [], logPath: log, caseTimeout: caseTimeout)
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
                                "plugin:\(path) names catalog_device '\(device)', which the catalog does not have (devices: \(known.sorted().joined(separator: ", "))); its rows are not run (plugin log: \(log))",
                                declared: p.id))
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
