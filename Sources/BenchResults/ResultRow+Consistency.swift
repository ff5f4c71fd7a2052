import BenchCore

extension ResultRow {
    /// The throughput units bench's kernels write.
    static let knownThroughputUnits = Set(KernelRegistry.builtIn.specs.map(\.throughputUnit))

    /// The first way the row contradicts itself, as (column, reason), or `nil`
    /// (docs/results-schema.md#consistency): its case id against its kernel, dtype and shape
    /// columns; a row that did not run (`error`, `verify_failed`, `unsupported`, `skipped`)
    /// with a speed; a modeled row with samples; a throughput unit no kernel writes.
    public func contradiction() -> (column: String, reason: String)? {
        let parts = caseID.split(separator: "/", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
        if parts.count == 3 {
            if parts[0] != kernel { return ("kernel", "'\(kernel)' is not the case id's kernel '\(parts[0])'") }
            if parts[1] != dtype.rawValue { return ("dtype", "'\(dtype)' is not the case id's dtype '\(parts[1])'") }
            if parts[2] != shape { return ("shape", "'\(shape)' is not the case id's shape '\(parts[2])'") }
        }
        if status != .ok {
            let speeds: [(String, Double?)] = [
                ("median_s", medianSeconds), ("tflops", tflops), ("throughput", throughput),
            ]
            if let (column, _) = speeds.first(where: { $0.1 != nil }) {
                return (
                    column,
                    "\(status == .error ? "an" : "a") \(status.rawValue) row reports no speed, but this one has a \(column)"
                )
            }
        }
        if backendKind == .modeled {
            if samples > 0 {
                return ("samples", "a modeled row has no samples (it estimates), but this one has \(samples)")
            }
            if p10Seconds != nil || ciLowSeconds != nil {
                return ("ci_low_s", "a modeled row has no spread or confidence interval (it was not measured)")
            }
        }
        if !throughputUnit.isEmpty && !Self.knownThroughputUnits.contains(throughputUnit) {
            let known = Self.knownThroughputUnits.sorted().joined(separator: ", ")
            return ("throughput_unit", "unknown unit '\(throughputUnit)' (bench writes \(known))")
        }
        return nil
    }
}

extension SidecarRow {
    /// The first impossible number of the row, as (field, reason), or `nil`: a negative
    /// `calls_per_sample` (or none per sample where there are samples), a round likewise, or
    /// negative warm-up calls.
    public func problem() -> (field: String, reason: String)? {
        if callsPerSample < 0 || (callsPerSample == 0 && !samplesSeconds.isEmpty) {
            return (
                "calls_per_sample", "\(key): \(callsPerSample) calls per sample for \(samplesSeconds.count) samples"
            )
        }
        for round in rounds ?? [] where round.callsPerSample < 0 || (round.callsPerSample == 0 && round.samples > 0) {
            return (
                "rounds.calls_per_sample",
                "\(key): a round of \(round.samples) samples at \(round.callsPerSample) calls per sample"
            )
        }
        if warmupCalls < 0 { return ("warmup_calls", "\(key): \(warmupCalls) warm-up calls") }
        return nil
    }
}

extension Sidecar {
    /// The first impossible number of the environments, as (field, reason), or `nil`: negative or
    /// non-finite cores, threads, memory, peaks or bandwidth (the rows are checked one by one as
    /// they are read: ``SidecarRow/problem()``).
    func environmentProblem() -> (field: String, reason: String)? {
        for (name, env) in [("environment", environment)]
            + (hosts ?? [:]).sorted { $0.key < $1.key }.map { ("hosts.\($0.key)", $0.value) }
        {
            if env.logicalCores < 0 { return ("\(name).logical_cores", "\(env.logicalCores) cores") }
            if env.threads < 0 { return ("\(name).threads", "\(env.threads) threads") }
            if env.memoryBytes < 0 { return ("\(name).memory_bytes", "\(env.memoryBytes) bytes of memory") }
            for p in env.peak where !(p.flopsPerSecond.isFinite && p.flopsPerSecond > 0) || p.threads <= 0 {
                return ("\(name).peak", "a \(p.dtype) peak of \(p.flopsPerSecond) FLOP/s at \(p.threads) threads")
            }
            if let bw = env.memoryBandwidthBytesPerSecond, !(bw.isFinite && bw > 0) {
                return ("\(name).memory_bandwidth_bytes_per_s", "\(bw) bytes per second")
            }
        }
        return nil
    }
}
