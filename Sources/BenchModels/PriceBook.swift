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
    /// The host's region (from the instance metadata): a host price from a catalog entry of
    /// another region says so in the row's notes.
    public var hostRegion: String?

    public init(
        catalog: Catalog, basis: String, overrides: [String: Double], hostInstance: String?, hostPrice: Double?,
        hostRegion: String? = nil
    ) throws(CatalogError) {
        self.hostRegion = hostRegion
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
        sourcedPrice(inst).map { ($0.usd, $0.how) }
    }

    /// ``instancePrice(_:)`` with the imported price's provenance, if it has one.
    func sourcedPrice(_ inst: InstanceSpec) -> (usd: Double, how: String, provenance: String?)? {
        if let o = overrides[inst.name] { return (o, "\(inst.name) $\(o)/h (--price)", nil) }
        guard let (p, used) = catalog.price(of: inst, basis: basis) else { return nil }
        let fallback = used == basis ? "" : ", no \(basis) price so \(used)"
        return (p.usdPerHour, "\(inst.name) \(used) $\(p.usdPerHour)/h\(fallback)", p.provenance?.summary)
    }

    /// The quote for a backend, or `nil` with no price known.
    public func quote(for backend: any Backend) -> PriceQuote? {
        if let modeled = backend as? ModeledDeviceBackend {
            guard let (usd, how, provenance) = sourcedPrice(modeled.instance) else { return nil }
            let share = Double(modeled.sharesPerInstance)
            return PriceQuote(
                usdPerHour: usd / share,
                note:
                    "price: \(how)\(share > 1 ? " ÷ \(modeled.sharesPerInstance)" : "") (catalog \(catalog.catalogVersion))",
                provenance: provenance)
        }
        if let device = backend as? any DeviceBackend { return deviceQuote(device) }
        if let hostPrice {
            return PriceQuote(usdPerHour: hostPrice, note: "price: host $\(hostPrice)/h (--host-price)")
        }
        if let name = hostInstance, let inst = catalog.instance(named: name),
            let (usd, how, provenance) = sourcedPrice(inst)
        {
            let region =
                hostRegion.map {
                    $0 == inst.region ? "" : "; the catalog's price is for \(inst.region), this host is in \($0)"
                }
                ?? ""
            return PriceQuote(
                usdPerHour: usd, note: "price: host = \(how) (catalog \(catalog.catalogVersion)\(region))",
                provenance: provenance)
        }
        return nil
    }

    /// A device backend's (a plugin's) price: its share of the host, per device.
    ///
    /// 1. The user's price of the host (`--host-price`, or `--price` for the `--host-instance`)
    ///    wins, divided by the host instance's count of the backend's catalog device when the
    ///    instance holds that device.
    /// 2. Else the backend's own price hint (per device, by the protocol).
    /// 3. Else the host instance's catalog price, divided the same way.
    /// 4. Otherwise what is known of the whole host, with a note saying it is the whole host.
    ///
    /// A backend on part of a device (``DeviceBackend/deviceShare`` < 1) gets that part of a
    /// per-device share; its price hint is already the price of what one row uses.
    func deviceQuote(_ backend: any DeviceBackend) -> PriceQuote? {
        let host = hostInstance.flatMap { catalog.instance(named: $0) }
        // A host that holds the backend's device, one or several of them.
        let count: Int? = {
            guard let name = backend.catalogDevice, let host, host.device == name, host.deviceCount >= 1 else {
                return nil
            }
            return host.deviceCount
        }()
        func share(_ usd: Double, _ how: String) -> PriceQuote {
            if let count {
                let part = backend.deviceShare
                let devices =
                    count > 1
                    ? " ÷ \(count) \(backend.catalogDevice ?? "") devices"
                    : " (the host holds one \(backend.catalogDevice ?? ""))"
                return PriceQuote(
                    usdPerHour: usd / Double(count) * part,
                    note:
                        "price: \(how)\(devices)\(part < 1 ? " × \(fixed(part, 3)) of one (the plugin's device_share)" : "") (catalog \(catalog.catalogVersion))"
                )
            }
            let why =
                backend.catalogDevice == nil
                ? "the plugin names no catalog_device"
                : host == nil
                    ? "no --host-instance says how many \(backend.catalogDevice ?? "") devices the host holds"
                    : "the host instance does not hold \(backend.catalogDevice ?? "")"
            return PriceQuote(usdPerHour: usd, note: "price: the whole host, \(how) (\(why))")
        }
        if let hostPrice { return share(hostPrice, "host $\(hostPrice)/h (--host-price)") }
        if let host, let o = overrides[host.name] { return share(o, "host = \(host.name) $\(o)/h (--price)") }
        if let hint = backend.priceHintUSDPerHour {
            return PriceQuote(usdPerHour: hint, note: "price: $\(hint)/h per device (the plugin's price hint)")
        }
        if let host, let (usd, how) = instancePrice(host) { return share(usd, "host = \(how)") }
        return nil
    }
}
