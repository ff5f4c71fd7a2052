/// A run's place in a fleet (docs/fleet.md): which fleet run it belongs to, which shard of it
/// it is, which host it ran on, and where each of these came from. Recorded in the sidecar;
/// `bench merge` groups shard files by (fleet run, host) and refuses an incomplete group.
public struct FleetRecord: Codable, Sendable, Equatable {
    /// The fleet run's id (`--fleet-run`, else the engine's array job id).
    public var runID: String
    /// Where ``runID`` came from, e.g. `--fleet-run`, `SLURM_ARRAY_JOB_ID`.
    public var runIDSource: String
    /// 0-based shard index, `0 ..< shardCount`.
    public var shardIndex: Int
    public var shardCount: Int
    /// Where the shard came from, e.g. `--shard 1/4`, `AWS_BATCH_JOB_ARRAY_INDEX/SIZE`.
    public var shardSource: String
    /// The host the measured rows ran on (the rows' `host` column).
    public var host: String
    /// Where ``host`` came from: `--host-instance`, `instance metadata (IMDSv2)` or `host name`.
    public var hostSource: String
    /// The catalog version the shard priced and modeled with (shards of one group must agree).
    public var catalogVersion: String = ""

    public init(
        runID: String, runIDSource: String, shardIndex: Int, shardCount: Int, shardSource: String, host: String,
        hostSource: String, catalogVersion: String = ""
    ) {
        self.catalogVersion = catalogVersion
        self.runID = runID
        self.runIDSource = runIDSource
        self.shardIndex = shardIndex
        self.shardCount = shardCount
        self.shardSource = shardSource
        self.host = host
        self.hostSource = hostSource
    }

    enum CodingKeys: String, CodingKey {
        case runID = "run_id", runIDSource = "run_id_source", shardIndex = "shard_index", shardCount = "shard_count"
        case shardSource = "shard_source", host, hostSource = "host_source", catalogVersion = "catalog_version"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        runID = try c.decode(String.self, forKey: .runID)
        runIDSource = try c.decode(String.self, forKey: .runIDSource)
        shardIndex = try c.decode(Int.self, forKey: .shardIndex)
        shardCount = try c.decode(Int.self, forKey: .shardCount)
        guard shardCount >= 1, (0..<shardCount).contains(shardIndex) else {
            throw DecodingError.dataCorruptedError(
                forKey: .shardIndex, in: c, debugDescription: "shard \(shardIndex) of \(shardCount) is out of range")
        }
        shardSource = try c.decode(String.self, forKey: .shardSource)
        host = try c.decode(String.self, forKey: .host)
        hostSource = try c.decode(String.self, forKey: .hostSource)
        catalogVersion = try c.decodeIfPresent(String.self, forKey: .catalogVersion) ?? ""
    }
}

/// A shard of a suite: the cases of index `index` when the selection is split `count` ways.
public struct Shard: Sendable, Equatable {
    public var index: Int
    public var count: Int
    /// Where it came from (`--shard I/N` or the engine's variables).
    public var source: String

    public init(index: Int, count: Int, source: String) {
        self.index = index
        self.count = count
        self.source = source
    }

    /// This shard's cases: the selection sorted by case id (the same on every host and build,
    /// whatever backends a host has), every `count`-th from position `index`.
    public func cases(of selection: [KernelCase]) -> [KernelCase] {
        selection.sorted { $0.id < $1.id }.enumerated().filter { $0.offset % count == index }.map(\.element)
    }

    /// Parses `I/N` (0 ≤ I < N).
    public static func parse(_ text: String) -> Shard? {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]), n >= 1, i >= 0, i < n,
            parts.allSatisfy({ $0.allSatisfy(\.isASCII) && !$0.hasPrefix("+") })
        else { return nil }
        return Shard(index: i, count: n, source: "--shard \(text)")
    }

    /// The shard a job engine gives this process, from its environment, in this order:
    /// `BENCH_SHARD_INDEX`/`BENCH_SHARD_COUNT`; AWS Batch `AWS_BATCH_JOB_ARRAY_INDEX`/
    /// `AWS_BATCH_JOB_ARRAY_SIZE`; Slurm `SLURM_ARRAY_TASK_ID` with `SLURM_ARRAY_TASK_COUNT`,
    /// `SLURM_ARRAY_TASK_MIN` and `SLURM_ARRAY_TASK_STEP`; Kubernetes `JOB_COMPLETION_INDEX` with
    /// `BENCH_SHARD_COUNT` (Kubernetes does not pass the count). Throws a one-line reason for a
    /// malformed or out-of-range variable, or when no engine variable is set.
    public static func fromEnvironment(_ env: [String: String]) throws(ShardError) -> Shard {
        func int(_ name: String) throws(ShardError) -> Int {
            guard let text = env[name] else { throw .missing(name) }
            guard let v = Int(text.trimmingCharacters(in: .whitespaces)), v >= 0 else {
                throw .malformed(name, text)
            }
            return v
        }
        func make(_ index: Int, _ count: Int, _ source: String) throws(ShardError) -> Shard {
            guard count >= 1, index < count else { throw .outOfRange(index, count, source) }
            return Shard(index: index, count: count, source: source)
        }
        if env["BENCH_SHARD_INDEX"] != nil {
            return try make(int("BENCH_SHARD_INDEX"), int("BENCH_SHARD_COUNT"), "BENCH_SHARD_INDEX/COUNT")
        }
        if env["AWS_BATCH_JOB_ARRAY_INDEX"] != nil {
            return try make(
                int("AWS_BATCH_JOB_ARRAY_INDEX"), int("AWS_BATCH_JOB_ARRAY_SIZE"), "AWS_BATCH_JOB_ARRAY_INDEX/SIZE")
        }
        if env["SLURM_ARRAY_TASK_ID"] != nil {
            let id = try int("SLURM_ARRAY_TASK_ID"), count = try int("SLURM_ARRAY_TASK_COUNT")
            let min = env["SLURM_ARRAY_TASK_MIN"] == nil ? 0 : try int("SLURM_ARRAY_TASK_MIN")
            let step = env["SLURM_ARRAY_TASK_STEP"] == nil ? 1 : try int("SLURM_ARRAY_TASK_STEP")
            guard step >= 1, id >= min, (id - min) % step == 0 else {
                throw .malformed("SLURM_ARRAY_TASK_ID", "\(id) with MIN \(min) and STEP \(step)")
            }
            return try make((id - min) / step, count, "SLURM_ARRAY_TASK_ID/COUNT/MIN/STEP")
        }
        if env["JOB_COMPLETION_INDEX"] != nil {
            return try make(
                int("JOB_COMPLETION_INDEX"), int("BENCH_SHARD_COUNT"), "JOB_COMPLETION_INDEX/BENCH_SHARD_COUNT")
        }
        throw .noEngine
    }

    /// The fleet run id from the engine's environment: `BENCH_FLEET_RUN`; AWS Batch's parent
    /// array job (`AWS_BATCH_JOB_ID` is `<parent>:<index>` in a child); `SLURM_ARRAY_JOB_ID`;
    /// the Kubernetes Job's name (`JOB_NAME`, which the recipe sets through the downward API).
    public static func fleetRunFromEnvironment(_ env: [String: String]) -> (id: String, source: String)? {
        if let v = env["BENCH_FLEET_RUN"], !v.isEmpty { return (v, "BENCH_FLEET_RUN") }
        if let v = env["AWS_BATCH_JOB_ID"], !v.isEmpty {
            return (String(v.split(separator: ":").first ?? Substring(v)), "AWS_BATCH_JOB_ID (parent)")
        }
        if let v = env["SLURM_ARRAY_JOB_ID"], !v.isEmpty { return (v, "SLURM_ARRAY_JOB_ID") }
        if env["JOB_COMPLETION_INDEX"] != nil, let v = env["JOB_NAME"], !v.isEmpty {
            return (v, "JOB_NAME (Kubernetes Job)")
        }
        return nil
    }
}

/// Why a shard could not be taken from the environment.
public enum ShardError: Error, Equatable, CustomStringConvertible {
    case missing(String)
    case malformed(String, String)
    case outOfRange(Int, Int, String)
    case noEngine

    public var description: String {
        switch self {
        case .missing(let name): "\(name) is not set"
        case .malformed(let name, let value): "\(name)='\(value)' is not a non-negative integer index"
        case .outOfRange(let i, let n, let source): "shard index \(i) is not below the count \(n) (\(source))"
        case .noEngine:
            "no job-engine variables (BENCH_SHARD_INDEX/COUNT, AWS_BATCH_JOB_ARRAY_INDEX/SIZE, SLURM_ARRAY_TASK_ID, JOB_COMPLETION_INDEX with BENCH_SHARD_COUNT)"
        }
    }
}
