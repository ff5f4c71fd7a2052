#if BENCH_PACKING_BOUND
    import Foundation
#endif

/// Which packing a product skips. Always none, except in the experiment build
/// (`BENCH_PACKING_BOUND=1 scripts/build`, used only by scripts/perf-packing-bound), which
/// measures how fast a training step could get if packing cost nothing.
///
/// That build reads `BENCH_SKIP_PACKING` once per kernel: `weights` skips packing B in every
/// product whose A is not transposed (in cpu-swift's training steps, exactly the products with
/// a weight matrix as B: `X·W` and `dY·Wᵀ`; attention runs in its own tiles), `all` skips
/// packing A and B everywhere; anything else skips nothing. Each kernel packs normally until its
/// first product (same A, shape and transposes) comes again, so a step's first call is computed
/// and verified as usual. From its second call the micro-kernel reads whatever the panels last
/// held: **the results are wrong and the timings are an upper bound**, of pre-packed weights
/// (`weights`: packed weights that are still hot in the cache) or of packing that costs nothing
/// at all (`all`).
struct PackingSkips {
    var a = false, b = false
}

#if BENCH_PACKING_BOUND
    enum PackingBoundMode: String {
        case none, weights, all

        static func fromEnvironment() -> PackingBoundMode {
            PackingBoundMode(rawValue: ProcessInfo.processInfo.environment["BENCH_SKIP_PACKING"] ?? "") ?? .none
        }
    }
#endif

extension GEMMKernel {
    /// What the next product skips (see ``PackingSkips``); notes the product in the experiment build.
    @inline(__always)
    func packingSkips(transA: Bool, a: UnsafePointer<T>, m: Int, n: Int, k: Int) -> PackingSkips {
        #if BENCH_PACKING_BOUND
            let product = [Int(bitPattern: a), m, n, k, transA ? 1 : 0]
            if boundFirstProduct.isEmpty {
                boundFirstProduct = product
            } else if product == boundFirstProduct {
                boundRepeated = true
            }
            guard boundRepeated else { return PackingSkips() }
            switch boundMode {
            case .none: return PackingSkips()
            case .weights: return PackingSkips(a: false, b: !transA)
            case .all: return PackingSkips(a: true, b: true)
            }
        #else
            return PackingSkips()
        #endif
    }
}
