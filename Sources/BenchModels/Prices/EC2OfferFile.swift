import BenchDataFile
import Foundation

/// What bench takes from an EC2 Price List offer file (the bulk JSON of the AWS Price List API,
/// `offers/v1.0/aws/AmazonEC2/current/<region>/index.json`), read as a stream: the clean Linux
/// on-demand hourly rate of each wanted instance type, and its 1- and 3-year no-upfront
/// reserved rates (standard offering class) where present.
///
/// The clean rate is the product with `productFamily` "Compute Instance" and the attributes
/// `operatingSystem` Linux, `tenancy` Shared, `preInstalledSw` NA, `capacitystatus` Used,
/// `licenseModel` "No License required" and `operation` RunInstances: no Windows, SQL Server,
/// dedicated host, reservation placeholder (`AllocatedCapacityReservation`) or BYOL variant.
struct EC2OfferFile {
    var file: String
    var version: String
    var publicationDate: String
    /// The selected products: SKU → instance type and region.
    var products: [String: (instanceType: String, region: String)] = [:]
    /// SKU → basis (`on-demand`, `1yr-reserved`, `3yr-reserved`) → the rate.
    var rates: [String: [String: Rate]] = [:]

    /// One hourly rate of a SKU.
    struct Rate {
        var usdPerHour: Double
        var offerTermCode: String
        var rateCode: String
        var effectiveDate: String
    }

    static let offerCode = "AmazonEC2"

    /// Reads `path`, keeping products of `instanceTypes` only.
    static func read(path: String, instanceTypes: Set<String>) throws(PriceImportError) -> EC2OfferFile {
        let name = URL(fileURLWithPath: path).lastPathComponent
        var header: [String: String] = [:]
        var result = EC2OfferFile(file: name, version: "", publicationDate: "")
        var sawProducts = false, termsBeforeProducts = false
        do {
            let stream = try JSONStream(path: path)
            try stream.beginObject()
            while let key = try stream.nextKey() {
                switch key {
                case "formatVersion", "offerCode", "version", "publicationDate":
                    header[key] = try stream.stringValue()
                case "products":
                    try checkOffer(header, path: path)
                    sawProducts = true
                    try result.readProducts(stream, instanceTypes: instanceTypes)
                case "terms":
                    if sawProducts {
                        try result.readTerms(stream)
                    } else {
                        termsBeforeProducts = true
                        try stream.skipValue()
                    }
                default: try stream.skipValue()
                }
            }
            // A file that lists its terms first: read them in a second pass.
            if termsBeforeProducts {
                let again = try JSONStream(path: path)
                try again.beginObject()
                while let key = try again.nextKey() {
                    if key == "terms" { try result.readTerms(again) } else { try again.skipValue() }
                }
            }
        } catch let failure as JSONStream.Failure {
            throw .file(path: path, reason: failure.description)
        } catch let error as PriceImportError {
            throw error
        } catch let error as DecodingError {
            throw .file(
                path: path, reason: "a product or term not in the offer-file shape: \(DataFile.reason(of: error))")
        } catch {
            throw .file(path: path, reason: "\(error)")
        }
        try checkOffer(header, path: path)
        guard sawProducts else { throw .file(path: path, reason: "not an AWS Price List offer file (no products)") }
        result.version = header["version"] ?? ""
        result.publicationDate = header["publicationDate"] ?? ""
        return result
    }

    /// An EC2 offer file's header, or the one line that says what the file is instead.
    private static func checkOffer(_ header: [String: String], path: String) throws(PriceImportError) {
        guard let code = header["offerCode"] else {
            throw .file(path: path, reason: "not an AWS Price List offer file (no offerCode before its products)")
        }
        guard code == offerCode else {
            throw .file(path: path, reason: "an offer file of \(code), not \(offerCode)")
        }
    }

    private struct Product: Decodable {
        var sku: String
        var productFamily: String?
        var attributes: [String: String]
    }

    private static let clean: [String: String] = [
        "operatingSystem": "Linux", "tenancy": "Shared", "preInstalledSw": "NA", "capacitystatus": "Used",
        "licenseModel": "No License required", "operation": "RunInstances",
    ]

    private mutating func readProducts(_ stream: JSONStream, instanceTypes: Set<String>) throws {
        try stream.beginObject()
        let family = Array("Compute Instance".utf8)
        while try stream.nextKey() != nil {
            let bytes = try stream.takeValue()
            // Most products are not compute instances (storage, data transfer, IPs): skip them
            // without decoding.
            guard bytes.contains(subsequence: family) else { continue }
            let product = try JSONDecoder().decode(Product.self, from: Data(bytes))
            guard product.productFamily == "Compute Instance", let type = product.attributes["instanceType"],
                instanceTypes.contains(type), Self.clean.allSatisfy({ product.attributes[$0.key] == $0.value })
            else { continue }
            let region =
                product.attributes["regionCode"] ?? AWSRegions.code(forLocation: product.attributes["location"])
            guard let region else { continue }
            products[product.sku] = (type, region)
        }
    }

    private struct Term: Decodable {
        var offerTermCode: String
        var effectiveDate: String?
        var priceDimensions: [String: Dimension]
        var termAttributes: [String: String]?
    }

    private struct Dimension: Decodable {
        var rateCode: String
        var unit: String
        var pricePerUnit: [String: String]
    }

    private mutating func readTerms(_ stream: JSONStream) throws {
        try stream.beginObject()
        while let kind = try stream.nextKey() {
            guard kind == "OnDemand" || kind == "Reserved" else {
                try stream.skipValue()
                continue
            }
            try stream.beginObject()
            while let sku = try stream.nextKey() {
                guard products[sku] != nil else {
                    try stream.skipValue()
                    continue
                }
                let terms = try JSONDecoder().decode([String: Term].self, from: Data(try stream.takeValue()))
                for term in terms.values.sorted(by: { $0.offerTermCode < $1.offerTermCode }) {
                    guard let basis = Self.basis(kind: kind, attributes: term.termAttributes ?? [:]),
                        let hourly = term.priceDimensions.values.first(where: { $0.unit == "Hrs" }),
                        let usd = hourly.pricePerUnit["USD"].flatMap(Double.init), usd > 0, usd.isFinite
                    else { continue }
                    rates[sku, default: [:]][basis] = Rate(
                        usdPerHour: usd, offerTermCode: term.offerTermCode, rateCode: hourly.rateCode,
                        effectiveDate: term.effectiveDate ?? "")
                }
            }
        }
    }

    /// The basis a term prices: on-demand, or a 1- or 3-year no-upfront standard reservation.
    private static func basis(kind: String, attributes: [String: String]) -> String? {
        if kind == "OnDemand" { return "on-demand" }
        guard attributes["PurchaseOption"] == "No Upfront", attributes["OfferingClass"] ?? "standard" == "standard"
        else { return nil }
        switch attributes["LeaseContractLength"] {
        case "1yr": return "1yr-reserved"
        case "3yr": return "3yr-reserved"
        default: return nil
        }
    }
}

extension Array where Element == UInt8 {
    /// Whether `needle` occurs in the bytes.
    func contains(subsequence needle: [UInt8]) -> Bool {
        guard let first = needle.first, needle.count <= count else { return needle.isEmpty }
        var i = 0
        let last = count - needle.count
        while i <= last {
            if self[i] == first, self[i..<(i + needle.count)].elementsEqual(needle) { return true }
            i += 1
        }
        return false
    }
}
