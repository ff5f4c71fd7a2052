/// How a job is split over ranks (docs/project.md#layouts): tensor parallel inside a node,
/// pipeline stages, data parallel replicas (with a ZeRO stage), context parallel, the
/// per-rank micro-batch and activation recompute. Ranks are devices, or NeuronCores on
/// Trainium (the catalog's `parallel_ranks`).
public struct ParallelLayout: Hashable, Sendable, CustomStringConvertible {
    public enum Recompute: String, Sendable, CaseIterable { case none, full }

    public var tp: Int
    public var pp: Int
    public var dp: Int
    public var cp: Int
    /// 0 (replicated), 1 (optimizer state sharded), 2 (+ gradients), 3 (+ weights).
    public var zero: Int
    /// Sequences per rank per micro-batch.
    public var microBatch: Int
    public var recompute: Recompute
    /// Interleaved pipeline: virtual stages per rank (Megatron's `vp`); the bubble is ÷ vp.
    public var vp: Int

    public init(
        tp: Int, pp: Int, dp: Int, cp: Int = 1, zero: Int = 1, microBatch: Int = 1, recompute: Recompute = .none,
        vp: Int = 1
    ) {
        (self.tp, self.pp, self.dp, self.cp, self.zero) = (tp, pp, dp, cp, zero)
        (self.microBatch, self.recompute, self.vp) = (microBatch, recompute, vp)
    }

    public var ranks: Int { tp * pp * dp * cp }

    public var description: String {
        "tp=\(tp),pp=\(pp)\(vp > 1 ? ",vp=\(vp)" : ""),dp=\(dp)\(cp > 1 ? ",cp=\(cp)" : ""),zero=\(zero),mb=\(microBatch)\(recompute == .full ? ",recompute=full" : "")"
    }

    /// Micro-batches each pipeline runs per step, or `nil` when `dp × mb` does not divide the
    /// global batch of `sequences`.
    public func microBatches(globalSequences sequences: Int) -> Int? {
        let per = dp * microBatch
        guard per > 0, sequences % per == 0 else { return nil }
        return sequences / per
    }

    /// The first way the layout does not fit the model or the ranks, as one line.
    /// `unevenStages`: a published run's layout whose last stage has fewer layers (Megatron's
    /// uneven pipelines) is accepted; a user's layout must divide the layers.
    public func problem(model m: ModelConfig, ranks: Int, sequence: Int, unevenStages: Bool = false) -> String? {
        if m.heads % tp != 0 { return "tp=\(tp) does not divide the \(m.heads) heads" }
        if m.kvHeads % tp != 0 && tp % m.kvHeads != 0 {
            return "tp=\(tp) does not divide the \(m.kvHeads) KV heads (nor do they divide it, for replicated KV heads)"
        }
        if m.ffn % tp != 0 { return "tp=\(tp) does not divide the MLP width \(m.ffn)" }
        if m.layers % pp != 0 && !unevenStages { return "pp=\(pp) does not divide the \(m.layers) layers" }
        if pp > m.layers { return "pp=\(pp) is more than the \(m.layers) layers" }
        if vp < 1 || ((m.layers / pp) % vp != 0 && !unevenStages) {
            return "vp=\(vp) does not divide the \(m.layers / pp) layers of each of the \(pp) stages"
        }
        if sequence % cp != 0 { return "cp=\(cp) does not divide the sequence length \(sequence)" }
        if tp * pp * dp * cp != ranks {
            return
                "tp × pp × dp × cp = \(tp)×\(pp)×\(dp)×\(cp) = \(tp * pp * dp * cp) is not the \(ranks) ranks of the devices"
        }
        if !(0...3).contains(zero) { return "zero=\(zero) is not a ZeRO stage (0, 1, 2 or 3)" }
        return nil
    }

    /// Parses `tp=,pp=,vp=,dp=,cp=,zero=,mb=,recompute=`; `dp` may be left out (the ranks left).
    public static func parse(_ text: String, ranks: Int?) throws(ProjectionError) -> ParallelLayout {
        var values: [String: String] = [:]
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            let kv = item.split(separator: "=", maxSplits: 1).map(String.init)
            guard kv.count == 2, ["tp", "pp", "vp", "dp", "cp", "zero", "mb", "recompute"].contains(kv[0]),
                values[kv[0]] == nil
            else {
                throw .badInput(
                    "--parallel '\(text)': '\(item)' is not one of tp=, pp=, vp=, dp=, cp=, zero=, mb=, recompute= (each once), or auto"
                )
            }
            values[kv[0]] = kv[1]
        }
        func int(_ key: String, _ fallback: Int?) throws(ProjectionError) -> Int? {
            guard let v = values[key] else { return fallback }
            guard let i = Int(v), (key == "zero" ? 0 : 1)...65_536 ~= i else {
                throw .badInput("--parallel: \(key)=\(v) is not a whole number in \(key == "zero" ? 0 : 1)...65536")
            }
            return i
        }
        let tp = try int("tp", 1)!, pp = try int("pp", 1)!, cp = try int("cp", 1)!
        // Without ranks (a syntax check) dp defaults to 1.
        guard let dp = try int("dp", ranks.map { $0 / max(1, tp * pp * cp) } ?? 1), dp >= 1 else {
            throw .badInput("--parallel '\(text)': tp × pp × cp = \(tp * pp * cp) is more than the \(ranks ?? 0) ranks")
        }
        let zero = try int("zero", 1)!, mb = try int("mb", 1)!, vp = try int("vp", 1)!
        guard let recompute = Recompute(rawValue: values["recompute"] ?? "none") else {
            throw .badInput("--parallel: recompute=\(values["recompute"] ?? "") (valid: none, full)")
        }
        guard zero <= 3 else { throw .badInput("--parallel: zero=\(zero) is not a ZeRO stage (0, 1, 2 or 3)") }
        return ParallelLayout(tp: tp, pp: pp, dp: dp, cp: cp, zero: zero, microBatch: mb, recompute: recompute, vp: vp)
    }
}
