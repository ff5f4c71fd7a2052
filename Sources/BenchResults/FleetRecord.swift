import BenchCore

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

    /// The most shards a fleet run may have: far beyond any fleet (one shard a case), and small
    /// enough that a merge can list what is missing.
    public static let maximumShards = 100_000

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        runID = try c.decode(String.self, forKey: .runID)
        runIDSource = try c.decode(String.self, forKey: .runIDSource)
        shardIndex = try c.decode(Int.self, forKey: .shardIndex)
        shardCount = try c.decode(Int.self, forKey: .shardCount)
        guard (1...Self.maximumShards).contains(shardCount), (0..<shardCount).contains(shardIndex) else {
            throw DecodingError.dataCorruptedError(
                forKey: .shardIndex, in: c, debugDescription: "shard \(shardIndex) of \(shardCount) is out of range")
        }
        shardSource = try c.decode(String.self, forKey: .shardSource)
        host = try c.decode(String.self, forKey: .host)
        hostSource = try c.decode(String.self, forKey: .hostSource)
        catalogVersion = try c.decodeIfPresent(String.self, forKey: .catalogVersion) ?? ""
    }
}
