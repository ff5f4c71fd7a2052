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
    /// `--with-model`: a model of this host per measured backend; its prediction and error
    /// go into the row's `model_s` and `model_error` columns.
    public var predictors: [BackendID: any TimePredictor]
    /// The fastest dense peak FLOP/s of any device in the catalog, per dtype: a self-timed
    /// (plugin) row faster than this is impossible and becomes an `error` row.
    public var fastestDeviceFLOPS: [DType: Double] = [:]
    /// The start-up peak probe's spread per dtype ((max − min) / max of its runs). A measured
    /// host row faster than the re-probed peak by more than max(spread, 10%) is an `error` row.
    public var peakSpread: [DType: Double] = [:]

    public init(
        suite: String, runID: String, timestamp: String, threads: Int, policy: MeasurementPolicy,
        peakFLOPS: [DType: Double], kernels: KernelRegistry = .builtIn, prices: [BackendID: PriceQuote] = [:],
        peakProbe: (@Sendable (DType) -> Double)? = nil, predictors: [BackendID: any TimePredictor] = [:],
        fastestDeviceFLOPS: [DType: Double] = [:], peakSpread: [DType: Double] = [:]
    ) {
        self.fastestDeviceFLOPS = fastestDeviceFLOPS
        self.peakSpread = peakSpread
        self.peakProbe = peakProbe
        self.predictors = predictors
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

/// Predicts a case's time on this host (a calibrated host model, `bench run --with-model`).
public protocol TimePredictor: Sendable {
    /// The predicted seconds per call and what bounds them, or `nil` when the model has no answer.
    func predict(_ kernelCase: KernelCase) -> ModeledEstimate?
}

/// A finished row and the raw samples behind it.
public struct RunOutcome: Sendable {
    public var row: ResultRow
    public var sidecar: SidecarRow
    /// Achieved FLOP/s ÷ peak (the row's `mfu`).
    public var fractionOfPeak: Double? { row.mfu }
}

/// Runs every case on every backend and hands each finished row to a sink.
///
/// Follows the data: case × backend → prepare → verify → measure → verify →
/// summarise → row. Never prints; progress goes through `willRun`.
public struct Runner {
    public let configuration: RunConfiguration
    /// The peaks in use: `configuration.peakFLOPS`, raised by any later probe (see `peakProbe`),
    /// so one disturbed start-up probe costs one more probe, not one per row. The one owner of
    /// the run's peak: rows, sidecar and printout all read it.
    public let peaks: HostPeaks

    public init(configuration: RunConfiguration) {
        self.configuration = configuration
        peaks = HostPeaks(configuration.peakFLOPS)
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
            caseID: kernelCase.id, kernel: kernelCase.kernel, dtype: kernelCase.dtype,
            shape: kernelCase.shape, backend: backend.id, backendKind: backend.kind,
            device: backend.device, threads: configuration.threads, status: .ok,
            flops: spec?.flops(kernelCase) ?? 0, bytes: spec?.bytes(kernelCase) ?? 0,
            throughputUnit: spec?.throughputUnit ?? "calls/s")
        var sidecar = SidecarRow(key: row.key, status: .ok)
        row.tokensPerStep = spec?.tokensPerStep(kernelCase)
        let modeled = backend as? any ModeledBackend
        row.catalogVersion = modeled?.catalogVersion
        let quote = configuration.prices[backend.id]
        func finish(_ status: RowStatus, _ notes: String) -> RunOutcome {
            var allNotes = [notes]
            if let quote {
                row.priceUSDPerHour = quote.usdPerHour
                if status == .ok, let t = row.tflops, t > 0, let q = row.throughput, q > 0 {
                    let cost = CostMetrics(usdPerHour: quote.usdPerHour, tflops: t, throughput: q)
                    row.usdPerPFLOP = cost.usdPerPFLOP
                    row.usdPerMillionUnits = cost.usdPerMillionUnits
                    row.perfPerDollar = cost.perfPerDollar
                }
                if !quote.note.isEmpty { allNotes.append(quote.note) }
            } else if backend.kind == .measured, status == .ok {
                allNotes.append("no price: pass --host-instance NAME or --host-price USD")
            }
            var status = status
            // A failed row reports no speed or cost (its samples stay in the sidecar).
            if status.isFailure { row.clearSpeedAndCost() }
            // No non-finite number is ever written (bench's own readers refuse them): such a
            // row is an error that names the column, with no speed or cost.
            if let bad = row.nonFiniteColumn() {
                status = .error
                allNotes = [
                    "\(bad.column) would be \(bad.value) (a zero or impossible time, or an overflowing catalog number); no speed reported"
                ]
                row.clearSpeedAndCost()
            }
            row.status = status
            row.notes = allNotes.filter { !$0.isEmpty }.joined(separator: "; ")
            sidecar.status = status
            return RunOutcome(row: row, sidecar: sidecar)
        }
        guard let spec else { return finish(.error, "unknown kernel \(kernelCase.kernel)") }
        if let reason = backend.unsupportedReason(for: kernelCase) { return finish(.unsupported, reason) }
        if let modeled {
            do {
                let e = try modeled.estimate(kernelCase)
                row.medianSeconds = e.seconds
                row.tflops = row.flops / e.seconds / 1e12
                row.throughput = spec.unitsPerCall(kernelCase) / e.seconds
                sidecar.stopReason = .modeled
                row.mfu = row.flops / e.seconds / e.peakFLOPS
                row.bound = e.bound
                return finish(.ok, e.notes)
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
                // A sample faster than any device could run the case ends the row at once (the
                // batching would otherwise ask an impossibly fast plugin for ever more calls).
                let bound = configuration.fastestDeviceFLOPS[kernelCase.dtype]
                let flops = row.flops
                measurement = try Measurement.measureSelfTimed(policy: configuration.policy, stopwatch: &stopwatch) {
                    let xs = try selfTimed.samples(count: $0, callsPerSample: $1)
                    if let bound, let fastest = xs.min(), flops / fastest > bound {
                        throw ImpossibleSpeed(flopsPerSecond: flops / fastest, bound: bound, dtype: kernelCase.dtype)
                    }
                    return xs
                }
            } else {
                measurement = try Measurement.measure(policy: configuration.policy, stopwatch: &stopwatch) {
                    try prepared.run()
                }
            }
        } catch {
            return finish(.error, "\(error)")
        }
        sidecar.samplesSeconds = measurement.samples
        sidecar.callsPerSample = measurement.callsPerSample
        sidecar.warmupCalls = measurement.warmupCalls
        sidecar.stopReason = measurement.stopReason
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
        var notes = [
            "verified \(last.checkedEntries) entries (worst error \(fixed(last.worstErrorRatio * 100, 1))% of bound)"
        ]
        let achieved = row.flops / summary.median
        let selfTimed = prepared is any SelfTimedCase
        if selfTimed, let fastest = configuration.fastestDeviceFLOPS[kernelCase.dtype], achieved > fastest {
            return finish(
                .error,
                "impossible speed: \(fixed(achieved / 1e12, 1)) TFLOP/s is above the fastest \(kernelCase.dtype) peak of any device in the catalog (\(fixed(fastest / 1e12, 1)) TFLOP/s); the plugin's clock or its work is wrong"
            )
        }
        if backend.kind == .measured, !selfTimed, var peak = peaks.rate(for: kernelCase.dtype), peak > 0 {
            if achieved > peak, let probe = configuration.peakProbe {
                peak = peaks.raise(kernelCase.dtype, to: probe(kernelCase.dtype))
            }
            let tolerance = max(configuration.peakSpread[kernelCase.dtype] ?? 0, 0.10)
            if achieved <= peak {
                row.mfu = achieved / peak
                notes.append("\(fixed(achieved / peak * 100, 1))% of measured peak \(fixed(peak / 1e9, 1)) GFLOP/s")
            } else if achieved > peak * (1 + tolerance) {
                return finish(
                    .error,
                    "impossible speed: \(fixed(achieved / 1e9, 1)) GFLOP/s is \(fixed((achieved / peak - 1) * 100, 0))% above the measured peak \(fixed(peak / 1e9, 1)) GFLOP/s even after probing it again (more than the probe's spread, at least 10%); the kernel's timing or its work is wrong"
                )
            } else {
                notes.append(
                    "no MFU: \(fixed(achieved / 1e9, 1)) GFLOP/s is above the measured peak \(fixed(peak / 1e9, 1)) GFLOP/s, even after probing it again (the probe was disturbed)"
                )
            }
        }
        if summary.confidenceInterval == nil { notes.append("too few samples for a 95% CI") }
        row.pluginOverheadSeconds = prepared.overheadSecondsPerSample
        if let predictor = configuration.predictors[backend.id], let e = predictor.predict(kernelCase) {
            row.modelSeconds = e.seconds
            row.modelError = e.seconds / summary.median - 1
            row.bound = e.bound
        }
        if measurement.stopReason == .budget, let w = summary.relativeCIHalfWidth,
            w > configuration.policy.targetRelativeCIHalfWidth
        {
            notes.append(
                "budget spent before the CI reached ±\(fixed(configuration.policy.targetRelativeCIHalfWidth * 100, 0))% (±\(fixed(w * 100, 1))%)"
            )
        }
        return finish(.ok, notes.joined(separator: "; "))
    }
}

/// A self-timed sample faster than the fastest device of the catalog.
struct ImpossibleSpeed: Error, CustomStringConvertible {
    var flopsPerSecond: Double, bound: Double, dtype: DType
    var description: String {
        "impossible speed: \(fixed(flopsPerSecond / 1e12, 1)) TFLOP/s is above the fastest \(dtype) peak of any device in the catalog (\(fixed(bound / 1e12, 1)) TFLOP/s); the plugin's clock or its work is wrong"
    }
}

/// The run's measured peak FLOP/s per dtype, shared by a runner's copies and read by whoever
/// writes the sidecar or prints the peak, so they all agree with the rows' MFU.
public final class HostPeaks: @unchecked Sendable {
    /// A re-probe that raised a peak: a disturbed probe reads low, never high.
    public struct Raise: Sendable, Equatable {
        public var dtype: DType
        public var fromFLOPS: Double
        public var toFLOPS: Double

        public init(dtype: DType, fromFLOPS: Double, toFLOPS: Double) {
            self.dtype = dtype
            self.fromFLOPS = fromFLOPS
            self.toFLOPS = toFLOPS
        }
    }

    private let lock = NSLock()
    private var rates: [DType: Double]
    private var raiseLog: [Raise] = []

    public init(_ rates: [DType: Double]) { self.rates = rates }

    /// The peaks now, per dtype.
    public var current: [DType: Double] {
        lock.lock()
        defer { lock.unlock() }
        return rates
    }

    /// Every raise so far, in order.
    public var raises: [Raise] {
        lock.lock()
        defer { lock.unlock() }
        return raiseLog
    }

    func rate(for dtype: DType) -> Double? {
        lock.lock()
        defer { lock.unlock() }
        return rates[dtype]
    }

    /// Keeps the larger of the current peak and `probed`; returns the peak now in use.
    @discardableResult
    func raise(_ dtype: DType, to probed: Double) -> Double {
        lock.lock()
        defer { lock.unlock() }
        let old = rates[dtype] ?? 0
        guard probed > old else { return old }
        rates[dtype] = probed
        raiseLog.append(Raise(dtype: dtype, fromFLOPS: old, toFLOPS: probed))
        return probed
    }
}
