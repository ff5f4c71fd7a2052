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
    /// host row faster than the re-probed peak by more than max(spread, 50%) is an `error` row.
    public var peakSpread: [DType: Double] = [:]
    /// Device backends (plugins) that name their catalog device: its dense peaks, which their
    /// rows' MFU is taken against (never the host CPU's probe).
    public var devicePeaks: [BackendID: CatalogPeak] = [:]
    /// The measured rows' `host` (instance type, else host name); modeled rows have none.
    public var host: String = ""
    /// The host's energy counters, or why there are none (measured rows' energy columns).
    public var energy: Result<EnergyMeter, EnergyUnavailable> = .failure(
        EnergyUnavailable(reason: "energy counters not opened"))

    public init(
        suite: String, runID: String, timestamp: String, threads: Int, policy: MeasurementPolicy,
        peakFLOPS: [DType: Double], kernels: KernelRegistry = .builtIn, prices: [BackendID: PriceQuote] = [:],
        peakProbe: (@Sendable (DType) -> Double)? = nil, predictors: [BackendID: any TimePredictor] = [:],
        fastestDeviceFLOPS: [DType: Double] = [:], peakSpread: [DType: Double] = [:],
        devicePeaks: [BackendID: CatalogPeak] = [:], host: String = ""
    ) {
        self.host = host
        self.devicePeaks = devicePeaks
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

/// A catalog device's dense peaks, for the MFU of a device backend's rows.
public struct CatalogPeak: Sendable, Equatable {
    /// The catalog device's name, e.g. `h100`.
    public var device: String
    public var flopsPerSecond: [DType: Double]

    public init(device: String, flopsPerSecond: [DType: Double]) {
        self.device = device
        self.flopsPerSecond = flopsPerSecond
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
/// Where a run is: the step about to run (a row's round), for progress lines.
public struct RunProgress: Sendable {
    /// 0-based index of the step, and the number of steps (rows × their rounds).
    public var step: Int
    public var steps: Int
    public var kernelCase: KernelCase
    public var backend: BackendID
    /// 1-based round of the row, and its rounds (1 for modeled and unsupported rows).
    public var round: Int
    public var rounds: Int
}

/// Runs every case on every backend and hands each finished row to a sink.
///
/// Follows the data: case × backend → prepare → verify → measure (in rounds) → verify →
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

    /// Runs `cases` × `backends`, measured ones in ``MeasurementPolicy/rounds`` interleaved
    /// rounds: every row's first round, then every row's second, and so on, so that a drift of
    /// the machine hits every case alike. Modeled, unsupported and failed rows finish at once;
    /// a measured row finishes after its last round.
    ///
    /// - Parameters:
    ///   - isCancelled: polled between steps; when it returns `true` the run stops.
    ///   - willRun: called before each step (a row's round).
    ///   - didMeasureRound: after each round of a row that is not finished yet, the row as its
    ///     rounds so far describe it (what an interrupted run saves).
    ///   - didFinish: receives each finished row; an error thrown here stops the run.
    public func run(
        cases: [KernelCase], backends: [any Backend],
        isCancelled: () -> Bool = { false },
        willRun: (RunProgress) -> Void = { _ in },
        didMeasureRound: (RunOutcome) -> Void = { _ in },
        didFinish: (RunOutcome) throws -> Void
    ) rethrows {
        let rounds = max(1, configuration.policy.rounds)
        let pairs = cases.flatMap { kc in backends.map { (kc, $0) } }
        let measuredRows = pairs.filter { kc, b in
            b.kind == .measured && configuration.kernels.spec(named: kc.kernel) != nil
                && b.unsupportedReason(for: kc) == nil
        }.count
        let steps = pairs.count + measuredRows * (rounds - 1)
        var step = 0
        var open: [MeasuredRow] = []
        for (kc, backend) in pairs {
            if isCancelled() { return }
            willRun(
                RunProgress(
                    step: step, steps: steps, kernelCase: kc, backend: backend.id, round: 1,
                    rounds: backend.kind == .measured ? rounds : 1))
            step += 1
            switch start(kc, on: backend) {
            case .finished(let outcome): try didFinish(outcome)
            case .measuring(var state):
                if let failed = measureRound(&state) { try didFinish(failed); continue }
                if rounds == 1 {
                    try didFinish(finish(state))
                } else {
                    didMeasureRound(provisional(state))
                    open.append(state)
                }
            }
        }
        for round in 2...max(2, rounds) where round <= rounds {
            var still: [MeasuredRow] = []
            for var state in open {
                if isCancelled() { return }
                willRun(
                    RunProgress(
                        step: step, steps: steps, kernelCase: state.kernelCase, backend: state.backend.id,
                        round: round, rounds: rounds))
                step += 1
                if let failed = measureRound(&state) { try didFinish(failed); continue }
                if round == rounds {
                    try didFinish(finish(state))
                } else {
                    didMeasureRound(provisional(state))
                    still.append(state)
                }
            }
            open = still
        }
    }

    /// Runs one case on one backend, all its rounds back to back, and builds its row.
    /// Failures become rows, never throws.
    public func runOne(_ kernelCase: KernelCase, on backend: any Backend) -> RunOutcome {
        switch start(kernelCase, on: backend) {
        case .finished(let outcome): return outcome
        case .measuring(var state):
            for _ in 0..<max(1, configuration.policy.rounds) {
                if let failed = measureRound(&state) { return failed }
            }
            return finish(state)
        }
    }

    /// A measured row between its rounds.
    struct MeasuredRow {
        var kernelCase: KernelCase
        var backend: any Backend
        var spec: any KernelSpec
        var row: ResultRow
        var sidecar: SidecarRow
        var rounds: [Measurement] = []
        var selfTimed = false
        var overheadSecondsPerSample: Double?
        var preparedNotes: String?
        /// Joules and calls counted by the energy meter over the rounds (in-process rows).
        var energyJoules = 0.0
        var energyCalls = 0
    }

    enum Start {
        case finished(RunOutcome)
        case measuring(MeasuredRow)
    }

    /// The row's fixed columns; modeled, unsupported and unknown rows are finished here.
    func start(_ kernelCase: KernelCase, on backend: any Backend) -> Start {
        let spec = configuration.kernels.spec(named: kernelCase.kernel)
        var row = ResultRow(
            runID: configuration.runID, timestamp: configuration.timestamp, suite: configuration.suite,
            caseID: kernelCase.id, kernel: kernelCase.kernel, dtype: kernelCase.dtype,
            shape: kernelCase.shape, backend: backend.id, backendKind: backend.kind,
            device: backend.device, threads: configuration.threads, status: .ok,
            flops: spec?.flops(kernelCase) ?? 0, bytes: spec?.bytes(kernelCase) ?? 0,
            throughputUnit: spec?.throughputUnit ?? "calls/s")
        if backend.kind == .measured { row.host = configuration.host }
        var sidecar = SidecarRow(key: row.key, status: .ok)
        row.tokensPerStep = spec?.tokensPerStep(kernelCase)
        let modeled = backend as? any ModeledBackend
        row.catalogVersion = modeled?.catalogVersion
        guard let spec else {
            return .finished(finalize(row, sidecar, backend, .error, "unknown kernel \(kernelCase.kernel)"))
        }
        if let reason = backend.unsupportedReason(for: kernelCase) {
            return .finished(finalize(row, sidecar, backend, .unsupported, reason))
        }
        if let modeled {
            do {
                let e = try modeled.estimate(kernelCase)
                row.medianSeconds = e.seconds
                row.tflops = row.flops / e.seconds / 1e12
                row.throughput = spec.unitsPerCall(kernelCase) / e.seconds
                sidecar.stopReason = .modeled
                row.mfu = row.flops / e.seconds / e.peakFLOPS
                row.bound = e.bound
                var notes = e.notes
                if let watts = e.watts {
                    row.energyJPerUnit = watts * e.seconds / spec.unitsPerCall(kernelCase)
                    row.energySource = .modeled
                } else {
                    notes += "; no energy: the catalog has no TDP for this device"
                }
                return .finished(finalize(row, sidecar, backend, .ok, notes))
            } catch {
                return .finished(finalize(row, sidecar, backend, .unsupported, "\(error)"))
            }
        }
        return .measuring(MeasuredRow(kernelCase: kernelCase, backend: backend, spec: spec, row: row, sidecar: sidecar))
    }

    /// One round: prepare, (verify the first call of the first round), warm up and sample,
    /// (verify the last call of the last round), tear down. Returns the finished row when the
    /// round failed.
    func measureRound(_ s: inout MeasuredRow) -> RunOutcome? {
        let rounds = max(1, configuration.policy.rounds)
        let first = s.rounds.isEmpty
        let last = s.rounds.count + 1 == rounds
        let prepared: any PreparedCase
        do {
            prepared = try s.backend.prepare(s.kernelCase, threads: configuration.threads)
        } catch BackendError.unsupported(let reason) {
            return failed(s, .unsupported, reason)
        } catch {
            return failed(s, .error, "\(error)")
        }
        defer { prepared.teardown() }
        do {
            try prepared.run()
        } catch {
            return failed(s, .error, "\(error)")
        }
        if first {
            // Verify the first call before spending the budget on a wrong kernel.
            let v = prepared.verify()
            s.sidecar.verification = v
            guard v.passed else {
                return failed(s, .verifyFailed, "verification failed on the first call: \(v.detail)")
            }
        }
        var stopwatch = ContinuousStopwatch()
        let policy = configuration.policy.perRound
        let measurement: Measurement
        do {
            if let selfTimed = prepared as? any SelfTimedCase {
                s.selfTimed = true
                // A sample faster than any device could run the case ends the row at once (the
                // batching would otherwise ask an impossibly fast plugin for ever more calls).
                let bound = configuration.fastestDeviceFLOPS[s.kernelCase.dtype]
                let (flops, dtype) = (s.row.flops, s.kernelCase.dtype)
                measurement = try Measurement.measureSelfTimed(policy: policy, stopwatch: &stopwatch) {
                    let xs = try selfTimed.samples(count: $0, callsPerSample: $1)
                    if let bound, let fastest = xs.min(), flops / fastest > bound {
                        throw ImpossibleSpeed(flopsPerSecond: flops / fastest, bound: bound, dtype: dtype)
                    }
                    return xs
                }
            } else {
                let meter = try? configuration.energy.get()
                let before = meter?.read()
                measurement = try Measurement.measure(policy: policy, stopwatch: &stopwatch) { try prepared.run() }
                if let meter, let before, let after = meter.read(), let j = meter.joules(from: before, to: after) {
                    s.energyJoules += j
                    s.energyCalls += measurement.warmupCalls + measurement.samples.count * measurement.callsPerSample
                }
            }
        } catch {
            return failed(s, .error, "\(error)")
        }
        s.rounds.append(measurement)
        s.overheadSecondsPerSample = prepared.overheadSecondsPerSample
        s.preparedNotes = prepared.preparedNotes
        if last {
            let v = prepared.verify()
            s.sidecar.verification = v
            guard v.passed else {
                // The samples stay in the sidecar for diagnosis; no speed is reported.
                recordSamples(&s)
                return finalize(
                    s.row, s.sidecar, s.backend, .verifyFailed, "verification failed after measuring: \(v.detail)")
            }
        }
        return nil
    }

    /// A failed round's row: the earlier rounds' samples stay in the sidecar.
    func failed(_ s: MeasuredRow, _ status: RowStatus, _ notes: String) -> RunOutcome {
        var s = s
        recordSamples(&s)
        let prefix = s.rounds.isEmpty ? "" : "round \(s.rounds.count + 1): "
        return finalize(s.row, s.sidecar, s.backend, status, prefix + notes)
    }

    /// Puts the rounds' samples (pooled, in order) and their bookkeeping into the sidecar row.
    func recordSamples(_ s: inout MeasuredRow) {
        s.sidecar.samplesSeconds = s.rounds.flatMap(\.samples)
        s.sidecar.callsPerSample = s.rounds.last?.callsPerSample ?? 0
        s.sidecar.warmupCalls = s.rounds.map(\.warmupCalls).reduce(0, +)
        s.sidecar.stopReason = s.rounds.last?.stopReason
        // A row that failed before its first round finished has no rounds.
        s.sidecar.rounds =
            s.rounds.isEmpty
            ? nil
            : s.rounds.map {
                SidecarRound(
                    samples: $0.samples.count, callsPerSample: $0.callsPerSample, warmupCalls: $0.warmupCalls,
                    stopReason: $0.stopReason)
            }
        s.row.samples = s.sidecar.samplesSeconds.count
        s.row.rounds = s.rounds.isEmpty ? nil : s.rounds.count
    }

    /// The row as its rounds so far describe it, for an interrupted run.
    func provisional(_ s: MeasuredRow) -> RunOutcome {
        var outcome = finish(s)
        let rounds = max(1, configuration.policy.rounds)
        outcome.row.notes =
            "interrupted after \(s.rounds.count) of \(rounds) rounds (last call not verified); "
            + outcome.row.notes
        return outcome
    }

    /// The row of a case whose rounds all ran: statistics over the pooled samples, a CI that
    /// also covers the round-to-round spread, MFU against the (re-probed) peak, the host model.
    func finish(_ s: MeasuredRow) -> RunOutcome {
        var s = s
        recordSamples(&s)
        var row = s.row
        let (kernelCase, spec) = (s.kernelCase, s.spec)
        let stats = RoundStatistics(rounds: s.rounds.map(\.samples), level: configuration.policy.confidenceLevel)
        let summary = stats.summary
        row.setTimes(stats, rounds: s.rounds.count)
        row.tflops = row.flops / summary.median / 1e12
        row.throughput = spec.unitsPerCall(kernelCase) / summary.median
        let verification = s.sidecar.verification
        var notes = [
            "verified \(verification?.checkedEntries ?? 0) entries (worst error \(fixed((verification?.worstErrorRatio ?? 0) * 100, 1))% of bound)"
        ]
        if let note = stats.note { notes.append(note) }
        if let said = s.preparedNotes { notes.append("\(s.backend.id) says: \(said)") }
        let achieved = row.flops / summary.median
        if s.selfTimed, let fastest = configuration.fastestDeviceFLOPS[kernelCase.dtype], achieved > fastest {
            return finalize(
                row, s.sidecar, s.backend, .error,
                "impossible speed: \(fixed(achieved / 1e12, 1)) TFLOP/s is above the fastest \(kernelCase.dtype) peak of any device in the catalog (\(fixed(fastest / 1e12, 1)) TFLOP/s); the plugin's clock or its work is wrong"
            )
        }
        if s.backend is any DeviceBackend {
            // A device's row: MFU against its catalog device, never the host CPU's probe.
            if let catalog = configuration.devicePeaks[s.backend.id] {
                // A plugin on part of a device (`device_share`) is held to that part's peak.
                let share = (s.backend as? any DeviceBackend)?.deviceShare ?? 1
                let of = share < 1 ? "\(fixed(share, 3)) of the" : "the"
                if let full = catalog.flopsPerSecond[kernelCase.dtype], full > 0, achieved <= full * share {
                    let peak = full * share
                    row.mfu = achieved / peak
                    notes.append(
                        "\(fixed(achieved / peak * 100, 1))% of \(of) \(catalog.device) dense \(kernelCase.dtype) peak \(fixed(peak / 1e12, 1)) TFLOP/s (catalog)"
                    )
                } else if let full = catalog.flopsPerSecond[kernelCase.dtype], full > 0 {
                    notes.append(
                        "no MFU: \(fixed(achieved / 1e12, 1)) TFLOP/s is above \(of) \(catalog.device) dense \(kernelCase.dtype) peak \(fixed(full * share / 1e12, 1)) TFLOP/s (catalog); is the plugin on another device?"
                    )
                } else {
                    notes.append("no MFU: the catalog has no dense \(kernelCase.dtype) peak for \(catalog.device)")
                }
            } else {
                notes.append("no MFU: the plugin names no catalog_device")
            }
        } else if s.backend.kind == .measured, !s.selfTimed, var peak = peaks.rate(for: kernelCase.dtype), peak > 0 {
            if achieved > peak, let probe = configuration.peakProbe {
                peak = peaks.raise(kernelCase.dtype, to: probe(kernelCase.dtype))
            }
            // On a shared host a probe can read a third low twice running (measured: 117.5
            // against ~180 GFLOP/s), so only a row 50% above the re-probed peak (or more than
            // the probe's spread) is impossible; between, the row has no MFU and says why.
            let tolerance = max(configuration.peakSpread[kernelCase.dtype] ?? 0, 0.5)
            if achieved <= peak {
                row.mfu = achieved / peak
                notes.append("\(fixed(achieved / peak * 100, 1))% of measured peak \(fixed(peak / 1e9, 1)) GFLOP/s")
            } else if achieved > peak * (1 + tolerance) {
                return finalize(
                    row, s.sidecar, s.backend, .error,
                    "impossible speed: \(fixed(achieved / 1e9, 1)) GFLOP/s is \(fixed((achieved / peak - 1) * 100, 0))% above the measured peak \(fixed(peak / 1e9, 1)) GFLOP/s even after probing it again (more than the probe's spread, at least 50%); the kernel's timing or its work is wrong"
                )
            } else {
                notes.append(
                    "no MFU: \(fixed(achieved / 1e9, 1)) GFLOP/s is above the measured peak \(fixed(peak / 1e9, 1)) GFLOP/s, even after probing it again (the probe was disturbed)"
                )
            }
        }
        if summary.confidenceInterval == nil { notes.append("too few samples for a 95% CI") }
        if s.selfTimed {
            notes.append("no energy: the plugin's device reports none")
        } else if s.energyCalls > 0 {
            row.energyJPerUnit = s.energyJoules / Double(s.energyCalls) / spec.unitsPerCall(kernelCase)
            row.energySource = .measured
            notes.append(
                "energy: RAPL package counters over the measured calls (whole sockets: idle and other processes included)"
            )
        } else if case .failure(let why) = configuration.energy {
            notes.append("no energy: \(why)")
        }
        row.pluginOverheadSeconds = s.overheadSecondsPerSample
        if let predictor = configuration.predictors[s.backend.id], let e = predictor.predict(kernelCase) {
            row.modelSeconds = e.seconds
            row.modelError = e.seconds / summary.median - 1
            row.bound = e.bound
        }
        if s.sidecar.stopReason == .budget, let w = summary.relativeCIHalfWidth,
            w > configuration.policy.targetRelativeCIHalfWidth
        {
            notes.append(
                "budget spent before the CI reached ±\(fixed(configuration.policy.targetRelativeCIHalfWidth * 100, 0))% (±\(fixed(w * 100, 1))%)"
            )
        }
        return finalize(row, s.sidecar, s.backend, .ok, notes.joined(separator: "; "))
    }

    /// Prices the row, clears speed and cost of a failed row, refuses non-finite numbers,
    /// and sets status and notes.
    func finalize(
        _ row: ResultRow, _ sidecar: SidecarRow, _ backend: any Backend, _ status: RowStatus, _ notes: String
    ) -> RunOutcome {
        var row = row, sidecar = sidecar, status = status
        var allNotes = [notes]
        if let quote = configuration.prices[backend.id] {
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
