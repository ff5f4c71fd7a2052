import BenchDataFile
import BenchCore
import Foundation

/// One output tile a device's GEMM library can pick: `m×n` outputs per compute unit, `k`
/// the main-loop step, and its efficiency relative to `matmul_efficiency` (smaller tiles
/// reuse less data per load).
public struct Tile: Codable, Sendable, Equatable {
    public var m: Int
    public var n: Int
    public var k: Int
    public var efficiency: Double

    public init(m: Int, n: Int, k: Int, efficiency: Double) {
        (self.m, self.n, self.k, self.efficiency) = (m, n, k, efficiency)
    }
}

/// The tiles and split-K factors the model chooses from per shape, with their source.
public struct TileMenu: Codable, Sendable, Equatable {
    public var tiles: [Tile]
    /// K split factors the library may use (1 = no split); partial sums are reduced in fp32.
    public var splitK: [Int]
    public var source: String
    public var date: String
    public var note: String?

    public init(tiles: [Tile], splitK: [Int], source: String, date: String, note: String?) {
        (self.tiles, self.splitK, self.source, self.date, self.note) = (tiles, splitK, source, date, note)
    }

    enum CodingKeys: String, CodingKey { case tiles, splitK = "split_k", source, date, note }
}

/// The modelling parameters of a device (all `source: assumption` unless sourced).
public struct ModelParameters: Codable, Sendable, Equatable {
    public var launchOverheadUs: Fact?
    /// The single tile used when there is no ``tileMenu`` (host profiles from `bench calibrate`).
    public var tileM: Fact?, tileN: Fact?, tileK: Fact?
    public var tileMenu: TileMenu?
    /// Fixed cost of one tile on one unit (prologue, epilogue, pipeline fill), in µs.
    public var tileCostUs: Fact?
    /// Least time of one main-loop (K) step of a tile: issue and load latency, in ns.
    public var kStepLatencyNs: Fact?
    public var computeUnits: Fact?
    public var matmulEfficiency: Fact?
    /// Extra factor on `matmul_efficiency` per dtype (e.g. fp8 GEMMs reach a lower fraction).
    public var dtypeEfficiency: [DType: Fact]?
    public var memoryEfficiency: Fact?
    /// Element-wise rates (TFLOP/s per device): normalisations, reductions and the optimizer run
    /// on the vector engine, activations and exponentials on the scalar engine. GPUs run both on
    /// their CUDA cores. Without them, element-wise work runs at the fp32 dense peak.
    public var vectorTflops: Fact?
    public var scalarTflops: Fact?
    /// `fused` or `unfused`: what the device's mainstream training stack does with attention.
    public var attention: Choice?
    /// Fraction of the dense peak a fused attention kernel reaches (forward and backward).
    public var attentionEfficiency: Fact?
    /// Whole-step efficiency of training steps (compiler-generated graphs); 1 when absent.
    public var stepEfficiency: Fact?
    /// Removed in catalog 2026.12.02 (``tileCostUs`` models what it described); refused when set.
    public var minWorkPerUnitFlops: Fact?

    public init(
        launchOverheadUs: Fact?, tileM: Fact?, tileN: Fact?, tileK: Fact?, computeUnits: Fact?,
        matmulEfficiency: Fact?, memoryEfficiency: Fact?
    ) {
        (self.launchOverheadUs, self.tileM, self.tileN, self.tileK) = (launchOverheadUs, tileM, tileN, tileK)
        (self.computeUnits, self.matmulEfficiency, self.memoryEfficiency) =
            (computeUnits, matmulEfficiency, memoryEfficiency)
    }

    /// No parameter set: every one takes the model's default.
    public static let empty = ModelParameters(
        launchOverheadUs: nil, tileM: nil, tileN: nil, tileK: nil, computeUnits: nil, matmulEfficiency: nil,
        memoryEfficiency: nil)

    enum CodingKeys: String, CodingKey {
        case launchOverheadUs = "launch_overhead_us", tileM = "tile_m", tileN = "tile_n", tileK = "tile_k"
        case tileMenu = "tile_menu", tileCostUs = "tile_cost_us", kStepLatencyNs = "k_step_latency_ns"
        case computeUnits = "compute_units", matmulEfficiency = "matmul_efficiency", memoryEfficiency =
            "memory_efficiency"
        case dtypeEfficiency = "dtype_efficiency", vectorTflops = "vector_tflops", scalarTflops = "scalar_tflops"
        case attention, attentionEfficiency = "attention_efficiency", stepEfficiency = "step_efficiency"
        case minWorkPerUnitFlops = "min_work_per_unit_flops"
    }
}
