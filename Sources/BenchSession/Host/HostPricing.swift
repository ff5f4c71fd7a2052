import BenchCore
import BenchModels
import BenchResults
import BenchRun

/// How the measured host is priced: `--host-instance NAME`, `--host-price USD`, or
/// `--host-instance auto` through the EC2 instance metadata service (IMDSv2).
struct HostPricing {
    var pricing: PricingRequest
    /// What the metadata service said, for `auto`.
    var metadata: InstanceMetadata?
    /// The host's identity when the flags or the service name it.
    var host: HostIdentity?
    var warnings: [String] = []

    /// Resolves `auto` (one network conversation, at most 3 s) and names the host.
    static func resolve(_ request: PricingRequest, catalog: Catalog, environment: [String: String]) -> HostPricing {
        var result = HostPricing(pricing: request)
        if let instance = request.hostInstance, instance != "auto" {
            result.host = HostIdentity(name: instance, source: "--host-instance")
        }
        guard request.hostInstance == "auto" else { return result }
        result.pricing.hostInstance = nil
        let endpoint = environment["AWS_EC2_METADATA_SERVICE_ENDPOINT"] ?? InstanceMetadata.defaultEndpoint
        switch InstanceMetadata.fetch(endpoint: endpoint) {
        case .success(let m):
            result.metadata = m
            result.host = HostIdentity(name: m.instanceType, source: "instance metadata (IMDSv2)")
            if catalog.instance(named: m.instanceType) != nil {
                result.pricing.hostInstance = m.instanceType
                result.pricing.hostRegion = m.region
                if m.lifeCycle == "spot", result.pricing.basis == "on-demand" { result.pricing.basis = "spot" }
            } else {
                result.warnings.append(
                    "warning: --host-instance auto: this host is a \(m.instanceType)\(m.region.map { " in \($0)" } ?? ""), which catalog \(catalog.catalogVersion) does not list; measured rows stay unpriced (add it with --catalog, or pass --host-price USD)"
                )
            }
        case .failure(let e):
            result.warnings.append(
                "warning: --host-instance auto: no instance metadata (\(e)); not on EC2? Measured rows stay unpriced (pass --host-instance NAME or --host-price USD)"
            )
        }
        return result
    }

    /// Each backend's quote from the catalog's price book.
    func prices(for backends: [any Backend], catalog: Catalog) throws(SessionError) -> [BackendID: PriceQuote] {
        let book: PriceBook
        do {
            book = try PriceBook(
                catalog: catalog, basis: pricing.basis, overrides: pricing.overrides,
                hostInstance: pricing.hostInstance, hostPrice: pricing.hostUSDPerHour, hostRegion: pricing.hostRegion)
        } catch {
            throw .input("\(error)")
        }
        var prices: [BackendID: PriceQuote] = [:]
        for b in backends { prices[b.id] = book.quote(for: b) }
        return prices
    }
}
