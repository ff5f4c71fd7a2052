import BenchCore
import BenchModels

/// What `bench project` is asked: a model, a token budget, the batch, the instances and
/// either a layout or `auto` (docs/project.md#usage).
public struct JobRequest: Sendable {
    public var model: ModelConfig
    /// Tokens to train on.
    public var tokens: Double
    public var sequence: Int
    /// Sequences per optimizer step.
    public var globalSequences: Int
    /// The matmuls' dtype: bf16 (default) or fp8.
    public var dtype: DType
    /// Instance types, each with a node count or `nil` (the smallest power of two that fits,
    /// and meets `maxDays` when given).
    public var instances: [(name: String, nodes: Int?)]
    /// An explicit layout (`tp=,pp=,dp=,cp=,zero=,mb=,recompute=`; `dp` may be left to the
    /// ranks), or `nil` for the search.
    public var layout: String?
    public var assumptions: JobAssumptions
    public var maxDays: Double?

    public init(
        model: ModelConfig, tokens: Double, sequence: Int, globalSequences: Int, dtype: DType,
        instances: [(name: String, nodes: Int?)], layout: String?, assumptions: JobAssumptions,
        maxDays: Double? = nil
    ) {
        (self.model, self.tokens, self.sequence, self.globalSequences) = (model, tokens, sequence, globalSequences)
        (self.dtype, self.instances, self.layout, self.assumptions, self.maxDays) = (
            dtype, instances, layout, assumptions, maxDays
        )
    }

    /// Global batch in sequences for `tokens` per step (at least 1).
    public static func sequences(forBatchTokens tokens: Double, sequence: Int) -> Int {
        max(1, Int((tokens / Double(sequence)).rounded()))
    }
}

/// The projection for one instance type: the layout chosen, the step in parts, speed, cost,
/// memory and the interval; or why nothing fits.
public struct InstanceProjection: Sendable {
    public var instance: String
    public var device: String
    public var nodes: Int
    public var devices: Int
    public var ranks: Int
    public var layout: ParallelLayout?
    public var step: StepBreakdown?
    public var tokensPerSecond: Double?
    public var mfu: Double?
    /// All the nodes' price per hour, and how it was found.
    public var usdPerHour: Double?
    public var priceNote: String?
    public var usdPerMillionTokens: Double?
    public var days: Double?
    public var usdTotal: Double?
    /// Device memory per rank usable after the reserve, and what the step needs there.
    public var memoryCapacity: Double?
    /// The interval on time (and so on $) as factors of the projection: [low, high].
    public var interval: (low: Double, high: Double)?
    /// Why no layout is shown (nothing fits, no interconnect, no price), or `nil`.
    public var reason: String?
    /// Where compute times came from: `modeled` or the measured backend's id.
    public var computeSource: String = "modeled"
    /// Other notes for the row.
    public var notes: [String] = []
    /// 1-based rank by $/M tokens, and whether its interval overlaps the one before.
    public var rank: Int?
    public var tied = false  // its cost interval overlaps its rank group's first row's

    /// Memory headroom per rank in bytes (capacity − need), when a layout was chosen.
    public var headroom: Double? {
        guard let c = memoryCapacity, let s = step else { return nil }
        return c - s.memory.total
    }
}
