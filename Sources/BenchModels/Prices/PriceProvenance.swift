/// Where an imported price comes from, precisely enough to find it again in AWS's own data:
/// the offer file's publication and version with the SKU, offer term and rate codes, or the
/// spot history's window, sample count and zones.
public struct PriceProvenance: Codable, Sendable, Equatable {
    /// `aws-price-list` (an EC2 offer file), `aws-savings-plans` (a Savings Plans offer file)
    /// or `aws-spot-history` (`describe-spot-price-history` output).
    public var kind: String
    /// The file it was read from (its name).
    public var file: String
    public var region: String
    public var publicationDate: String?
    public var version: String?
    public var sku: String?
    public var offerTermCode: String?
    public var rateCode: String?
    /// Spot: the first and last sample's time, how many samples the median is of, the zones.
    public var windowStart: String?
    public var windowEnd: String?
    public var samples: Int?
    public var zones: [String]?

    public init(kind: String, file: String, region: String) {
        self.kind = kind
        self.file = file
        self.region = region
    }

    enum CodingKeys: String, CodingKey {
        case kind, file, region, publicationDate = "publication_date", version, sku
        case offerTermCode = "offer_term_code", rateCode = "rate_code", windowStart = "window_start"
        case windowEnd = "window_end", samples, zones
    }

    /// One line for notes, tables and the sidecar.
    public var summary: String {
        var parts = [kind, region]
        if let version { parts.append("version \(version)") }
        if let publicationDate { parts.append("published \(publicationDate)") }
        if let sku { parts.append("sku \(sku)") }
        if let offerTermCode { parts.append("term \(offerTermCode)") }
        if let rateCode { parts.append("rate \(rateCode)") }
        if let windowStart, let windowEnd { parts.append("window \(windowStart)…\(windowEnd)") }
        if let samples { parts.append("median of \(samples) samples") }
        if let zones, !zones.isEmpty { parts.append("zones \(zones.joined(separator: ","))") }
        return parts.joined(separator: ", ")
    }
}
