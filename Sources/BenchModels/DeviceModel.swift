import BenchCore
import Foundation

/// The roofline-style time model of one device (or one CPU instance), from the catalog.
///
/// Per piece of work (`Work`): a matmul picks, from the device's tile menu and split-K factors,
/// the plan with the least time: its output tiles (× K splits) run on the compute units in whole
/// waves, each tile costing its FLOPs at the unit's share of the dense peak × efficiency
/// (`matmul_efficiency` × the dtype's factor × the tile's), plus a fixed per-tile cost; its
/// memory time moves the inputs in the dtype's width, the output in the output width (bf16 for
/// fp8) and, when split, the fp32 partial sums. A fused attention kernel runs at
/// `attention_efficiency`; element-wise passes run on the vector or scalar engine's rate. Each
/// piece costs max(compute, memory) plus one launch; a training step is divided by the
/// device's `step_efficiency`. Modeled power is P = idle + (TDP − idle) × u, u the fraction
/// of the bounding peak (compute or bandwidth) the call uses. Deterministic: the same case and
/// catalog always give the same number. Documented in `docs/models.md`.
public struct DeviceModel: Sendable {
    public let device: DeviceSpec
    /// Devices (chips, sockets or cores) the backend stands for.
    public let count: Int

    public init(device: DeviceSpec, count: Int) {
        self.device = device
        self.count = count
        parameters = device.model?.resolved()
    }

    /// Dense peak FLOP/s of all `count` devices for `dtype`, or `nil` when the catalog has none.
    public func peakFLOPS(_ dtype: DType) -> Double? {
        device.peakDenseTflops[dtype].map { $0.value * 1e12 * Double(count) }
    }

    /// The catalog's parameters for the stack the model stands for (resolved once).
    let parameters: ModelParameters?
    var matmulEfficiency: Double { parameters?.matmulEfficiency?.value ?? 0.7 }
    var memoryEfficiency: Double { parameters?.memoryEfficiency?.value ?? 0.8 }
    var overheadSeconds: Double { (parameters?.launchOverheadUs?.value ?? 5) * 1e-6 }
    var tileCostSeconds: Double { (parameters?.tileCostUs?.value ?? 0) * 1e-6 }
    var kStepSeconds: Double { (parameters?.kStepLatencyNs?.value ?? 0) * 1e-9 }
    var units: Int { max(1, Int(parameters?.computeUnits?.value ?? 1)) * count }
    var stepEfficiency: Double { parameters?.stepEfficiency?.value ?? 1 }
    /// Whether attention runs as one fused kernel (the catalog's `attention`, default unfused).
    public var fusedAttention: Bool { parameters?.attention?.value == "fused" }

    /// The parameters a user changed with `--assume`, as `key=value`.
    var assumed: [String] {
        guard let m = parameters else { return [] }
        var out: [String] = []
        if let a = m.attention, a.source == "--assume" { out.append("attention=\(a.value)") }
        if let s = m.assumedStack { out.append("stack=\(s)") }
        let facts: [(String, Fact?)] = [
            ("step_efficiency", m.stepEfficiency), ("matmul_efficiency", m.matmulEfficiency),
            ("memory_efficiency", m.memoryEfficiency), ("attention_efficiency", m.attentionEfficiency),
            ("tile_cost_us", m.tileCostUs),
        ]
        for (name, f) in facts where f?.source == "--assume" { out.append("\(name)=\(plainNumber(f?.value))") }
        return out
    }

    /// The tiles and split-K factors to choose from: the catalog's menu, else its one tile.
    var menu: (tiles: [Tile], splitK: [Int]) {
        if let m = parameters?.tileMenu { return (m.tiles, m.splitK) }
        func v(_ f: Fact?) -> Int { max(1, Int(f?.value ?? 1)) }
        return ([Tile(m: v(parameters?.tileM), n: v(parameters?.tileN), k: v(parameters?.tileK), efficiency: 1)], [1])
    }

    /// The chosen way to run one (batched) matmul.
    public struct MatmulPlan: Equatable, Sendable {
        public var tile: Tile
        public var splitK: Int
        public var computeSeconds: Double
        public var memorySeconds: Double
        public var bytes: Double
        /// max(compute, memory) plus one launch.
        public var seconds: Double
    }

    /// The fastest plan from the tile menu for `batch` matmuls `[m×k]·[k×n]` in `dtype`, or
    /// `nil` when the device has no peak or bandwidth for it.
    public func plan(m: Int, n: Int, k: Int, count batch: Int, dtype: DType) -> MatmulPlan? {
        guard let peak = peakFLOPS(dtype), let bandwidth = bandwidth else { return nil }
        let dtypeFactor = parameters?.dtypeEfficiency?[dtype]?.value ?? 1
        let unitRate = peak * matmulEfficiency * dtypeFactor / Double(units)
        let (input, output) = (Double(dtype.byteWidth ?? 4), Self.outputWidth(dtype))
        let operandBytes = Double(batch) * ((Double(m) * Double(k) + Double(k) * Double(n)) * input)
        var best: MatmulPlan?
        let menu = self.menu
        let largest = Double(menu.tiles.map { $0.m * $0.n }.max() ?? 1)
        for tile in menu.tiles {
            let outputTiles = ceilDiv(m, tile.m) * ceilDiv(n, tile.n) * batch
            // The epilogue (and the prologue's first loads) grow with the tile's output area.
            let fixed = tileCostSeconds * Double(tile.m * tile.n) / largest
            for split in menu.splitK where split == 1 || ceilDiv(k, split) >= 4 * tile.k {
                let steps = ceilDiv(ceilDiv(k, split), tile.k)
                let waves = ceilDiv(outputTiles * split, units)
                // Each main-loop step costs its FLOPs, but never less than the step latency.
                let stepSeconds = max(
                    2 * Double(tile.m) * Double(tile.n) * Double(tile.k) / (unitRate * tile.efficiency),
                    kStepSeconds)
                let tileSeconds = Double(steps) * stepSeconds + fixed
                // Split-K partial sums are reduced in fp32 through memory (in the same kernel:
                // serial split-K / stream-K fix-up).
                let partials = split > 1 ? 2 * Double(split) * Double(batch) * Double(m) * Double(n) * 4 : 0
                let bytes = operandBytes + Double(batch) * Double(m) * Double(n) * output + partials
                let (compute, memory) = (Double(waves) * tileSeconds, bytes / bandwidth)
                let seconds = max(compute, memory) + overheadSeconds
                if best == nil || seconds < best!.seconds {
                    best = MatmulPlan(
                        tile: tile, splitK: split, computeSeconds: compute, memorySeconds: memory, bytes: bytes,
                        seconds: seconds)
                }
            }
        }
        return best
    }

    /// Bytes per output element: fp8 GEMMs write bf16 (what cuBLASLt and Transformer Engine
    /// return by default); every other dtype writes its own width.
    static func outputWidth(_ dtype: DType) -> Double { dtype == .fp8 ? 2 : Double(dtype.byteWidth ?? 4) }

    var bandwidth: Double? { device.memoryBytesPerSecond.map { $0 * Double(count) * memoryEfficiency } }

    /// Efficiency of `count` matmuls `[m×k]·[k×n]` in bf16 (or fp32 on a device without bf16):
    /// useful FLOP/s of the chosen plan's compute term over the dense peak.
    public func matmulEfficiency(m: Int, n: Int, k: Int, count batch: Int) -> Double {
        let dtype: DType = peakFLOPS(.bf16) != nil ? .bf16 : .fp32
        guard let p = plan(m: m, n: n, k: k, count: batch, dtype: dtype), let peak = peakFLOPS(dtype) else { return 0 }
        return 2 * Double(m) * Double(n) * Double(k) * Double(batch) / p.computeSeconds / peak
    }

    /// Element-wise rate of `engine` (FLOP/s), falling back to the fp32 peak × `matmul_efficiency`.
    func elementwiseRate(_ engine: Work.Engine, fallback: Double) -> Double {
        let fact = engine == .vector ? parameters?.vectorTflops : parameters?.scalarTflops
        return fact.map { $0.value * 1e12 * Double(count) } ?? fallback * matmulEfficiency
    }

    /// The modeled time of a case, or the reason it cannot be modeled (a dtype without a peak,
    /// a device without a memory bandwidth). `copies` independent copies of the case run
    /// together in each launch (a batched call: the validation set's `batch`).
    public func estimate(_ c: KernelCase, copies: Int = 1) -> Result<ModeledEstimate, ModelError> {
        guard let peak = peakFLOPS(c.dtype) else {
            let known = device.peakDenseTflops.keys.sorted().map(\.rawValue).joined(separator: ", ")
            return .failure(.missingPeak(device: device.name, dtype: c.dtype, known: known))
        }
        guard let bandwidth else { return .failure(.missingBandwidth(device: device.name)) }
        let pieces = Work.decompose(c, fusedAttention: fusedAttention).map { $0.batched(copies) }
        let isStep = ["mlp_step", "transformer_block_step", "llama_block_step"].contains(c.kernel)
        let t = timing(pieces, dtype: c.dtype, step: isStep)
        let (compute, memory, overhead, total, graph, plans) = (
            t.compute, t.memory, t.overhead, t.seconds, t.graph, t.plans
        )
        let (flops, bytes) = (t.flops, t.bytes)
        let bound: Bound =
            compute >= memory && compute >= overhead ? .compute : (memory >= overhead ? .memory : .overhead)
        var notes =
            "modeled: \(device.displayName)\(count > 1 ? " ×\(count)" : ""), \(c.dtype) dense peak \(fixed(peak / 1e12, 1)) TFLOP/s; compute \(fixed(compute * 1e3, 3)) ms, memory \(fixed(memory * 1e3, 3)) ms, overhead \(fixed(overhead * 1e3, 3)) ms"
        if pieces.count == 1, let p = plans.first {
            notes += "; tile \(p.tile.m)×\(p.tile.n)×\(p.tile.k)\(p.splitK > 1 ? ", split-K \(p.splitK)" : "")"
        }
        if pieces.contains(where: { if case .fusedAttention = $0 { true } else { false } }) {
            notes += "; attention fused"
        } else if ["transformer_block_step", "llama_block_step", "attention_fwd_bwd", "gqa_attention_fwd_bwd"].contains(
            c.kernel)
        {
            notes += "; attention unfused"
        }
        if graph { notes += "; one compiled graph, engines overlapped, step efficiency \(fixed(stepEfficiency, 2))" }
        if let stack = parameters?.stack {
            notes += "; stack \(stack)"
            if parameters?.hasParametersForStack == false {
                notes += " (no published source for it on this device: the default stack's parameters)"
            }
        }
        if !assumed.isEmpty { notes += "; --assume \(assumed.joined(separator: ", "))" }
        // The fraction of the peak that bounds the call: compute or bandwidth.
        let rawBandwidth = (device.memoryBytesPerSecond ?? bandwidth) * Double(count)
        let utilisation = min(1, max(flops / total / peak, bytes / total / rawBandwidth))
        let power = power(utilisation: utilisation)
        if let power { notes += "; power \(fixed(power, 0)) W (\(fixed(utilisation * 100, 0))% of the bounding peak)" }
        return .success(ModeledEstimate(seconds: total, bound: bound, peakFLOPS: peak, notes: notes, watts: power))
    }

    /// The modeled time of a list of pieces, as one kernel or (``step``) one training step.
    public struct Timing: Sendable {
        /// Time of the pieces bound by compute, by memory, and the launches.
        public var compute = 0.0, memory = 0.0, overhead = 0.0
        /// Hardware FLOPs and bytes moved.
        public var flops = 0.0, bytes = 0.0
        /// Whether the pieces ran as one compiled graph (engines overlapped, one launch).
        public var graph = false
        /// (compute + memory + overhead) ÷ the step efficiency for a step.
        public var seconds = 0.0
        var plans: [MatmulPlan] = []
    }

    /// Times `pieces` in `dtype` (matmuls in `dtype`; a fused attention at `attentionDType`'s
    /// peak, the same by default). Each piece costs max(compute, memory) plus one launch; a
    /// `step` on a device with a step efficiency runs as one compiled graph (one launch, the
    /// busiest engine) and every step is divided by the step efficiency. Pieces whose dtype has
    /// no peak are skipped: check ``peakFLOPS(_:)`` first.
    public func timing(_ pieces: [Work], dtype: DType, attentionDType: DType? = nil, step: Bool) -> Timing {
        var t = Timing()
        guard let peak = peakFLOPS(dtype), let bandwidth else { return t }
        let attentionPeak = attentionDType.flatMap { peakFLOPS($0) } ?? peak
        let attentionWidth = Double((attentionDType ?? dtype).byteWidth ?? 4)
        let fp32 = peakFLOPS(.fp32) ?? peak
        // Per engine, for a compiled graph: matrix engine, vector, scalar, and all memory traffic.
        var engines = (matrix: 0.0, vector: 0.0, scalar: 0.0, memory: 0.0)
        for piece in pieces {
            let flopTime: Double, byteTime: Double
            switch piece {
            case .matmul(let m, let n, let k, let batch):
                guard let p = plan(m: m, n: n, k: k, count: batch, dtype: dtype) else { continue }
                t.plans.append(p)
                (flopTime, byteTime) = (p.computeSeconds, p.memorySeconds)
                engines.matrix += flopTime
                t.flops += 2 * Double(m) * Double(n) * Double(k) * Double(batch)
                t.bytes += p.bytes
            case .stream(let b, let f, let engine):
                (flopTime, byteTime) = (f / elementwiseRate(engine, fallback: fp32), b / bandwidth)
                if engine == .vector { engines.vector += flopTime } else { engines.scalar += flopTime }
                (t.flops, t.bytes) = (t.flops + f, t.bytes + b)
            case .fusedAttention(let heads, let seq, let dh, let backward):
                let a = fusedAttention(
                    heads: heads, sequence: seq, headDimension: dh, backward: backward, peak: attentionPeak)
                let b = Double(heads) * Double(seq) * Double(dh) * attentionWidth * (backward ? 8 : 4)
                (flopTime, byteTime) = (a.seconds, b / bandwidth)
                engines.matrix += flopTime
                (t.flops, t.bytes) = (t.flops + a.flops, t.bytes + b)
            }
            engines.memory += byteTime
            if flopTime >= byteTime { t.compute += flopTime } else { t.memory += byteTime }
            t.overhead += overheadSeconds
        }
        // A device with a step efficiency runs a training step as one compiled graph: one launch,
        // and its engines (matrix, vector, scalar, DMA) work concurrently, so the step takes as
        // long as its busiest engine.
        t.graph = step && parameters?.stepEfficiency != nil
        if t.graph {
            t.overhead = overheadSeconds
            let busiest = max(engines.matrix, engines.vector, engines.scalar)
            (t.compute, t.memory) = busiest >= engines.memory ? (busiest, 0) : (0, engines.memory)
        }
        t.seconds = (t.compute + t.memory + t.overhead) * (step ? 1 / stepEfficiency : 1)
        return t
    }

    /// The hardware FLOPs and time of one fused causal attention kernel: forward 4 and backward
    /// 10 (the scores recomputed) `·heads·S²·dₕ`, × the causal fraction (S + 128) / 2S of the
    /// 128-wide blocks computed; blocks of 128 query rows spread over the units in waves.
    func fusedAttention(heads: Int, sequence seq: Int, headDimension dh: Int, backward: Bool, peak: Double)
        -> (flops: Double, seconds: Double)
    {
        let causal = min(1, Double(seq + 128) / Double(2 * seq))
        let flops = (backward ? 10 : 4) * Double(heads) * Double(seq) * Double(seq) * Double(dh) * causal
        let efficiency = parameters?.attentionEfficiency?.value ?? matmulEfficiency
        let blocks = heads * ceilDiv(seq, 128)
        let fill = Double(blocks) / Double(ceilDiv(blocks, units) * units)
        return (flops, flops / (peak * efficiency * fill))
    }

    /// Modeled power (W) at `utilisation` of the bounding peak: idle + (TDP − idle) × u, for all
    /// `count` devices; `nil` without a TDP.
    public func power(utilisation: Double) -> Double? {
        guard let tdp = device.tdpWatts?.value else { return nil }
        let idle = device.idleWatts?.value ?? 0
        return (idle + (tdp - idle) * utilisation) * Double(count)
    }
}

private func ceilDiv(_ a: Int, _ b: Int) -> Int { (a + b - 1) / b }

/// Why a case cannot be modeled on a device.
public enum ModelError: Error, Equatable, Sendable, CustomStringConvertible {
    case missingPeak(device: String, dtype: DType, known: String)
    case missingBandwidth(device: String)

    public var description: String {
        switch self {
        case .missingPeak(let d, let t, let k):
            "the catalog has no dense \(t) peak for \(d) (it has: \(k.isEmpty ? "none" : k))"
        case .missingBandwidth(let d): "the catalog has no memory bandwidth for \(d)"
        }
    }
}

extension DeviceModel: TimePredictor {
    /// The model's estimate for `kernelCase`, or `nil` when the device has no peak for its dtype.
    public func predict(_ kernelCase: KernelCase) -> ModeledEstimate? {
        if case .success(let e) = estimate(kernelCase) { return e }
        return nil
    }
}
