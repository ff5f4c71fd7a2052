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
    /// The software stack the top-level parameters describe: what a typical user of the device
    /// gets (`cublas` on GPUs, `neuronx-cc` on Trainium, `onednn-acl` on Graviton). With
    /// `--assume stack=NAME` it names the stack a row stands for instead.
    public var defaultStack: Choice?
    /// Parameters of other stacks on this device, fitted where published sources exist; a stack
    /// without an entry takes the top-level parameters.
    public var stacks: [String: StackParameters]?
    /// The stack `--assume stack=NAME` selected (not part of the catalog file).
    public var assumedStack: String? = nil
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
        case defaultStack = "default_stack", stacks
    }

    /// The stack a row stands for: `--assume stack=NAME`, else `default_stack`.
    public var stack: String? { assumedStack ?? defaultStack?.value }

    /// Whether the device has fitted parameters for the stack a row stands for (its default
    /// stack always has: the top-level ones).
    public var hasParametersForStack: Bool {
        guard let s = assumedStack, s != defaultStack?.value else { return true }
        return stacks?[s] != nil
    }

    /// The parameters a row uses: the top-level ones (the default stack's), with the assumed
    /// stack's fitted values laid over them.
    public func resolved() -> ModelParameters {
        guard let name = assumedStack, name != defaultStack?.value, let s = stacks?[name] else { return self }
        var m = self
        // A value the user set with --assume wins over the stack's.
        func lay(_ f: Fact?, _ field: WritableKeyPath<ModelParameters, Fact?>) {
            if let f, m[keyPath: field]?.source != "--assume" { m[keyPath: field] = f }
        }
        lay(s.matmulEfficiency, \.matmulEfficiency)
        lay(s.launchOverheadUs, \.launchOverheadUs)
        lay(s.stepEfficiency, \.stepEfficiency)
        lay(s.tileCostUs, \.tileCostUs)
        return m
    }

    /// These parameters for `stack` (the validation points of another stack, `--assume stack=`).
    public func forStack(_ stack: String?) -> ModelParameters {
        var m = self
        m.assumedStack = stack
        return m
    }
}

/// One stack's parameters on a device, where they differ from the default stack's.
public struct StackParameters: Codable, Sendable, Equatable {
    public var matmulEfficiency: Fact?
    public var launchOverheadUs: Fact?
    public var stepEfficiency: Fact?
    public var tileCostUs: Fact?

    public init(
        matmulEfficiency: Fact? = nil, launchOverheadUs: Fact? = nil, stepEfficiency: Fact? = nil,
        tileCostUs: Fact? = nil
    ) {
        (self.matmulEfficiency, self.launchOverheadUs, self.stepEfficiency, self.tileCostUs) =
            (matmulEfficiency, launchOverheadUs, stepEfficiency, tileCostUs)
    }

    enum CodingKeys: String, CodingKey {
        case matmulEfficiency = "matmul_efficiency", launchOverheadUs = "launch_overhead_us"
        case stepEfficiency = "step_efficiency", tileCostUs = "tile_cost_us"
    }
}
