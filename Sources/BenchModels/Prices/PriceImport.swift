import BenchCore
import BenchDataFile
import Foundation

/// Why prices could not be imported: one line naming the file (or the flag) and what is wrong.
public enum PriceImportError: Error, Equatable, Sendable, CustomStringConvertible {
    case file(path: String, reason: String)
    case request(String)

    public var description: String {
        switch self {
        case .file(let path, let reason): "\(path): \(reason)"
        case .request(let reason): reason
        }
    }
}

/// `bench catalog import-prices`: AWS's own price data (files the user downloaded; bench never
/// fetches them) into a catalog overlay that `--catalog` reads. Every imported price carries its
/// provenance (``PriceProvenance``). Nothing is written unless every file reads and every
/// check passes.
public struct PriceImport {
    /// What to import.
    public struct Request {
        public var files: [String]
        /// `--instance`: only these types (each must be in the files); else every type the
        /// catalog knows.
        public var instanceTypes: [String]
        /// `--region`: the region to keep, required when the files cover several.
        public var region: String?
        /// The catalog the instances' devices come from (shipped, or with `--catalog`).
        public var catalog: Catalog

        public init(files: [String], instanceTypes: [String], region: String?, catalog: Catalog) {
            self.files = files
            self.instanceTypes = instanceTypes
            self.region = region
            self.catalog = catalog
        }
    }

    /// The overlay, and one line per imported instance type.
    public var overlay: Catalog
    public var lines: [String]

    /// Reads every file and builds the overlay.
    public init(_ request: Request) throws(PriceImportError) {
        let named = Set(request.instanceTypes)
        for type in request.instanceTypes where request.catalog.instance(named: type) == nil {
            throw .request(
                "--instance \(type): catalog \(request.catalog.catalogVersion) does not list it, so bench cannot tell its device; add it with --catalog first"
            )
        }
        let wanted = named.isEmpty ? Set(request.catalog.instances.map(\.name)) : named
        var ec2: [EC2OfferFile] = [], spot: [(path: String, history: SpotHistory)] = [], plans: [String] = []
        for path in request.files {
            switch try PriceFileKind.of(path) {
            case .ec2Offer: ec2.append(try EC2OfferFile.read(path: path, instanceTypes: wanted))
            case .spotHistory: spot.append((path, try SpotHistory.read(path: path, instanceTypes: wanted)))
            case .savingsPlans: plans.append(path)
            }
        }
        let skus = Set(ec2.flatMap { $0.products.keys })
        var savings: [SavingsPlansOfferFile] = []
        for path in plans {
            guard !ec2.isEmpty else {
                throw .file(
                    path: path,
                    reason: "Savings Plans rates join an EC2 offer file's SKUs: give that region's EC2 offer file too")
            }
            savings.append(try SavingsPlansOfferFile.read(path: path, skus: skus))
        }
        let regions = Set(
            ec2.flatMap { $0.products.values.map(\.region) } + spot.flatMap { $0.history.medians.keys.map(\.region) }
                + savings.map(\.region))
        let region: String
        if let asked = request.region {
            guard regions.contains(asked) else {
                throw .request(
                    "--region \(asked): the files have no price there (they have \(regions.sorted().joined(separator: ", ")))"
                )
            }
            region = asked
        } else if regions.count == 1, let only = regions.first {
            region = only
        } else if regions.isEmpty, let type = request.instanceTypes.first {
            throw .request("--instance \(type): the files have no clean Linux price for it")
        } else if regions.isEmpty {
            throw .request(
                "the files price none of the instance types asked for (\(wanted.sorted().prefix(8).joined(separator: ", "))\(wanted.count > 8 ? ", …" : ""))"
            )
        } else {
            throw .request(
                "the files are for several regions (\(regions.sorted().joined(separator: ", "))); pick one with --region"
            )
        }
        var prices: [String: [String: Price]] = [:]
        for file in ec2 { Self.add(file, savings: savings, region: region, to: &prices) }
        for (path, history) in spot {
            for type in named.sorted() where history.medians[SpotHistory.Key(instanceType: type, region: region)] == nil
            {
                throw .file(path: path, reason: "no Linux spot price for \(type) in \(region)")
            }
            Self.add(history, region: region, to: &prices)
        }
        for type in named.sorted() where prices[type] == nil {
            throw .request("--instance \(type): the files have no clean Linux price for it in \(region)")
        }
        overlay = Self.overlay(prices, region: region, catalog: request.catalog, files: request.files)
        lines = overlay.instances.map { inst in
            "\(inst.name) (\(region)): "
                + inst.prices.sorted { $0.key < $1.key }.map { "\($0.key) $\(plainNumber($0.value.usdPerHour))/h" }
                .joined(separator: ", ")
        }
    }

    private static func add(
        _ file: EC2OfferFile, savings: [SavingsPlansOfferFile], region: String,
        to prices: inout [String: [String: Price]]
    ) {
        let published = String(file.publicationDate.prefix(10))
        for (sku, product) in file.products where product.region == region {
            var rates = (file.rates[sku] ?? [:]).map { basis, r in
                var p = PriceProvenance(kind: "aws-price-list", file: file.file, region: region)
                (p.publicationDate, p.version, p.sku) = (file.publicationDate, file.version, sku)
                (p.offerTermCode, p.rateCode) = (r.offerTermCode, r.rateCode)
                return (
                    basis,
                    Price(
                        usdPerHour: r.usdPerHour,
                        source: "AWS Price List API, AmazonEC2 offer file version \(file.version)", date: published,
                        note: "imported by bench catalog import-prices from \(file.file)", provenance: p)
                )
            }
            for plan in savings where plan.region == region {
                for (basis, r) in plan.rates[sku] ?? [:] {
                    var p = PriceProvenance(kind: "aws-savings-plans", file: plan.file, region: region)
                    (p.publicationDate, p.version, p.sku) = (plan.publicationDate, plan.version, sku)
                    (p.offerTermCode, p.rateCode) = (r.planSKU, r.rateCode)
                    rates.append(
                        (
                            basis,
                            Price(
                                usdPerHour: r.usdPerHour,
                                source: "AWS Price List API, \(r.family) offer file version \(plan.version)",
                                date: String(plan.publicationDate.prefix(10)),
                                note: "no upfront; imported by bench catalog import-prices from \(plan.file)",
                                provenance: p)
                        ))
                }
            }
            for (basis, price) in rates { prices[product.instanceType, default: [:]][basis] = price }
        }
    }

    private static func add(_ history: SpotHistory, region: String, to prices: inout [String: [String: Price]]) {
        for (key, m) in history.medians where key.region == region {
            var p = PriceProvenance(kind: "aws-spot-history", file: history.file, region: region)
            (p.windowStart, p.windowEnd, p.samples, p.zones) = (m.windowStart, m.windowEnd, m.samples, m.zones)
            prices[key.instanceType, default: [:]]["spot"] = Price(
                usdPerHour: m.usdPerHour,
                source: "EC2 spot price history (describe-spot-price-history), Linux/UNIX",
                date: String(m.windowEnd.prefix(10)),
                note:
                    "median of \(m.samples) prices over \(m.windowStart)…\(m.windowEnd) in \(m.zones.joined(separator: ", "))",
                provenance: p)
        }
    }

    /// The overlay: each priced type as the catalog describes it, with the imported region and prices.
    private static func overlay(
        _ prices: [String: [String: Price]], region: String, catalog: Catalog, files: [String]
    ) -> Catalog {
        let dates = prices.values.flatMap { $0.values.map(\.date) }.sorted()
        let instances = prices.keys.sorted().compactMap { name -> InstanceSpec? in
            guard var inst = catalog.instance(named: name) else { return nil }
            inst.region = region
            inst.prices = prices[name] ?? [:]
            inst.notes =
                "prices imported by bench catalog import-prices from \(files.map { URL(fileURLWithPath: $0).lastPathComponent }.joined(separator: ", "))"
            return inst
        }
        return Catalog(
            schemaVersion: catalog.schemaVersion, catalogVersion: "aws-prices-\(region)-\(dates.last ?? "n.d.")",
            currency: "USD", devices: [], instances: instances)
    }
}

/// What kind of AWS price file a file is, from its first keys.
enum PriceFileKind {
    case ec2Offer, spotHistory, savingsPlans

    static func of(_ path: String) throws(PriceImportError) -> PriceFileKind {
        do {
            let stream = try JSONStream(path: path)
            try stream.beginObject()
            var keys: [String] = []
            while let key = try stream.nextKey() {
                keys.append(key)
                switch key {
                case "SpotPriceHistory": return .spotHistory
                case "offerCode":
                    let code = try stream.stringValue()
                    guard code == EC2OfferFile.offerCode else {
                        throw PriceImportError.file(path: path, reason: "an offer file of \(code), not AmazonEC2")
                    }
                    return .ec2Offer
                case "products":
                    if try stream.peekKind() == UInt8(ascii: "["), keys.contains("regionCode") { return .savingsPlans }
                    throw PriceImportError.file(
                        path: path, reason: "not an AWS Price List offer file (no offerCode before its products)")
                default: try stream.skipValue()
                }
            }
            throw PriceImportError.file(
                path: path,
                reason:
                    "not an EC2 offer file, a Savings Plans offer file or spot price history (top-level keys: \(keys.prefix(6).joined(separator: ", ")))"
            )
        } catch let error as PriceImportError {
            throw error
        } catch let failure as JSONStream.Failure {
            throw .file(path: path, reason: failure.description)
        } catch {
            throw .file(path: path, reason: "\(error)")
        }
    }
}
