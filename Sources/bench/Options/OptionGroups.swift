import ArgumentParser
import BenchModels
import BenchSession
import Foundation

/// `--threads`, shared by run, list and calibrate.
struct ThreadsOption: ParsableArguments {
    @Option(parsing: .unconditional, help: "Worker threads (default: all cores; at most 4× the logical cores).")
    var threads: Int?

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1 (got \(threads))") }
        let cores = ProcessInfo.processInfo.activeProcessorCount
        if let threads, threads > 4 * cores {
            throw ValidationError(
                "--threads \(threads) is more than 4× this machine's \(cores) logical cores (at most \(4 * cores))")
        }
    }

    /// A warning when the threads outnumber the cores (they will share them), or `nil`.
    var oversubscription: String? {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        guard let threads, threads > cores else { return nil }
        return
            "warning: --threads \(threads) is more than the \(cores) logical cores; threads will share cores and time each other"
    }
}

/// The catalog and pricing basis, shared by run and catalog.
struct CatalogOptions: ParsableArguments {
    @Option(help: "A catalog file (JSON or YAML) that adds to or overrides the shipped one.")
    var catalog: String?

    @Option(
        help:
            "Pricing basis: on-demand, capacity-block, 1yr-reserved, 3yr-reserved, 1yr-savings-plan, 3yr-savings-plan, spot (falls back in that order).",
        transform: PricingBasis.parse)
    var pricing: PricingBasis = PricingBasis(argument: "on-demand")!
}

/// How this run's backends are priced: per-instance overrides and the host's price.
struct HostPricingOptions: ParsableArguments {
    @Option(
        help: "Override one instance's price for this run: INSTANCE=USD per hour (repeatable).",
        transform: PriceOverride.parse)
    var price: [PriceOverride] = []

    @Option(
        name: .customLong("host-instance"),
        help:
            "The catalog instance this machine is, to price the measured backends; auto asks the EC2 instance metadata service (IMDSv2; AWS_EC2_METADATA_SERVICE_ENDPOINT overrides its address)."
    )
    var hostInstance: String?

    @Option(
        name: .customLong("host-price"), parsing: .unconditional,
        help: "This machine's price in USD per hour, to price the measured backends (not with --host-instance).")
    var hostPrice: Double?

    func validate() throws {
        if let hostPrice, !Catalog.usdPerHourRange.contains(hostPrice) {
            throw ValidationError(
                "--host-price must be a positive number of USD per hour in \(Catalog.usdPerHourText) (got \(hostPrice))"
            )
        }
        if hostPrice != nil, hostInstance != nil {
            throw ValidationError("give --host-instance or --host-price, not both")
        }
    }

    /// The pricing part of a run request.
    func request(catalog: CatalogOptions) -> PricingRequest {
        var p = PricingRequest()
        p.catalogOverlay = catalog.catalog
        p.basis = catalog.pricing.name
        for o in price { p.overrides[o.instance] = o.usdPerHour }
        p.hostInstance = hostInstance
        p.hostUSDPerHour = hostPrice
        return p
    }
}
