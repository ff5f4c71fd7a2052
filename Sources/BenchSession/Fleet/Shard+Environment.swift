import Foundation

/// The job engines' variables: which shard this process is, and which fleet run.
extension Shard {
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
