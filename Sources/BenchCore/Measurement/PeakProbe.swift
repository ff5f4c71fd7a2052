/// The runs of one peak probe (the FMA loop on some threads): their FLOP/s, best and spread.
public struct PeakProbe: Sendable, Equatable {
    /// FLOP/s of every run, in order.
    public var rates: [Double]

    public init(rates: [Double]) { self.rates = rates }

    /// The fastest run's FLOP/s: a disturbed run reads low, never high.
    public var best: Double { rates.max() ?? 0 }

    /// `(max − min) / max` over the runs.
    public var spread: Double {
        guard let hi = rates.max(), let lo = rates.min(), hi > 0 else { return 0 }
        return (hi - lo) / hi
    }
}

/// How a run measures the host it runs on. `nil` where a run has none (tests, modeled-only
/// runs): its measured rows then have no MFU and its sidecar no peak or bandwidth.
public struct HostProbes: Sendable {
    /// Peak FLOP/s of a dtype on a number of threads.
    public var peak: @Sendable (DType, Int) -> PeakProbe
    /// Memory bandwidth in bytes per second on a number of threads (a STREAM triad), if measured.
    public var bandwidth: @Sendable (Int) -> Double?

    public init(
        peak: @escaping @Sendable (DType, Int) -> PeakProbe,
        bandwidth: @escaping @Sendable (Int) -> Double? = { _ in nil }
    ) {
        self.peak = peak
        self.bandwidth = bandwidth
    }
}
