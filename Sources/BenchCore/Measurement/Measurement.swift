/// Raw timings of one case on one backend.
public struct Measurement: Sendable, Equatable {
    /// Seconds per call, one entry per sample (each sample averages `callsPerSample` calls).
    public var samples: [Double]
    /// Calls batched into each sample so that a sample lasts about the target length.
    public var callsPerSample: Int
    /// Calls made during warm-up.
    public var warmupCalls: Int
    /// Why sampling stopped.
    public var stopReason: StopReason

    /// Why the adaptive loop stopped taking samples.
    public enum StopReason: String, Sendable, Codable {
        /// The median's CI reached the target width.
        case precision
        /// The time budget was spent (after the minimum sample count).
        case budget
        /// The sample cap was reached.
        case sampleCap = "sample_cap"
        /// Nothing was sampled: the row's time comes from a model.
        case modeled
    }

    public init(samples: [Double], callsPerSample: Int, warmupCalls: Int, stopReason: StopReason) {
        self.samples = samples
        self.callsPerSample = callsPerSample
        self.warmupCalls = warmupCalls
        self.stopReason = stopReason
    }

    /// Measures `body` under `policy`: warm-up, then adaptive sampling.
    ///
    /// Warm-up makes at least `warmupMinCalls` calls and runs at least
    /// `warmupMinSeconds`; its fastest call sets how many calls a sample batches.
    /// Sampling stops at the first of: the median's CI within the target width
    /// (after `minSamples` and `minimumBudgetFraction` of the budget), the budget
    /// spent (after `minSamples`), or the cap.
    ///
    /// `primedCall`: the seconds of a call the caller already made on the same prepared state
    /// (the runner's first call of a round, the one it verifies). It is the first warm-up call:
    /// counted in `warmupCalls`, in the fastest call and in the time spent, so a case slower
    /// than its round's budget runs one call fewer a round.
    public static func measure<S: Stopwatch>(
        policy: MeasurementPolicy, stopwatch: inout S, primedCall: Double? = nil, _ body: () throws -> Void
    ) rethrows -> Measurement {
        let start = stopwatch.seconds() - (primedCall ?? 0)
        var warmupCalls = primedCall == nil ? 0 : 1
        var fastest = primedCall ?? .infinity
        while warmupCalls < max(1, policy.warmupMinCalls) || stopwatch.seconds() - start < policy.warmupMinSeconds {
            let t0 = stopwatch.seconds()
            try body()
            let t = stopwatch.seconds() - t0
            fastest = min(fastest, t)
            warmupCalls += 1
        }
        let perCall = max(fastest, 1e-9)
        // The factor absorbs rounding in the division (1 ms / 1 µs must give 1000, not 1001).
        let calls = max(1, Int((policy.targetSampleSeconds / perCall * (1 - 1e-9)).rounded(.up)))
        var samples: [Double] = []
        samples.reserveCapacity(min(policy.maxSamples, 4096))
        let minSamples = max(1, policy.minSamples)
        while true {
            let t0 = stopwatch.seconds()
            for _ in 0..<calls { try body() }
            let t1 = stopwatch.seconds()
            samples.append((t1 - t0) / Double(calls))
            let n = samples.count
            if n >= policy.maxSamples {
                return Measurement(
                    samples: samples, callsPerSample: calls, warmupCalls: warmupCalls, stopReason: .sampleCap)
            }
            guard n >= minSamples else { continue }
            // Sorting is O(n log n); check every sample while n is small, then every 16th.
            let spanned = t1 - start >= policy.minimumBudgetFraction * policy.budgetSeconds
            if spanned && (n < 64 || n % 16 == 0) {
                let summary = Summary(samples, level: policy.confidenceLevel)
                if let w = summary.relativeCIHalfWidth, w <= policy.targetRelativeCIHalfWidth {
                    return Measurement(
                        samples: samples, callsPerSample: calls, warmupCalls: warmupCalls, stopReason: .precision)
                }
            }
            if t1 - start >= policy.budgetSeconds {
                return Measurement(
                    samples: samples, callsPerSample: calls, warmupCalls: warmupCalls, stopReason: .budget)
            }
        }
    }

    /// Measures a case that times itself (a plugin): the same warm-up, batching, stopping
    /// rule and budget as ``measure(policy:stopwatch:_:)``, with samples from `source(count, callsPerSample)`.
    public static func measureSelfTimed<S: Stopwatch>(
        policy: MeasurementPolicy, stopwatch: inout S, _ source: (Int, Int) throws -> [Double]
    ) rethrows -> Measurement {
        let start = stopwatch.seconds()
        var warm = try source(max(1, policy.warmupMinCalls), 1)
        while stopwatch.seconds() - start < policy.warmupMinSeconds { warm += try source(1, 1) }
        let perCall = max(warm.min() ?? 1e-9, 1e-9)
        let calls = max(1, Int((policy.targetSampleSeconds / perCall * (1 - 1e-9)).rounded(.up)))
        var samples: [Double] = []
        let minSamples = max(1, policy.minSamples)
        while true {
            let want = samples.count < minSamples ? minSamples - samples.count : max(1, min(64, samples.count / 4))
            samples += try source(min(want, policy.maxSamples - samples.count), calls)
            let elapsed = stopwatch.seconds() - start
            if samples.count >= policy.maxSamples {
                return Measurement(
                    samples: samples, callsPerSample: calls, warmupCalls: warm.count, stopReason: .sampleCap)
            }
            if elapsed >= policy.minimumBudgetFraction * policy.budgetSeconds,
                let w = Summary(samples, level: policy.confidenceLevel).relativeCIHalfWidth,
                w <= policy.targetRelativeCIHalfWidth
            {
                return Measurement(
                    samples: samples, callsPerSample: calls, warmupCalls: warm.count, stopReason: .precision)
            }
            if elapsed >= policy.budgetSeconds {
                return Measurement(
                    samples: samples, callsPerSample: calls, warmupCalls: warm.count, stopReason: .budget)
            }
        }
    }
}
