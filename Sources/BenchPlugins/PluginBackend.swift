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
        let hello: PluginHandshake
        do {
            try p.send(PluginRequest.hello.value, waitingFor: "the handshake")
            hello = try PluginHandshake(
                Message(
                    try p.receive(timeout: PluginProtocol.handshakeTimeout, waitingFor: "the handshake"), plugin: path))
        } catch {
            p.terminate()
            throw error
        }
        protocolVersion = hello.protocolVersion
        id = hello.backendID
        device = hello.device
        kernels = hello.kernels
        dtypes = hello.dtypes
        priceHint = hello.priceHint
        catalogDevice = hello.catalogDevice
        deviceShare = hello.deviceShare
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
    func exchange(_ request: PluginRequest, expecting types: Set<String>, what: String) throws(PluginError) -> Message {
        let p = try running()
        do throws(PluginError) {
            try p.send(request.value, waitingFor: what)
            let reply = Message(try p.receive(timeout: caseTimeout, waitingFor: what), plugin: path)
            let type = try reply.type
            guard types.contains(type) || type == "error" || type == "unsupported" else {
                throw PluginError.protocolViolation(plugin: path, detail: "answered \(what) with '\(type)'")
            }
            if let expected = request.id {
                let got = try reply.int("id")
                guard got == expected else {
                    throw PluginError.protocolViolation(
                        plugin: path, detail: "answered request \(expected) with id \(got)")
                }
            }
            return reply
        } catch {
            process = nil
            p.terminate()
            throw error
        }
    }

    public func prepare(_ kernelCase: KernelCase, threads: Int) throws -> any PreparedCase {
        let requestID = nextID
        nextID += 1
        // Parameters in the case id's order (a JSON object, written in that order).
        let fields = PluginRequest.KernelCaseFields(
            caseID: kernelCase.id, kernel: kernelCase.kernel, dtype: kernelCase.dtype,
            parameters: kernelCase.parameters.map { ($0.name, $0.value) })
        do {
            let reply = try exchange(
                .prepare(id: requestID, kernelCase: fields, threads: threads), expecting: ["prepared"],
                what: "prepare of \(kernelCase.id)")
            switch try reply.type {
            case "unsupported": throw BackendError.unsupported(try reply.string("reason"))
            case "error": throw BackendError.failed("plugin error: \(try reply.string("message")) (log: \(logPath))")
            default:
                // Optional free text about the set-up (precision read back, cores used).
                let notes = reply.optionalString("notes").map { String($0.prefix(512)) }
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
