import BenchCore

/// One row of a results CSV: one case on one backend at one thread count.
///
/// Every column of ``ResultSchema/columns`` is a typed field here; the schema table says how
/// each is written and read. Optional numbers are written as empty fields. Units: seconds per
/// call for the `*_s` columns, FLOPs and bytes per call, TFLOP/s = 10¹² FLOP/s.
public struct ResultRow: Sendable, Equatable {
    public var schemaVersion: Int = ResultSchema.version
    public var runID: String
    /// ISO 8601 UTC, e.g. `2026-11-26T00:16:51Z`.
    public var timestamp: String
    public var suite: String
    public var caseID: String
    public var kernel: String
    public var dtype: DType
    public var shape: String
    public var backend: BackendID
    public var backendKind: BackendKind
    public var device: String
    public var threads: Int
    public var status: RowStatus
    public var samples: Int
    @CompactDouble public var medianSeconds: Double? = nil
    @CompactDouble public var p10Seconds: Double? = nil
    @CompactDouble public var p90Seconds: Double? = nil
    @CompactDouble public var ciLowSeconds: Double? = nil
    @CompactDouble public var ciHighSeconds: Double? = nil
    /// FLOPs per call.
    public var flops: Double
    /// Compulsory bytes per call.
    public var bytes: Double
    /// Achieved 10¹² FLOP/s at the median time; higher is better.
    @CompactDouble public var tflops: Double? = nil
    /// Units (see ``throughputUnit``) per second at the median time; higher is better.
    @CompactDouble public var throughput: Double? = nil
    public var throughputUnit: String
    @CompactDouble public var priceUSDPerHour: Double? = nil
    @CompactDouble public var usdPerPFLOP: Double? = nil
    @CompactDouble public var usdPerMillionUnits: Double? = nil
    public var notes: String

    // Schema 1.1 (training suite)
    /// Model FLOPs utilisation: achieved FLOP/s ÷ the device's peak for the dtype (measured
    /// host peak for measured CPU rows, catalog peak for modeled rows), in [0, 1]; higher is better.
    @CompactDouble public var mfu: Double? = nil
    /// Tokens per training step, for training kernels.
    public var tokensPerStep: Int?

    // Schema 1.2 (cost model)
    /// What limits a modeled row (or a host-model prediction).
    public var bound: Bound?
    /// Units per second per USD per hour (`throughput ÷ price`); higher is better.
    @CompactDouble public var perfPerDollar: Double? = nil
    /// The catalog version a modeled row was computed from.
    public var catalogVersion: String?

    // Schema 1.3 (run pipeline)
    /// Plugin rows: wall time of the protocol's `run` exchanges beyond the plugin's own
    /// timed samples, in seconds per sample (outside the measured time).
    @CompactDouble public var pluginOverheadSeconds: Double? = nil
    /// `--with-model`: the host model's predicted seconds per call for this measured row.
    @CompactDouble public var modelSeconds: Double? = nil
    /// `--with-model`: prediction error, `model_s ÷ median_s − 1` (signed; 0.1 = predicted 10% slower).
    @CompactDouble public var modelError: Double? = nil

    // Schema 1.4 (rounds)
    /// Measured rows: the rounds the samples were taken in (`samples` counts all of them);
    /// `nil` for modeled rows and in files written before revision 1.4.
    public var rounds: Int?

    // Schema 1.5 (fleets)
    /// The host a measured row ran on: its instance type when known (`--host-instance`,
    /// `--host-instance auto`), else its host name; empty for modeled rows, which do not depend
    /// on the host, and in files written before revision 1.5. Part of the row key.
    public var host: String = ""

    // Schema 1.6 (energy)
    /// Joules per unit of work (the `throughput_unit`'s unit: a call, a token, a parameter).
    @CompactDouble public var energyJPerUnit: Double? = nil
    /// Where ``energyJPerUnit`` comes from; `nil` when there is none (the notes say why).
    public var energySource: EnergySource?

    // Schema 1.8 (modeled rows that know their error)
    /// Modeled rows: the 80% prediction interval of the time per call, from the model's
    /// leave-one-source-out residuals for the row's device class and regime (docs/models.md#intervals).
    @CompactDouble public var intervalLowSeconds: Double? = nil
    @CompactDouble public var intervalHighSeconds: Double? = nil

    // Schema 1.7 (counts: `bench run --measure counts`, under callgrind)
    /// Instructions per call; `nil` in timed runs. Lower is better, like the rest below.
    @CompactDouble public var instructions: Double? = nil
    /// First-level cache misses per call (instruction and data), of the pinned simulated cache.
    @CompactDouble public var l1Misses: Double? = nil
    /// Last-level cache misses per call (instruction and data), of the pinned simulated cache.
    @CompactDouble public var llMisses: Double? = nil
    /// Estimated cycles per call from the counts (``CallCounts/estimatedCycles``).
    @CompactDouble public var estimatedCycles: Double? = nil

    /// Whether the row was counted (counts mode) rather than timed.
    public var isCounted: Bool { instructions != nil }

    public init(
        runID: String, timestamp: String, suite: String, caseID: String, kernel: String, dtype: DType,
        shape: String, backend: BackendID, backendKind: BackendKind, device: String, threads: Int,
        status: RowStatus, samples: Int = 0, medianSeconds: Double? = nil, p10Seconds: Double? = nil,
        p90Seconds: Double? = nil, ciLowSeconds: Double? = nil, ciHighSeconds: Double? = nil,
        flops: Double, bytes: Double, tflops: Double? = nil, throughput: Double? = nil,
        throughputUnit: String, priceUSDPerHour: Double? = nil, usdPerPFLOP: Double? = nil,
        usdPerMillionUnits: Double? = nil, notes: String = ""
    ) {
        self.runID = runID
        self.timestamp = timestamp
        self.suite = suite
        self.caseID = caseID
        self.kernel = kernel
        self.dtype = dtype
        self.shape = shape
        self.backend = backend
        self.backendKind = backendKind
        self.device = device
        self.threads = threads
        self.status = status
        self.samples = samples
        self.medianSeconds = medianSeconds
        self.p10Seconds = p10Seconds
        self.p90Seconds = p90Seconds
        self.ciLowSeconds = ciLowSeconds
        self.ciHighSeconds = ciHighSeconds
        self.flops = flops
        self.bytes = bytes
        self.tflops = tflops
        self.throughput = throughput
        self.throughputUnit = throughputUnit
        self.priceUSDPerHour = priceUSDPerHour
        self.usdPerPFLOP = usdPerPFLOP
        self.usdPerMillionUnits = usdPerMillionUnits
        self.notes = notes
    }

    /// An empty row the reader fills column by column.
    init() {
        self.init(
            runID: "", timestamp: "", suite: "", caseID: "", kernel: "", dtype: DType(rawValue: ""), shape: "",
            backend: BackendID(""), backendKind: .measured, device: "", threads: 0, status: .ok, flops: 0, bytes: 0,
            throughputUnit: "")
    }

    /// The key rows are matched on across files: (`suite`, `case_id`, `backend`, `threads`,
    /// `host`).
    public var key: RowKey { RowKey(suite: suite, caseID: caseID, backend: backend, threads: threads, host: host) }
}

/// The identity of a row across result files.
public struct RowKey: Hashable, Sendable, Codable, CustomStringConvertible {
    public var suite: String
    public var caseID: String
    public var backend: BackendID
    public var threads: Int
    /// The row's `host` (empty for modeled rows and files before revision 1.5).
    public var host: String

    public init(suite: String, caseID: String, backend: BackendID, threads: Int, host: String = "") {
        self.suite = suite
        self.caseID = caseID
        self.backend = backend
        self.threads = threads
        self.host = host
    }

    /// The key without its host: how rows of single-host files match (see `Comparator`).
    public var withoutHost: RowKey { RowKey(suite: suite, caseID: caseID, backend: backend, threads: threads) }

    enum CodingKeys: String, CodingKey {
        case suite, caseID = "case_id", backend, threads, host
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        suite = try c.decode(String.self, forKey: .suite)
        caseID = try c.decode(String.self, forKey: .caseID)
        backend = try c.decode(BackendID.self, forKey: .backend)
        threads = try c.decode(Int.self, forKey: .threads)
        host = try c.decodeIfPresent(String.self, forKey: .host) ?? ""
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(suite, forKey: .suite)
        try c.encode(caseID, forKey: .caseID)
        try c.encode(backend, forKey: .backend)
        try c.encode(threads, forKey: .threads)
        if !host.isEmpty { try c.encode(host, forKey: .host) }
    }

    public var description: String {
        "\(suite) \(caseID) \(backend) threads=\(threads)\(host.isEmpty ? "" : " host=\(host)")"
    }
}

extension ResultRow {
    /// The first numeric column holding NaN, ±∞ or a subnormal number, with its value, or `nil`.
    public func nonFiniteColumn() -> (column: String, value: Double)? {
        let numbers: [(String, Double?)] = [
            ("median_s", medianSeconds), ("p10_s", p10Seconds), ("p90_s", p90Seconds), ("ci_low_s", ciLowSeconds),
            ("ci_high_s", ciHighSeconds), ("flops", flops), ("bytes", bytes), ("tflops", tflops),
            ("throughput", throughput),
            ("price_usd_per_hour", priceUSDPerHour), ("usd_per_pflop", usdPerPFLOP),
            ("usd_per_million_units", usdPerMillionUnits),
            ("mfu", mfu), ("perf_per_dollar", perfPerDollar), ("plugin_overhead_s", pluginOverheadSeconds),
            ("model_s", modelSeconds), ("model_error", modelError), ("energy_j_per_unit", energyJPerUnit),
            ("instructions", instructions), ("l1_misses", l1Misses), ("ll_misses", llMisses),
            ("est_cycles", estimatedCycles), ("interval_low_s", intervalLowSeconds),
            ("interval_high_s", intervalHighSeconds),
        ]
        // Subnormal numbers (below 2.2e-308) are no measurement either: bench's reader refuses them.
        for (name, value) in numbers { if let v = value, !v.isFinite || (v != 0 && !v.isNormal) { return (name, v) } }
        return nil
    }

    /// Empties every speed, statistic and cost column (a failed row reports none).
    public mutating func clearSpeedAndCost() {
        (medianSeconds, p10Seconds, p90Seconds, ciLowSeconds, ciHighSeconds) = (nil, nil, nil, nil, nil)
        (tflops, throughput, usdPerPFLOP, usdPerMillionUnits, perfPerDollar, mfu) = (nil, nil, nil, nil, nil, nil)
        (pluginOverheadSeconds, modelSeconds, modelError) = (nil, nil, nil)
        (energyJPerUnit, energySource) = (nil, nil)
        (instructions, l1Misses, llMisses, estimatedCycles) = (nil, nil, nil, nil)
        (intervalLowSeconds, intervalHighSeconds) = (nil, nil)
        if !flops.isFinite { flops = 0 }
        if !bytes.isFinite { bytes = 0 }
        if let p = priceUSDPerHour, !p.isFinite { priceUSDPerHour = nil }
    }
}

/// Where a row's energy figure comes from.
public enum EnergySource: String, Sendable, Equatable, CaseIterable {
    /// The device model's power (idle + (TDP − idle) × utilisation) × the modeled time.
    case modeled
    /// Read from the host's energy counters (powercap RAPL) around the measured calls.
    case measured
}

extension ResultRow {
    /// The stored form of an optional number, for the reader and the writer: a key path to a
    /// wrapped property goes through its getter and setter (a tenth of a big file's read).
    static func stored(_ field: WritableKeyPath<ResultRow, Double?>) -> (
        WritableKeyPath<ResultRow, CompactDouble> & Sendable
    )? {
        switch field {
        case \ResultRow.medianSeconds: return \ResultRow._medianSeconds
        case \ResultRow.p10Seconds: return \ResultRow._p10Seconds
        case \ResultRow.p90Seconds: return \ResultRow._p90Seconds
        case \ResultRow.ciLowSeconds: return \ResultRow._ciLowSeconds
        case \ResultRow.ciHighSeconds: return \ResultRow._ciHighSeconds
        case \ResultRow.tflops: return \ResultRow._tflops
        case \ResultRow.throughput: return \ResultRow._throughput
        case \ResultRow.priceUSDPerHour: return \ResultRow._priceUSDPerHour
        case \ResultRow.usdPerPFLOP: return \ResultRow._usdPerPFLOP
        case \ResultRow.usdPerMillionUnits: return \ResultRow._usdPerMillionUnits
        case \ResultRow.mfu: return \ResultRow._mfu
        case \ResultRow.perfPerDollar: return \ResultRow._perfPerDollar
        case \ResultRow.pluginOverheadSeconds: return \ResultRow._pluginOverheadSeconds
        case \ResultRow.modelSeconds: return \ResultRow._modelSeconds
        case \ResultRow.modelError: return \ResultRow._modelError
        case \ResultRow.energyJPerUnit: return \ResultRow._energyJPerUnit
        case \ResultRow.intervalLowSeconds: return \ResultRow._intervalLowSeconds
        case \ResultRow.intervalHighSeconds: return \ResultRow._intervalHighSeconds
        case \ResultRow.instructions: return \ResultRow._instructions
        case \ResultRow.l1Misses: return \ResultRow._l1Misses
        case \ResultRow.llMisses: return \ResultRow._llMisses
        case \ResultRow.estimatedCycles: return \ResultRow._estimatedCycles
        default: return nil
        }
    }
}
