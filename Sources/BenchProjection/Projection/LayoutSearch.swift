/// The layouts `--parallel auto` tries on a cluster (docs/project.md#the-search): tensor
/// parallel over the divisors of a node's ranks, pipeline stages over the divisors of the
/// layers (up to 64), the rest data parallel, ZeRO 0–3, micro-batches 1–8 and recompute
/// off or full. Context parallel stays 1.
public enum LayoutSearch {
    public static func candidates(model m: ModelConfig, ranks: Int, ranksPerNode: Int, sequence: Int)
        -> [ParallelLayout]
    {
        var out: [ParallelLayout] = []
        let tps = (1...ranksPerNode).filter { ranksPerNode % $0 == 0 && ranks % $0 == 0 }
        let pps = (1...min(64, m.layers)).filter { m.layers % $0 == 0 }
        for tp in tps {
            for pp in pps where ranks % (tp * pp) == 0 {
                let dp = ranks / (tp * pp)
                for zero in dp > 1 ? [0, 1, 2, 3] : [0] {
                    for mb in [1, 2, 4, 8] {
                        for rc in ParallelLayout.Recompute.allCases {
                            let l = ParallelLayout(tp: tp, pp: pp, dp: dp, zero: zero, microBatch: mb, recompute: rc)
                            if l.problem(model: m, ranks: ranks, sequence: sequence) == nil { out.append(l) }
                        }
                    }
                }
            }
        }
        return out
    }
}
