import BenchCore
import Foundation

/// The JSON sidecar written next to every results CSV: environment and raw samples.
///
/// Schema documented in `docs/results-schema.md#sidecar`; keys are snake_case.
public struct Sidecar: Codable, Sendable, Equatable {
    /// Version of the sidecar schema (independent of the CSV's).
    public var schemaVersion: Int = Sidecar.currentSchemaVersion
    public var runID: String
    /// The CSV's file name (no directory).
    public var csvFile: String
    public var suite: String
    public var startedAt: String
    public var finishedAt: String
    /// `true` when the run was stopped by an interrupt before every case ran.
    public var interrupted: Bool
    public var environment: HostEnvironment
    public var rows: [SidecarRow]
    /// For a file made by `bench merge`: the files merged, with their environments.
    public var mergedFrom: [MergedSource]?
    /// For a shard of a fleet run (`bench run --shard`): the fleet run, shard and host.
    public var fleet: FleetRecord?
    /// `--host-instance auto`: what the EC2 instance metadata service said (`instance_type`,
    /// `region`, `life_cycle`, `endpoint`).
    /// Where each backend's imported price comes from (backend id → AWS offer file, SKU, term
    /// and rate codes, or spot window); absent when no price was imported.
    public var priceSources: [String: String]?
    public var instanceMetadata: InstanceMetadata?
    /// For a merged file: the environment of each host its measured rows ran on.
    public var hosts: [String: HostEnvironment]?
    /// For a merged file: what a reader must know (e.g. shards missing under `--allow-partial`).
    public var notes: [String]?
    /// Counts mode (`bench run --measure counts`): how the rows were counted; absent in timed runs.
    public var counting: CountingRecord?

    public static let currentSchemaVersion = 1

    /// The sidecar's JSON encoder. A verification that failed without a finite error (a
    /// plugin that answered NaN or nothing) records `"inf"` / `"nan"` rather than making the
    /// whole file unwritable; ``decoder`` reads them back.
    public static var encoder: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        e.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return e
    }

    /// The sidecar's JSON decoder (see ``encoder``).
    public static var decoder: JSONDecoder {
        let d = JSONDecoder()
        d.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return d
    }

    public init(
        runID: String, csvFile: String, suite: String, startedAt: String, finishedAt: String,
        interrupted: Bool, environment: HostEnvironment, rows: [SidecarRow]
    ) {
        self.runID = runID
        self.csvFile = csvFile
        self.suite = suite
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.interrupted = interrupted
        self.environment = environment
        self.rows = rows
    }

    enum CodingKeys: String, CodingKey {
        case schemaVersion = "schema_version", runID = "run_id", csvFile = "csv_file", suite
        case startedAt = "started_at", finishedAt = "finished_at", interrupted, environment, rows
        case mergedFrom = "merged_from", fleet, hosts, notes, instanceMetadata = "instance_metadata"
        case priceSources = "price_sources", counting
    }
}

/// The raw measurement behind one CSV row.
public struct SidecarRow: Codable, Sendable, Equatable {
    /// The row's key: (`suite`, `case_id`, `backend`, `threads`).
    public var key: RowKey
    public var status: RowStatus
    /// Seconds per call, one per sample, in the order taken. Empty for modeled or unrun rows.
    public var samplesSeconds: [Double]
    public var callsPerSample: Int
    public var warmupCalls: Int
    /// Why sampling stopped (`precision`, `budget`, `sample_cap`, or `modeled` for a
    /// modeled row); `nil`, written as an empty string, when nothing was measured.
    public var stopReason: BenchCore.Measurement.StopReason?
    public var verification: Verification?
    /// The rounds the samples were taken in, in order: ``samplesSeconds`` holds round 1's
    /// samples, then round 2's, and so on. `nil` in files written before rounds.
    public var rounds: [SidecarRound]?
    /// Set when the run was interrupted before this row's last round: the row's figures come
    /// from the rounds done, and its last call was not verified. `nil` (absent) otherwise.
    public var cutShort: CutShort?
    /// Counts mode: the row's counts per call, every event callgrind counted; absent in timed runs.
    public var counts: CallCounts?

    /// The samples of each round (split by ``rounds``), or `nil` without round records or
    /// when their counts do not add up to the samples.
    public var roundSamples: [[Double]]? { Self.split(samplesSeconds[...], by: rounds) }

    /// `samples` cut into `rounds`, in order, or `nil` without round records or when their
    /// counts do not add up to the samples.
    static func split(_ samples: ArraySlice<Double>, by rounds: [SidecarRound]?) -> [[Double]]? {
        guard let rounds, rounds.map(\.samples).reduce(0, +) == samples.count else { return nil }
        var out: [[Double]] = []
        var at = samples.startIndex
        for r in rounds {
            out.append(Array(samples[at..<at + r.samples]))
            at += r.samples
        }
        return out
    }

    public init(
        key: RowKey, status: RowStatus, samplesSeconds: [Double] = [], callsPerSample: Int = 0,
        warmupCalls: Int = 0, stopReason: BenchCore.Measurement.StopReason? = nil, verification: Verification? = nil
    ) {
        self.key = key
        self.status = status
        self.samplesSeconds = samplesSeconds
        self.callsPerSample = callsPerSample
        self.warmupCalls = warmupCalls
        self.stopReason = stopReason
        self.verification = verification
    }

    enum CodingKeys: String, CodingKey {
        case suite, caseID = "case_id", backend, threads, host, status, samplesSeconds = "samples_s"
        case callsPerSample = "calls_per_sample", warmupCalls = "warmup_calls", stopReason = "stop_reason", verification
        case rounds, cutShort = "cut_short", counts
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        key = RowKey(
            suite: try c.decode(String.self, forKey: .suite), caseID: try c.decode(String.self, forKey: .caseID),
            backend: try c.decode(BackendID.self, forKey: .backend), threads: try c.decode(Int.self, forKey: .threads),
            host: try c.decodeIfPresent(String.self, forKey: .host) ?? "")
        status = try c.decode(RowStatus.self, forKey: .status)
        samplesSeconds = try c.decode([Double].self, forKey: .samplesSeconds)
        callsPerSample = try c.decode(Int.self, forKey: .callsPerSample)
        warmupCalls = try c.decode(Int.self, forKey: .warmupCalls)
        let reason = try c.decode(String.self, forKey: .stopReason)
        if reason.isEmpty {
            stopReason = nil
        } else {
            guard let r = BenchCore.Measurement.StopReason(rawValue: reason) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .stopReason, in: c, debugDescription: "unknown stop_reason '\(reason)'")
            }
            stopReason = r
        }
        verification = try c.decodeIfPresent(Verification.self, forKey: .verification)
        rounds = try c.decodeIfPresent([SidecarRound].self, forKey: .rounds)
        cutShort = try c.decodeIfPresent(CutShort.self, forKey: .cutShort)
        counts = try c.decodeIfPresent(CallCounts.self, forKey: .counts)
        if let cutShort, cutShort.roundsDone < 0 || cutShort.roundsDone >= cutShort.roundsPlanned {
            throw DecodingError.dataCorruptedError(
                forKey: .cutShort, in: c,
                debugDescription: "cut_short has \(cutShort.roundsDone) of \(cutShort.roundsPlanned) rounds done")
        }
        if let rounds, rounds.contains(where: { $0.samples < 0 }) {
            throw DecodingError.dataCorruptedError(
                forKey: .rounds, in: c, debugDescription: "a round has a negative sample count")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(key.suite, forKey: .suite)
        try c.encode(key.caseID, forKey: .caseID)
        try c.encode(key.backend, forKey: .backend)
        try c.encode(key.threads, forKey: .threads)
        if !key.host.isEmpty { try c.encode(key.host, forKey: .host) }
        try c.encode(status, forKey: .status)
        try c.encode(samplesSeconds, forKey: .samplesSeconds)
        try c.encode(callsPerSample, forKey: .callsPerSample)
        try c.encode(warmupCalls, forKey: .warmupCalls)
        try c.encode(stopReason?.rawValue ?? "", forKey: .stopReason)
        try c.encodeIfPresent(verification, forKey: .verification)
        try c.encodeIfPresent(rounds, forKey: .rounds)
        try c.encodeIfPresent(cutShort, forKey: .cutShort)
        try c.encodeIfPresent(counts, forKey: .counts)
    }
}

/// The typed marker of a row an interrupt cut short: how many of its rounds ran.
public struct CutShort: Codable, Sendable, Equatable {
    public var roundsDone: Int
    public var roundsPlanned: Int

    public init(roundsDone: Int, roundsPlanned: Int) {
        self.roundsDone = roundsDone
        self.roundsPlanned = roundsPlanned
    }

    enum CodingKeys: String, CodingKey {
        case roundsDone = "rounds_done", roundsPlanned = "rounds_planned"
    }
}

/// One round of a measured row: how many of the row's samples it took and how.
public struct SidecarRound: Codable, Sendable, Equatable {
    /// Samples taken in this round (the next this many entries of `samples_s`).
    public var samples: Int
    public var callsPerSample: Int
    public var warmupCalls: Int
    /// Why the round's sampling stopped.
    public var stopReason: BenchCore.Measurement.StopReason

    public init(samples: Int, callsPerSample: Int, warmupCalls: Int, stopReason: BenchCore.Measurement.StopReason) {
        self.samples = samples
        self.callsPerSample = callsPerSample
        self.warmupCalls = warmupCalls
        self.stopReason = stopReason
    }

    enum CodingKeys: String, CodingKey {
        case samples, callsPerSample = "calls_per_sample", warmupCalls = "warmup_calls", stopReason = "stop_reason"
    }
}
