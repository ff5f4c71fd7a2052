/// Ring collectives over `n` ranks (docs/project.md#communication; Thakur, Rabenseifner and
/// Gropp, "Optimization of Collective Communication Operations in MPICH", 2005): an
/// all-reduce moves `2(n−1)/n` of the buffer through each rank's link, an all-gather or a
/// reduce-scatter `(n−1)/n`; each adds a latency of `2·⌈log₂ n⌉` (all-reduce) or
/// `⌈log₂ n⌉` steps (NCCL's trees for the latency-bound part).
public enum Collectives {
    public static func allReduce(bytes: Double, ranks n: Int, bandwidth: Double, latency: Double) -> Double {
        guard n > 1 else { return 0 }
        return 2 * Double(n - 1) / Double(n) * bytes / bandwidth + 2 * log2Ceil(n) * latency
    }

    /// All-gather or reduce-scatter of a `bytes` buffer (the whole, not one rank's shard).
    public static func allGather(bytes: Double, ranks n: Int, bandwidth: Double, latency: Double) -> Double {
        guard n > 1 else { return 0 }
        return Double(n - 1) / Double(n) * bytes / bandwidth + log2Ceil(n) * latency
    }

    /// One point-to-point send.
    public static func send(bytes: Double, bandwidth: Double, latency: Double) -> Double {
        bytes / bandwidth + latency
    }

    static func log2Ceil(_ n: Int) -> Double { Double(Int.bitWidth - (n - 1).leadingZeroBitCount) }
}
