/// How ``FlashAttention`` shares its work among threads when there are more threads than
/// (sequence, KV head) items.
///
/// Each item is cut into `splits` contiguous parts of about equal causal work:
/// - **forward** by query tiles (every query head of the group, tile by tile): a query tile's
///   rows are independent, so each part writes its own rows of the output and nothing is summed;
/// - **backward** by key tiles: a part owns its key tiles' dK and dV outright and adds its share
///   of every later query row's dQ. Part 0 writes dQ in place; parts 1… write theirs to a scratch
///   buffer that a last pass adds in part order (FlashAttention-2's split, with a fixed order of
///   summation instead of atomics, so a thread count always gives the same bits).
struct FlashSplit: Equatable {
    /// Parts per item, and each part's first unit: part `p` covers units `bounds[p]..<bounds[p+1]`
    /// (forward: `head-in-group · queryTiles + queryTile`; backward: key tiles).
    let bounds: [Int]

    var splits: Int { bounds.count - 1 }

    /// Cuts `costs` (one per unit, in order) into at most `parts` contiguous, non-empty parts of
    /// about equal total cost.
    init(costs: [Int], parts: Int) {
        let n = costs.count, p = max(1, min(parts, n))
        let total = costs.reduce(0, +)
        var bounds = [0], prefix = 0, unit = 0
        for part in 1..<p {
            let target = (total * part + p / 2) / p
            // Leave at least one unit to each later part.
            // A unit joins this part if at least half of it falls before the target.
            while unit < n - (p - part), 2 * prefix + costs[unit] <= 2 * target || unit < bounds[part - 1] + 1 {
                prefix += costs[unit]
                unit += 1
            }
            bounds.append(unit)
        }
        bounds.append(n)
        self.bounds = bounds
    }

    /// The forward split: query tiles of `group` heads, tile `i` costing its rows × the keys at
    /// or below its last row.
    static func forward(sequence s: Int, group: Int, parts: Int) -> FlashSplit {
        let br = FlashAttention<Float>.queryBlock
        let tiles = stride(from: 0, to: s, by: br).map { i0 in
            let rows = min(br, s - i0)
            return rows * (i0 + rows)
        }
        return FlashSplit(costs: Array(repeating: tiles, count: group).flatMap { $0 }, parts: parts)
    }

    /// The backward split: key tiles, tile `j` costing the query rows at or below it (the tiles
    /// its query tiles visit).
    static func backward(sequence s: Int, parts: Int) -> FlashSplit {
        let (br, bc) = (FlashAttention<Float>.queryBlock, FlashAttention<Float>.keyBlock)
        let tiles = stride(from: 0, to: s, by: bc).map { j0 in
            // Query tiles whose last row reaches j0 start at the tile holding row j0.
            s - j0 / br * br
        }
        return FlashSplit(costs: tiles, parts: parts)
    }

    /// Parts per item for `threads` threads over `items` items: the fewest (at most
    /// `max(16, 2·⌈threads/items⌉)`) whose units share out among the threads with at most 1/8
    /// of a round left idle, else the evenest. One when the items already divide evenly (16 items on 2 threads); 2 for 48
    /// items on 64 threads would leave a third of the second round idle, so 4 (3 units each).
    static func parts(threads: Int, items: Int) -> Int {
        guard threads > 1, items > 0 else { return 1 }
        func waste(_ p: Int) -> Double {
            let units = items * p
            return Double((units + threads - 1) / threads * threads) / Double(units)
        }
        let candidates = 1...max(16, 2 * ((threads + items - 1) / items))
        return candidates.first { waste($0) <= 1.125 } ?? candidates.min { waste($0) < waste($1) }!
    }
}
