import Foundation

/// What the runner needs besides cases and backends.
public struct RunConfiguration: Sendable {
    public var suite: String
    public var runID: String
    /// ISO 8601 UTC time the run started, written in every row.
    public var timestamp: String
    public var threads: Int
    public var policy: MeasurementPolicy
    /// Measured peak FLOP/s of `threads` cores per dtype, for "% of peak".
    public var peakFLOPS: [DType: Double]
    public var kernels: KernelRegistry
    /// Hourly price of each backend's share of an instance, when known.
    public var prices: [BackendID: PriceQuote]
    /// Measures the peak again (FLOP/s per dtype) when a row beats `peakFLOPS`: a probe
    /// disturbed by another process reads low, and an MFU above 1 would be a wrong number.
    public var peakProbe: (@Sendable (DType) -> Double)?

    public init(suite: String, runID: String, timestamp: String, threads: Int, policy: MeasurementPolicy,
                peakFLOPS: [DType: Double], kernels: KernelRegistry = .builtIn, prices: [BackendID: PriceQuote] = [:],
                peakProbe: (@Sendable (DType) -> Double)? = nil) {
        self.peakProbe = peakProbe
        self.prices = prices
        self.suite = suite
        self.runID = runID
        self.timestamp = timestamp
        self.threads = threads
        self.policy = policy
        self.peakFLOPS = peakFLOPS
        self.kernels = kernels
    }
}

/// A finished row, the raw samples behind it, and the share of peak it reached.
public struct RunOutcome: Sendable {
    public var row: ResultRow
    public var sidecar: SidecarRow
    /// Achieved FLOP/s ÷ measured peak, for measured `ok` rows.
    public var fractionOfPeak: Double?
}

/// Runs every case on every backend and hands each finished row to a sink.
///
/// Follows the data: case × backend → prepare → verify → measure → verify →
/// summarise → row. Never prints; progress goes through `willRun`.
public struct Runner {
    public let configuration: RunConfiguration
    /// The peaks in use: `configuration.peakFLOPS`, raised by any later probe (see `peakProbe`),
    /// so one disturbed start-up probe costs one more probe, not one per row.
    private let peaks: PeakTable

    public init(configuration: RunConfiguration) {
        self.configuration = configuration
        peaks = PeakTable(configuration.peakFLOPS)
    }

    /// Runs `cases` × `backends` in order, calling `didFinish` after each row.
    ///
    /// - Parameters:
    ///   - isCancelled: polled between rows; when it returns `true` the run stops.
    ///   - willRun: called before each row with (index, total, case, backend).
    ///   - didFinish: receives each finished row; an error thrown here stops the run.
    public func run(
        cases: [KernelCase], backends: [any Backend],
        isCancelled: () -> Bool = { false },
        willRun: (Int, Int, KernelCase, any Backend) -> Void = { _, _, _, _ in },
        didFinish: (RunOutcome) throws -> Void
    ) rethrows {
        let total = cases.count * backends.count
        var index = 0
        for kernelCase in cases {
            for backend in backends {
                if isCancelled() { return }
                willRun(index, total, kernelCase, backend)
                index += 1
                try didFinish(runOne(kernelCase, on: backend))
            }
        }
    }

    /// Runs one case on one backend and builds its row. Failures become rows, never throws.
    public func runOne(_ kernelCase: KernelCase, on backend: any Backend) -> RunOutcome {
        let spec = configuration.kernels.spec(named: kernelCase.kernel)
        var row = ResultRow(
            runID: configuration.runID, timestamp: configuration.timestamp, suite: configuration.suite,
            caseID: kernelCase.id, kernel: kernelCase.kernel, dtype: kernelCase.dtype.rawValue,
            shape: kernelCase.shape, backend: backend.id.rawValue, backendKind: backend.kind,
            device: backend.device, threads: configuration.threads, status: .ok,
            flops: spec?.flops(kernelCase) ?? 0, bytes: spec?.bytes(kernelCase) ?? 0,
            throughputUnit: spec?.throughputUnit ?? "calls/s")
        var sidecar = SidecarRow(key: row.key, status: .ok)
        let tokens = spec?.tokensPerStep(kernelCase)
        let modeled = backend as? any ModeledBackend
        let quote = configuration.prices[backend.id]
        func finish(_ status: RowStatus, _ notes: String, mfu: Double? = nil, bound: Bound? = nil) -> RunOutcome {
            var perDollar: Double?
            var allNotes = [notes]
            if let quote {
                row.priceUSDPerHour = quote.usdPerHour
                if status == .ok, let t = row.tflops, t > 0, let q = row.throughput, q > 0 {
                    let cost = CostMetrics(usdPerHour: quote.usdPerHour, tflops: t, throughput: q)
                    row.usdPerPFLOP = cost.usdPerPFLOP
                    row.usdPerMillionUnits = cost.usdPerMillionUnits
                    perDollar = cost.perfPerDollar
                }
                if !quote.note.isEmpty { allNotes.append(quote.note) }
            } else if backend.kind == .measured, status == .ok {
                allNotes.append("no price: pass --host-instance NAME or --host-price USD")
            }
            row.extraColumns = [
                ("mfu", ResultSchema.format(mfu)), ("tokens_per_step", tokens.map(String.init) ?? ""),
                ("bound", bound?.rawValue ?? ""), ("perf_per_dollar", ResultSchema.format(perDollar)),
                ("catalog_version", modeled?.catalogVersion ?? ""),
            ]
            row.status = status
            row.notes = allNotes.filter { !$0.isEmpty }.joined(separator: "; ")
            sidecar.status = status
            return RunOutcome(row: row, sidecar: sidecar, fractionOfPeak: nil)
        }
        guard let spec else { return finish(.error, "unknown kernel \(kernelCase.kernel)") }
        if let reason = backend.unsupportedReason(for: kernelCase) { return finish(.unsupported, reason) }
        if let modeled {
            do {
                let e = try modeled.estimate(kernelCase)
                row.medianSeconds = e.seconds
                row.tflops = row.flops / e.seconds / 1e12
                row.throughput = spec.unitsPerCall(kernelCase) / e.seconds
                sidecar.stopReason = "modeled"
                var outcome = finish(.ok, e.notes, mfu: row.flops / e.seconds / e.peakFLOPS, bound: e.bound)
                outcome.fractionOfPeak = row.flops / e.seconds / e.peakFLOPS
                return outcome
            } catch {
                return finish(.unsupported, "\(error)")
            }
        }

        let prepared: any PreparedCase
        do {
            prepared = try backend.prepare(kernelCase, threads: configuration.threads)
        } catch BackendError.unsupported(let reason) {
            return finish(.unsupported, reason)
        } catch {
            return finish(.error, "\(error)")
        }
        defer { prepared.teardown() }
        do {
            try prepared.run()
        } catch {
            return finish(.error, "\(error)")
        }
        // Verify the first call before spending the budget on a wrong kernel.
        let first = prepared.verify()
        sidecar.verification = first
        guard first.passed else {
            return finish(.verifyFailed, "verification failed on the first call: \(first.detail)")
        }
        var stopwatch = ContinuousStopwatch()
        let measurement: Measurement
        do {
            if let selfTimed = prepared as? any SelfTimedCase {
                measurement = try Measurement.measureSelfTimed(policy: configuration.policy, stopwatch: &stopwatch) {
                    try selfTimed.samples(count: $0, callsPerSample: $1)
                }
            } else {
                measurement = try Measurement.measure(policy: configuration.policy, stopwatch: &stopwatch) { try prepared.run() }
            }
        } catch {
            return finish(.error, "\(error)")
        }
        sidecar.samplesSeconds = measurement.samples
        sidecar.callsPerSample = measurement.callsPerSample
        sidecar.warmupCalls = measurement.warmupCalls
        sidecar.stopReason = measurement.stopReason.rawValue
        let last = prepared.verify()
        sidecar.verification = last
        row.samples = measurement.samples.count
        guard last.passed else {
            // The samples stay in the sidecar for diagnosis; no speed is reported.
            return finish(.verifyFailed, "verification failed after measuring: \(last.detail)")
        }
        let summary = Summary(measurement.samples, level: configuration.policy.confidenceLevel)
        row.medianSeconds = summary.median
        row.p10Seconds = summary.p10
        row.p90Seconds = summary.p90
        row.ciLowSeconds = summary.confidenceInterval?.lowerBound
        row.ciHighSeconds = summary.confidenceInterval?.upperBound
        row.tflops = row.flops / summary.median / 1e12
        row.throughput = spec.unitsPerCall(kernelCase) / summary.median
        var notes = ["verified \(last.checkedEntries) entries (worst error \(fixed(last.worstErrorRatio * 100, 1))% of bound)"]
        var fraction: Double?
        if backend.kind == .measured, var peak = peaks.rates[kernelCase.dtype], peak > 0 {
            let achieved = row.flops / summary.median
            if achieved > peak, let probe = configuration.peakProbe {
                peak = max(peak, probe(kernelCase.dtype))
                peaks.rates[kernelCase.dtype] = peak
            }
            if achieved <= peak {
                fraction = achieved / peak
                notes.append("\(fixed(fraction! * 100, 1))% of measured peak \(fixed(peak / 1e9, 1)) GFLOP/s")
            } else {
                notes.append("no MFU: \(fixed(achieved / 1e9, 1)) GFLOP/s is above the measured peak \(fixed(peak / 1e9, 1)) GFLOP/s, even after probing it again (the probe was disturbed)")
            }
        }
        if summary.confidenceInterval == nil { notes.append("too few samples for a 95% CI") }
        if let extra = prepared.runNotes { notes.append(extra) }
        if measurement.stopReason == .budget, let w = summary.relativeCIHalfWidth, w > configuration.policy.targetRelativeCIHalfWidth {
            notes.append("budget spent before the CI reached ±\(fixed(configuration.policy.targetRelativeCIHalfWidth * 100, 0))% (±\(fixed(w * 100, 1))%)")
        }
        var outcome = finish(.ok, notes.joined(separator: "; "), mfu: fraction)
        outcome.fractionOfPeak = fraction
        return outcome
    }
}

/// Peak FLOP/s per dtype, shared by a runner's copies.
private final class PeakTable {
    var rates: [DType: Double]
    init(_ rates: [DType: Double]) { self.rates = rates }
}
