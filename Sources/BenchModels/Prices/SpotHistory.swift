import BenchDataFile
import Foundation

/// Spot prices as `aws ec2 describe-spot-price-history --output json` writes them
/// (`{"SpotPriceHistory": [{"AvailabilityZone", "InstanceType", "ProductDescription",
/// "SpotPrice", "Timestamp"}, …]}`): per instance type and region, the median Linux price over
/// the file's window, with the window, the sample count and the zones.
struct SpotHistory {
    var file: String
    /// (instance type, region) → the median and where it comes from.
    var medians: [Key: Median] = [:]

    struct Key: Hashable {
        var instanceType: String
        var region: String
    }

    struct Median {
        var usdPerHour: Double
        var samples: Int
        var windowStart: String
        var windowEnd: String
        var zones: [String]
    }

    private struct Document: Decodable {
        var SpotPriceHistory: [Entry]
    }

    private struct Entry: Decodable {
        var AvailabilityZone: String
        var InstanceType: String
        var ProductDescription: String
        var SpotPrice: String
        var Timestamp: String
    }

    /// Whether the file at `path` looks like spot price history (its first key).
    static func isSpotHistory(firstKey: String) -> Bool { firstKey == "SpotPriceHistory" }

    /// Reads the file; keeps Linux/UNIX prices of `instanceTypes`.
    static func read(path: String, instanceTypes: Set<String>) throws(PriceImportError) -> SpotHistory {
        let document: Document
        switch DataFile.decode(Document.self, path: path) {
        case .success(let d): document = d
        case .failure(let failure):
            throw .file(path: path, reason: "not spot price history as the AWS CLI writes it: \(failure)")
        }
        var grouped: [Key: [Entry]] = [:]
        for e in document.SpotPriceHistory
        where instanceTypes.contains(e.InstanceType) && e.ProductDescription.hasPrefix("Linux/UNIX") {
            guard let region = AWSRegions.region(ofZone: e.AvailabilityZone) else {
                throw .file(path: path, reason: "availability zone '\(e.AvailabilityZone)' names no region")
            }
            guard let price = Double(e.SpotPrice), price > 0, price.isFinite else {
                throw .file(
                    path: path, reason: "SpotPrice '\(e.SpotPrice)' of \(e.InstanceType) is not a positive number")
            }
            grouped[Key(instanceType: e.InstanceType, region: region), default: []].append(e)
        }
        var result = SpotHistory(file: URL(fileURLWithPath: path).lastPathComponent)
        for (key, entries) in grouped {
            let prices = entries.compactMap { Double($0.SpotPrice) }.sorted()
            let n = prices.count
            let median = n % 2 == 1 ? prices[n / 2] : (prices[n / 2 - 1] + prices[n / 2]) / 2
            let times = entries.map(\.Timestamp).sorted()
            result.medians[key] = Median(
                usdPerHour: median, samples: n, windowStart: times.first ?? "", windowEnd: times.last ?? "",
                zones: Set(entries.map(\.AvailabilityZone)).sorted())
        }
        return result
    }

    /// The instance types the file has a Linux price for.
    var instanceTypes: Set<String> { Set(medians.keys.map(\.instanceType)) }
}
