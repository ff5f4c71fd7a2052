import BenchDataFile
import Foundation

/// What bench takes from a Savings Plans offer file (the bulk JSON of the AWS Price List API
/// for `AWSComputeSavingsPlan`, one region): the 1- and 3-year no-upfront hourly rate each plan
/// gives an EC2 product, by that product's SKU (`discountedSku`), so it joins the EC2 offer
/// file's clean Linux SKUs. Compute Savings Plans are preferred over EC2 Instance Savings Plans
/// where both price a SKU (the provenance says which).
///
/// Shape (docs.aws.amazon.com, "Reading the service price list file for a Savings Plan"):
/// `{version, publicationDate, regionCode, products: [{sku, productFamily, attributes}],
/// terms: {savingsPlan: [{sku, effectiveDate, leaseContractLength: {duration, unit}, rates:
/// [{discountedSku, discountedOperation, rateCode, unit, discountedRate: {price, currency}}]}]}}`.
struct SavingsPlansOfferFile {
    var file: String
    var version = ""
    var publicationDate = ""
    var region = ""
    /// Discounted EC2 SKU → basis (`1yr-savings-plan`, `3yr-savings-plan`) → rate.
    var rates: [String: [String: Rate]] = [:]

    struct Rate {
        var usdPerHour: Double
        /// The plan's SKU (the offer term) and the rate's code.
        var planSKU: String
        var rateCode: String
        var family: String
    }

    private struct Product: Decodable {
        var sku: String
        var productFamily: String?
        var attributes: [String: String]?
    }

    private struct Plan: Decodable {
        var sku: String
        var leaseContractLength: Lease?
        var rates: [PlanRate]
        struct Lease: Decodable {
            var duration: Double?
            var unit: String?
        }
    }

    private struct PlanRate: Decodable {
        var discountedSku: String
        var discountedOperation: String?
        var rateCode: String
        var unit: String?
        var discountedRate: Money
        struct Money: Decodable {
            var price: String
            var currency: String
        }
    }

    /// Reads `path`, keeping the rates of the EC2 SKUs in `skus`.
    static func read(path: String, skus: Set<String>) throws(PriceImportError) -> SavingsPlansOfferFile {
        var result = SavingsPlansOfferFile(file: URL(fileURLWithPath: path).lastPathComponent)
        /// Plan SKU → its product family, for no-upfront plans only.
        var plans: [String: String] = [:]
        var sawTerms = false
        do {
            let stream = try JSONStream(path: path)
            try stream.beginObject()
            while let key = try stream.nextKey() {
                switch key {
                case "version": result.version = try stream.stringValue()
                case "publicationDate": result.publicationDate = try stream.stringValue()
                case "regionCode": result.region = try stream.stringValue()
                case "products":
                    try stream.beginArray()
                    while try stream.nextElement() {
                        let p = try JSONDecoder().decode(Product.self, from: Data(try stream.takeValue()))
                        guard p.attributes?["purchaseOption"] == "No Upfront" else { continue }
                        plans[p.sku] = p.productFamily ?? ""
                    }
                case "terms":
                    sawTerms = true
                    try stream.beginObject()
                    while let kind = try stream.nextKey() {
                        guard kind == "savingsPlan" else {
                            try stream.skipValue()
                            continue
                        }
                        try stream.beginArray()
                        while try stream.nextElement() {
                            let plan = try JSONDecoder().decode(Plan.self, from: Data(try stream.takeValue()))
                            result.add(plan, family: plans[plan.sku], skus: skus)
                        }
                    }
                default: try stream.skipValue()
                }
            }
        } catch let failure as JSONStream.Failure {
            throw .file(path: path, reason: failure.description)
        } catch let error as DecodingError {
            throw .file(path: path, reason: "not in the Savings Plans offer-file shape: \(DataFile.reason(of: error))")
        } catch {
            throw .file(path: path, reason: "\(error)")
        }
        guard sawTerms, !result.region.isEmpty else {
            throw .file(path: path, reason: "not a Savings Plans offer file (no regionCode or terms)")
        }
        return result
    }

    private mutating func add(_ plan: Plan, family: String?, skus: Set<String>) {
        guard let family, plan.leaseContractLength?.unit?.lowercased().hasPrefix("year") == true,
            let years = plan.leaseContractLength?.duration, years == 1 || years == 3
        else { return }
        let basis = years == 1 ? "1yr-savings-plan" : "3yr-savings-plan"
        for r in plan.rates where skus.contains(r.discountedSku) && r.discountedRate.currency == "USD" {
            guard r.discountedOperation ?? "RunInstances" == "RunInstances", let usd = Double(r.discountedRate.price),
                usd > 0, usd.isFinite
            else { continue }
            // Compute Savings Plans first: they are what most buyers hold.
            if let existing = rates[r.discountedSku]?[basis], existing.family.contains("Compute"),
                !family.contains("Compute")
            {
                continue
            }
            rates[r.discountedSku, default: [:]][basis] = Rate(
                usdPerHour: usd, planSKU: plan.sku, rateCode: r.rateCode, family: family)
        }
    }
}
