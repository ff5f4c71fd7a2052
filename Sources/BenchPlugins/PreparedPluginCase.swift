import BenchCore
import BenchTraining
import Foundation

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
                .run(id: requestID, iterations: count, callsPerSample: callsPerSample), expecting: ["samples"],
                what: "run of \(kernelCase.id)")
            let wall = clock.now - start
            if try reply.type != "samples" {
                throw PluginError.protocolViolation(
                    plugin: backend.path, detail: "\(try reply.type) during run: \(reply.explanation)")
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
        let encoded: [JSONValue] =
            backend.protocolVersion == 1
            ? entries.map { .array([.int($0.row), .int($0.column)]) }
            : entries.map { .array([.string($0.tensor), .int($0.row), .int($0.column)]) }
        let values: [Double]
        do {
            let reply = try backend.exchange(
                .verify(id: requestID, entries: encoded), expecting: ["verification"],
                what: "verify of \(kernelCase.id)")
            guard try reply.type == "verification" else {
                return .failed("the plugin answered verify with \(reply.shown("type")): \(reply.explanation)")
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
            .teardown(id: requestID), expecting: ["torn_down"], what: "teardown of \(kernelCase.id)")
    }
}
