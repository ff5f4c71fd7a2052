import BenchCore
import BenchTraining
import Foundation

/// A backend that is any executable speaking the plugin protocol (docs/plugin-protocol.md).
///
/// The plugin runs as a child process in its own process group; a crash, hang, garbage or
/// protocol violation fails only the case at hand (the child is killed, reaped, and started
/// again for the next case). Its stderr goes to ``logPath``.
public final class PluginBackend: DeviceBackend {
    public let id: BackendID
    public let kind = BackendKind.measured
    public let device: String
    public let dtypes: [DType]
    public let kernels: [String]
    public let path: String
    public let arguments: [String]
    /// Where the plugin's stderr goes (named in every row's notes).
    public let logPath: String
    /// Seconds each prepare, run, verify or teardown may take.
    public let caseTimeout: Double
    /// The plugin's price of one device per hour, if it gave one (a positive, finite number).
    public let priceHint: Double?
    /// The catalog device the plugin runs on (`catalog_device`), if it named one.
    public let catalogDevice: String?
    public var priceHintUSDPerHour: Double? { priceHint }
    /// The share of ``catalogDevice`` one row uses (`device_share`, default 1).
    public let deviceShare: Double
    /// The protocol version the plugin answered with (one of ``PluginProtocol/versions``).
    public let protocolVersion: Int
    private var process: PluginProcess?
    private var nextID = 1

    /// Starts the plugin and completes the handshake.
    public init(path: String, arguments: [String], logPath: String, caseTimeout: Double) throws(PluginError) {
        self.path = path
        self.arguments = arguments
        self.logPath = logPath
        self.caseTimeout = caseTimeout
        let p = try PluginProcess(path: path, arguments: arguments, logPath: logPath)
        let hello: [String: Any]
        do {
            try p.send(
                [
                    ("type", "hello"), ("protocol_version", PluginProtocol.version),
                    ("protocol_versions", PluginProtocol.versions),
                ],
                waitingFor: "the handshake")
            hello = try p.receive(timeout: PluginProtocol.handshakeTimeout, waitingFor: "the handshake")
        } catch {
            p.terminate()
            throw error
        }
        let m = Message(hello, plugin: path)
        guard (try? m.string("type")) == "handshake" else {
            p.terminate()
            throw .protocolViolation(plugin: path, detail: "expected a handshake, got \(hello["type"] ?? "no type")")
        }
        do {
            protocolVersion = try m.int("protocol_version")
            guard PluginProtocol.versions.contains(protocolVersion) else {
                throw PluginError.versionMismatch(plugin: path, got: protocolVersion)
            }
            let backendID = try m.string("backend_id")
            guard backendID.range(of: "^[a-z0-9][a-z0-9._-]{0,63}$", options: .regularExpression) != nil else {
                throw PluginError.protocolViolation(
                    plugin: path, detail: "backend_id '\(backendID)' is not a lowercase id")
            }
            id = BackendID(backendID)
            let said = String(try m.string("device").prefix(512))
            kernels = try m.strings("kernels")
            dtypes = try m.strings("dtypes").map { DType(rawValue: $0) }
            if let unknown = dtypes.first(where: { !DType.known.contains($0) }) {
                throw PluginError.protocolViolation(
                    plugin: path,
                    detail:
                        "claims dtype '\(unknown)', which bench cannot verify (it knows \(DType.known.map(\.rawValue).joined(separator: ", ")))"
                )
            }
            priceHint = try m.optionalPositiveNumber("price_hint_usd_per_hour")
            if let name = hello["catalog_device"], !(name is NSNull) {
                guard let name = name as? String,
                    name.range(of: "^[a-z0-9][a-z0-9._-]{0,63}$", options: .regularExpression) != nil
                else {
                    throw PluginError.protocolViolation(
                        plugin: path, detail: "catalog_device must be a lowercase catalog device id like 'h100'")
                }
                catalogDevice = name
            } else {
                catalogDevice = nil
            }
            let share = try m.optionalPositiveNumber("device_share") ?? 1
            guard share <= 1 else {
                throw PluginError.protocolViolation(
                    plugin: path, detail: "device_share must be in (0, 1], got \(share)")
            }
            if share < 1, catalogDevice == nil {
                throw PluginError.protocolViolation(
                    plugin: path, detail: "device_share is a share of catalog_device, which the handshake does not name"
                )
            }
            deviceShare = share
            // The share is part of what the rows ran on: shown in the device column, so that
            // compare sees a change of it and readers of the ranking see it.
            device = share < 1 ? "\(said) [\(fixed(share, 3)) of a \(catalogDevice ?? "")]" : said
        } catch let error as PluginError {
            p.terminate()
            throw error
        } catch {
            p.terminate()
            throw .protocolViolation(plugin: path, detail: "\(error)")
        }
        process = p
    }

    public func unsupportedReason(for kernelCase: KernelCase) -> String? {
        let kernel = kernelCase.kernel
        if !kernels.contains(kernel) { return "\(id) (plugin) does not implement \(kernel)" }
        if protocolVersion == 1, !PluginProtocol.version1Kernels.contains(kernel) {
            return "\(id) (plugin) speaks protocol version 1, which has no \(kernel) (version 2 does)"
        }
        if let reason = dtypeUnsupportedReason(for: kernelCase) { return reason }
        if KernelReferences.reference(for: kernelCase) == nil {
            return "bench has no reference to verify a plugin's \(kernel) in \(kernelCase.dtype)"
        }
        return nil
    }

    /// The running child, started again (with a new handshake) after a failure.
    func running() throws(PluginError) -> PluginProcess {
        if let process { return process }
        let fresh = try PluginBackend(path: path, arguments: arguments, logPath: logPath, caseTimeout: caseTimeout)
        guard let p = fresh.process, fresh.id == id else {
            throw .protocolViolation(plugin: path, detail: "restarted with another backend id")
        }
        fresh.process = nil
        process = p
        return p
    }

    /// Sends a request and returns the validated reply; on any failure kills the child.
    func exchange(_ request: [String: Any], expecting types: Set<String>, what: String) throws(PluginError) -> Message {
        try exchange(request.sorted { $0.key < $1.key }, expecting: types, what: what)
    }

    func exchange(_ fields: [(String, Any)], expecting types: Set<String>, what: String) throws(PluginError) -> Message
    {
        let request = Dictionary(fields, uniquingKeysWith: { a, _ in a })
        let p = try running()
        do {
            try p.send(fields, waitingFor: what)
            let reply = Message(try p.receive(timeout: caseTimeout, waitingFor: what), plugin: path)
            let type = try reply.string("type")
            guard types.contains(type) || type == "error" || type == "unsupported" else {
                throw PluginError.protocolViolation(plugin: path, detail: "answered \(what) with '\(type)'")
            }
            if let expected = request["id"] as? Int {
                let got = try reply.int("id")
                guard got == expected else {
                    throw PluginError.protocolViolation(
                        plugin: path, detail: "answered request \(expected) with id \(got)")
                }
            }
            return reply
        } catch let error as PluginError {
            process = nil
            p.terminate()
            throw error
        } catch {
            process = nil
            p.terminate()
            throw .protocolViolation(plugin: path, detail: "\(error)")
        }
    }

    public func prepare(_ kernelCase: KernelCase, threads: Int) throws -> any PreparedCase {
        let requestID = nextID
        nextID += 1
        // Parameters in the case id's order (a JSON object, written in that order).
        let parameters: [(String, Any)] = kernelCase.parameters.map { ($0.name, $0.value) }
        do {
            let reply = try exchange(
                [
                    ("type", "prepare"), ("id", requestID), ("case_id", kernelCase.id), ("kernel", kernelCase.kernel),
                    ("dtype", kernelCase.dtype.rawValue), ("parameters", parameters), ("threads", threads),
                ],
                expecting: ["prepared"], what: "prepare of \(kernelCase.id)")
            switch try reply.string("type") {
            case "unsupported": throw BackendError.unsupported(try reply.string("reason"))
            case "error": throw BackendError.failed("plugin error: \(try reply.string("message")) (log: \(logPath))")
            default:
                // Optional free text about the set-up (precision read back, cores used).
                let notes = (reply.raw["notes"] as? String).map { String($0.prefix(512)) }
                return PreparedPluginCase(backend: self, kernelCase: kernelCase, requestID: requestID, notes: notes)
            }
        } catch let error as PluginError {
            throw BackendError.failed("\(error) (log: \(logPath))")
        }
    }

    /// Sends `shutdown` and reaps the child.
    public func shutdown() {
        process?.shutdown()
        process = nil
    }

    deinit { process?.terminate() }
}

/// A case prepared inside a plugin: the plugin times its own samples.
final class PreparedPluginCase: SelfTimedCase {
    let backend: PluginBackend
    let kernelCase: KernelCase
    let requestID: Int
    let preparedNotes: String?
    private var calls = 0
    /// Wall time of the `run` exchanges beyond the plugin's own sample times, and samples seen.
    private var overheadSeconds = 0.0
    private var sampleCount = 0

    init(backend: PluginBackend, kernelCase: KernelCase, requestID: Int, notes: String?) {
        self.backend = backend
        self.kernelCase = kernelCase
        self.requestID = requestID
        self.preparedNotes = notes?.isEmpty == false ? notes : nil
    }

    func run() throws { _ = try samples(count: 1, callsPerSample: 1) }

    func samples(count: Int, callsPerSample: Int) throws -> [Double] {
        do {
            let clock = ContinuousClock()
            let start = clock.now
            let reply = try backend.exchange(
                ["type": "run", "id": requestID, "iterations": count, "calls_per_sample": callsPerSample],
                expecting: ["samples"], what: "run of \(kernelCase.id)")
            let wall = clock.now - start
            if try reply.string("type") != "samples" {
                throw PluginError.protocolViolation(
                    plugin: backend.path,
                    detail:
                        "\(try reply.string("type")) during run: \(reply.raw["message"] ?? reply.raw["reason"] ?? "")")
            }
            let values = try reply.numbers("samples_s")
            guard values.count == count else {
                throw PluginError.protocolViolation(
                    plugin: backend.path, detail: "\(values.count) samples for \(count) iterations")
            }
            guard values.allSatisfy({ $0.isFinite && $0 > 0 }) else {
                throw PluginError.protocolViolation(
                    plugin: backend.path, detail: "a zero, negative or non-finite duration (no speed can come from it)")
            }
            calls += count * callsPerSample
            let busy = values.reduce(0, +) * Double(callsPerSample)
            overheadSeconds += max(
                0, Double(wall.components.seconds) + Double(wall.components.attoseconds) * 1e-18 - busy)
            sampleCount += count
            return values
        } catch let error as PluginError {
            throw BackendError.failed("\(error) (log: \(backend.logPath))")
        }
    }

    /// Asks the plugin for the entries the kernel's reference names and checks them there
    /// (docs/plugin-protocol.md#verify): `[row, column]` pairs in version 1, `[tensor, row,
    /// column]` in version 2.
    func verify() -> Verification {
        guard let reference = KernelReferences.reference(for: kernelCase) else {
            return .failed("bench has no reference for \(kernelCase.kernel) in \(kernelCase.dtype)")
        }
        let entries = reference.verificationEntries(kernelCase)
        let encoded: [[Any]] =
            backend.protocolVersion == 1
            ? entries.map { [$0.row, $0.column] } : entries.map { [$0.tensor, $0.row, $0.column] }
        let values: [Double]
        do {
            let reply = try backend.exchange(
                ["type": "verify", "id": requestID, "entries": encoded],
                expecting: ["verification"], what: "verify of \(kernelCase.id)")
            guard try reply.string("type") == "verification" else {
                return .failed(
                    "the plugin answered verify with \(reply.raw["type"] ?? "?"): \(reply.raw["message"] ?? reply.raw["reason"] ?? "")"
                )
            }
            values = try reply.numbers("values", allowNull: true)
        } catch {
            return .failed("\(error) (log: \(backend.logPath))")
        }
        return reference.check(kernelCase, entries: entries, values: values, calls: calls)
    }

    /// The protocol's cost per sample: wall time of the `run` exchanges minus the time the
    /// plugin reported computing (outside the samples, which the plugin times itself).
    var overheadSecondsPerSample: Double? {
        guard sampleCount > 0 else { return nil }
        return overheadSeconds / Double(sampleCount)
    }

    func teardown() {
        _ = try? backend.exchange(
            ["type": "teardown", "id": requestID], expecting: ["torn_down"], what: "teardown of \(kernelCase.id)")
    }
}

/// Typed access to a received JSON object; every miss is a protocol violation naming the field.
struct Message {
    let raw: [String: Any]
    let plugin: String

    init(_ raw: [String: Any], plugin: String) {
        self.raw = raw
        self.plugin = plugin
    }

    func string(_ key: String) throws(PluginError) -> String {
        guard let v = raw[key] as? String else {
            throw .protocolViolation(plugin: plugin, detail: "field '\(key)' missing or not a string")
        }
        return v
    }

    func int(_ key: String) throws(PluginError) -> Int {
        guard let n = raw[key] as? Int else {
            throw .protocolViolation(plugin: plugin, detail: "field '\(key)' missing or not an integer")
        }
        return n
    }

    /// A positive, finite number, or `nil` when the field is absent or null.
    func optionalPositiveNumber(_ key: String) throws(PluginError) -> Double? {
        guard let v = raw[key], !(v is NSNull) else { return nil }
        guard let n = v as? NSNumber, !(v is Bool),
            n.doubleValue.isFinite, n.doubleValue > 0
        else {
            throw .protocolViolation(
                plugin: plugin, detail: "\(key) must be a positive, finite number or null (got \(v))")
        }
        return n.doubleValue
    }

    func strings(_ key: String) throws(PluginError) -> [String] {
        guard let v = raw[key] as? [Any], let s = v as? [String] else {
            throw .protocolViolation(plugin: plugin, detail: "field '\(key)' missing or not a list of strings")
        }
        return s
    }

    func numbers(_ key: String, allowNull: Bool = false) throws(PluginError) -> [Double] {
        guard let v = raw[key] as? [Any] else {
            throw .protocolViolation(plugin: plugin, detail: "field '\(key)' missing or not a list")
        }
        var out: [Double] = []
        for item in v {
            if let n = item as? NSNumber {
                out.append(n.doubleValue)
            } else if allowNull, item is NSNull {
                out.append(.nan)
            } else {
                throw .protocolViolation(plugin: plugin, detail: "field '\(key)' holds a non-number")
            }
        }
        return out
    }
}
