import BenchCore

/// Prices each backend from the catalog: an accelerator profile at instance price ÷ chips, a
/// CPU profile at the instance price, a measured backend at the host instance's price.
public struct PriceBook: Sendable {
    public var catalog: Catalog
    /// The requested pricing basis (falls back in ``Catalog/pricingFallback`` order).
    public var basis: String
    /// `--price INSTANCE=USD` overrides.
    public var overrides: [String: Double]
    /// `--host-instance`: the catalog instance this machine is.
    public var hostInstance: String?
    /// `--host-price`: this machine's price per hour.
    public var hostPrice: Double?

    public init(catalog: Catalog, basis: String, overrides: [String: Double], hostInstance: String?, hostPrice: Double?)
        throws(CatalogError)
    {
        self.catalog = catalog
        self.basis = basis
        self.overrides = overrides
        self.hostInstance = hostInstance
        self.hostPrice = hostPrice
        for name in overrides.keys where catalog.instance(named: name) == nil {
            throw .invalid(path: "--price", location: name, reason: "unknown instance '\(name)' (see bench catalog)")
        }
        if let h = hostInstance, catalog.instance(named: h) == nil {
            throw .invalid(path: "--host-instance", location: h, reason: "unknown instance '\(h)' (see bench catalog)")
        }
    }

    /// The hourly price of a whole instance and how it was found, or `nil` when it has none.
    public func instancePrice(_ inst: InstanceSpec) -> (usd: Double, how: String)? {
        if let o = overrides[inst.name] { return (o, "\(inst.name) $\(o)/h (--price)") }
        guard let (p, used) = catalog.price(of: inst, basis: basis) else { return nil }
        let fallback = used == basis ? "" : ", no \(basis) price so \(used)"
        return (p.usdPerHour, "\(inst.name) \(used) $\(p.usdPerHour)/h\(fallback)")
    }

    /// The quote for a backend, or `nil` with no price known.
    public func quote(for backend: any Backend) -> PriceQuote? {
        if let modeled = backend as? ModeledDeviceBackend {
            guard let (usd, how) = instancePrice(modeled.instance) else { return nil }
            let share = Double(modeled.sharesPerInstance)
            return PriceQuote(
                usdPerHour: usd / share,
                note:
                    "price: \(how)\(share > 1 ? " ÷ \(modeled.sharesPerInstance)" : "") (catalog \(catalog.catalogVersion))"
            )
        }
        if let hostPrice {
            return PriceQuote(usdPerHour: hostPrice, note: "price: host $\(hostPrice)/h (--host-price)")
        }
        if let name = hostInstance, let inst = catalog.instance(named: name), let (usd, how) = instancePrice(inst) {
            return PriceQuote(usdPerHour: usd, note: "price: host = \(how) (catalog \(catalog.catalogVersion))")
        }
        return nil
    }
}
