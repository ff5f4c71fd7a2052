import BenchCore

extension ResultRow {
    /// Sets `samples`, `rounds`, the median, percentiles and CI from `stats`.
    public mutating func setTimes(_ stats: RoundStatistics, rounds: Int) {
        samples = stats.summary.count
        self.rounds = rounds
        medianSeconds = stats.summary.median
        p10Seconds = stats.summary.p10
        p90Seconds = stats.summary.p90
        ciLowSeconds = stats.confidenceInterval?.lowerBound
        ciHighSeconds = stats.confidenceInterval?.upperBound
    }

    /// After the median changed from `oldMedian`: every speed and cost column follows it (they
    /// are the time's inverse, or proportional to it, times a constant of the row), and the
    /// host model's error is taken against the new median.
    public mutating func rescaleSpeedAndCost(fromMedian oldMedian: Double) {
        guard let new = medianSeconds, new > 0, oldMedian > 0 else { return }
        let faster = oldMedian / new
        tflops = tflops.map { $0 * faster }
        throughput = throughput.map { $0 * faster }
        mfu = mfu.map { $0 * faster }
        perfPerDollar = perfPerDollar.map { $0 * faster }
        usdPerPFLOP = usdPerPFLOP.map { $0 / faster }
        usdPerMillionUnits = usdPerMillionUnits.map { $0 / faster }
        if let m = modelSeconds { modelError = m / new - 1 }
    }
}
