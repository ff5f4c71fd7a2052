import BenchCore
import BenchModels

/// One training step on one rank, in parts (docs/project.md#the-step).
public struct StepBreakdown: Sendable, Equatable {
    /// Forward, backward (and recompute) of every micro-batch on the busiest stage.
    public var compute = 0.0
    /// The pipeline's fill and drain: `(pp − 1)` micro-batch slots.
    public var bubble = 0.0
    /// Tensor-parallel all-reduces, context-parallel KV exchange and pipeline sends, exposed.
    public var tpCommunication = 0.0, cpCommunication = 0.0, ppCommunication = 0.0
    /// The data-parallel gradient (and ZeRO parameter) traffic, all of it and the part not hidden.
    public var dpCommunication = 0.0, dpExposed = 0.0
    public var optimizer = 0.0
    public var memory = MemoryAccount(weights: 0, gradients: 0, optimizer: 0, activations: 0, logits: 0)
    public var microBatches = 0

    /// Exposed communication: everything but the hidden part of the data-parallel traffic.
    public var communication: Double { tpCommunication + cpCommunication + ppCommunication + dpExposed }
    public var seconds: Double { compute + bubble + communication + optimizer }
}

/// Measured times that replace the modeled compute (`bench project --from`): one block's
/// step and the LM head per micro-batch, and the optimizer per parameter.
public struct MeasuredTimes: Sendable, Equatable {
    public var block: Double
    public var head: Double
    public var optimizerPerParameter: Double
    public var backend: String
    /// The micro-batch the block and head were measured at: the only one the search may use.
    public var microBatch: Int
    /// The device column of the measured rows.
    public var device: String
}

/// Composes a step from the device model's kernels, the collectives and the layout.
public struct StepModel: Sendable {
    public var model: ModelConfig
    public var cluster: Cluster
    public var deviceModel: DeviceModel
    /// The matmuls' dtype (bf16, or fp8 where a job trains in it); attention and the
    /// element-wise passes stay bf16.
    public var dtype: DType
    public var assumptions: JobAssumptions
    public var measured: MeasuredTimes?

    public init(
        model: ModelConfig, cluster: Cluster, deviceModel: DeviceModel, dtype: DType, assumptions: JobAssumptions,
        measured: MeasuredTimes? = nil
    ) {
        (self.model, self.cluster, self.deviceModel, self.dtype) = (model, cluster, deviceModel, dtype)
        (self.assumptions, self.measured) = (assumptions, measured)
    }

    /// Per micro-batch on one rank: forward and backward of one block, the head stage's extra
    /// work, and the launches (one per micro-batch where the device runs a compiled graph).
    public struct Slot: Hashable, Sendable { var tp: Int, cp: Int, microBatch: Int }
    public struct SlotTimes: Sendable { var forward: Double, backward: Double, head: Double, launches: Double }

    func slotTimes(_ s: Slot, sequence: Int) -> SlotTimes {
        let m = deviceModel
        let scale = Double(cluster.ranksPerDevice)  // a rank has 1/ranks of the chip
        let w = 2.0
        let block = BlockWork.block(
            model, tp: s.tp, cp: s.cp, batch: s.microBatch, sequence: sequence, width: w,
            fusedAttention: m.fusedAttention)
        let tokens = s.microBatch * sequence / s.cp
        let (head, embedding) = BlockWork.head(model, tp: s.tp, tokens: tokens, width: w)
        func time(_ pieces: [Work]) -> (work: Double, launches: Double, graph: Bool) {
            let t = m.timing(pieces, dtype: dtype, attentionDType: .bf16, step: true)
            let factor = t.seconds / max(1e-300, t.compute + t.memory + t.overhead)
            return ((t.compute + t.memory) * factor * scale, t.overhead * factor * scale, t.graph)
        }
        let f = time(block.forward), b = time(block.backward)
        let h = time(head.forward + head.backward + embedding.forward + embedding.backward)
        let graph = f.graph
        return SlotTimes(
            forward: f.work + (graph ? 0 : f.launches), backward: b.work + (graph ? 0 : b.launches),
            head: h.work + (graph ? 0 : h.launches), launches: graph ? f.launches : 0)
    }

    /// The step of `layout` for a global batch of `sequences` sequences of `sequence` tokens,
    /// or `nil` when the layout's data-parallel width and micro-batch do not divide the batch.
    public func step(_ l: ParallelLayout, sequence: Int, sequences: Int, cache: inout [Slot: SlotTimes])
        -> StepBreakdown?
    {
        guard let mbs = l.microBatches(globalSequences: sequences) else { return nil }
        var out = StepBreakdown()
        out.microBatches = mbs
        let a = assumptions
        let stageLayers = Double((model.layers + l.pp - 1) / l.pp)  // the busiest stage
        let tokens = l.microBatch * sequence / l.cp
        let stageSlot: Double
        let optimizerParameters = MemoryAccount.parametersPerRank(model, l) / Double(l.zero >= 1 ? l.dp * l.cp : 1)
        if let measured {
            stageSlot = stageLayers * measured.block + measured.head
            out.optimizer = measured.optimizerPerParameter * optimizerParameters
        } else {
            let slot = Slot(tp: l.tp, cp: l.cp, microBatch: l.microBatch)
            let t = cache[slot] ?? slotTimes(slot, sequence: sequence)
            cache[slot] = t
            let recompute = l.recompute == .full ? t.forward : 0
            stageSlot = stageLayers * (t.forward + t.backward + recompute) + t.head + t.launches
            let opt = deviceModel.timing(
                BlockWork.optimizer(parameters: optimizerParameters), dtype: .fp32, step: false)
            out.optimizer = opt.seconds * Double(cluster.ranksPerDevice)
        }
        out.compute = Double(mbs) * stageSlot
        out.bubble = Double(l.pp - 1) * stageSlot / Double(l.vp)
        let lat = a.collectiveLatency
        let eff = a.commEfficiency
        let link = (cluster.linkPerRank ?? 0) * eff
        let net = (cluster.networkPerRank ?? 0) * eff
        // A group inside one node talks over the device link; across nodes, the slower of the
        // link and each rank's share of the network.
        func bandwidth(groupSpan: Int) -> Double {
            if groupSpan <= cluster.ranksPerNode { return link }
            return cluster.linkPerRank == nil ? net : min(link, net)
        }
        let activationBytes = Double(tokens * model.hidden) * 2
        // Tensor parallel: 2 all-reduces forward and 2 backward per block (Megatron-LM), 2 more
        // when the forward is recomputed.
        if l.tp > 1 {
            let perBlock = 4.0 + (l.recompute == .full ? 2 : 0)
            let one = Collectives.allReduce(
                bytes: activationBytes, ranks: l.tp, bandwidth: bandwidth(groupSpan: l.tp), latency: lat)
            out.tpCommunication = Double(mbs) * stageLayers * perBlock * one * (1 - a.tpOverlap)
        }
        // Context parallel: K and V pass round the ring once forward and twice backward.
        if l.cp > 1 {
            let kv = Double(tokens) * Double(2 * max(1, model.kvHeads / l.tp) * model.headDimension) * 2
            let ring =
                Double(l.cp - 1)
                * Collectives.send(bytes: kv, bandwidth: bandwidth(groupSpan: l.tp * l.cp), latency: lat)
            out.cpCommunication = Double(mbs) * stageLayers * 3 * ring * (1 - a.overlap)
        }
        // Pipeline: each micro-batch's activations forward and gradients backward cross each
        // stage boundary; the sends in the fill and drain are on the critical path.
        if l.pp > 1 {
            let send = Collectives.send(
                bytes: activationBytes, bandwidth: bandwidth(groupSpan: l.tp * l.cp * l.dp * 2), latency: lat)
            out.ppCommunication = 2 * send * (Double(mbs) * (1 - a.overlap) + Double(l.pp - 1))
        }
        // Data parallel: bf16 gradients all-reduced (ZeRO 0), or reduce-scattered and the bf16
        // parameters all-gathered (ZeRO 1, 2: the same volume), or gathered twice (ZeRO 3).
        let group = l.dp * l.cp
        if group > 1 {
            let bytes = 2 * MemoryAccount.parametersPerRank(model, l)
            let bw = bandwidth(groupSpan: l.tp * l.cp * l.dp)
            let traffic =
                l.zero >= 3
                ? 3 * Collectives.allGather(bytes: bytes, ranks: group, bandwidth: bw, latency: lat)
                : Collectives.allReduce(bytes: bytes, ranks: group, bandwidth: bw, latency: lat)
            out.dpCommunication = traffic
            out.dpExposed = traffic - min(a.overlap * traffic, out.compute)
        }
        out.memory = MemoryAccount.of(model, l, tokens: tokens, inFlight: min(l.pp, mbs))
        return out
    }
}
