/// The hourly price of a backend's share of an instance, and how it was derived.
public struct PriceQuote: Sendable, Equatable {
    /// USD per hour for the share of the instance the backend stands for.
    public var usdPerHour: Double
    /// E.g. `price: p5.48xlarge on-demand $55.04/h ÷ 8 (catalog 2026.11.26-1)`.
    public var note: String
    /// Where an imported price comes from in AWS's data (offer file, SKU, term and rate codes,
    /// or the spot window), recorded in the sidecar; `nil` for a price typed into the catalog.
    public var provenance: String?

    public init(usdPerHour: Double, note: String, provenance: String? = nil) {
        self.usdPerHour = usdPerHour
        self.note = note
        self.provenance = provenance
    }
}

/// Cost per unit of work at an achieved rate.
///
/// - `usdPerPFLOP = price / (tflops × 3.6)`: dollars per 10¹⁵ FLOPs (an hour at
///   `tflops` TFLOP/s does `tflops × 3600 × 10¹²` FLOPs = `tflops × 3.6` PFLOP).
/// - `usdPerMillionUnits = price / 3600 / throughput × 10⁶`: dollars per million tokens
///   (training) or calls (matmul).
/// - `perfPerDollar = throughput / price`: units per second per dollar-hour; higher is better.
public struct CostMetrics: Sendable, Equatable {
    public var usdPerPFLOP: Double
    public var usdPerMillionUnits: Double
    public var perfPerDollar: Double

    public init(usdPerHour: Double, tflops: Double, throughput: Double) {
        usdPerPFLOP = usdPerHour / (tflops * 3.6)
        usdPerMillionUnits = usdPerHour / 3600 / throughput * 1e6
        perfPerDollar = throughput / usdPerHour
    }
}
