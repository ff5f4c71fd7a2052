import BenchCore
import BenchModels
import Foundation

/// `bench catalog --prices`: every price basis of every instance with its source, date, age and
/// provenance; a price older than ``staleDays`` is flagged.
enum PriceTable {
    /// Prices older than this many days are flagged `STALE`.
    static let staleDays = 180

    static func render(_ c: Catalog, now: Date) -> String {
        var rows: [[String]] = [["instance", "basis", "USD/hour", "region", "date", "age", "", "source"]]
        var stale = 0
        for inst in c.instances {
            for (basis, p) in inst.prices.sorted(by: { $0.key < $1.key }) {
                let age = days(since: p.date, now: now)
                let flag = age.map { $0 > staleDays ? "STALE" : "" } ?? "undated"
                if flag == "STALE" { stale += 1 }
                rows.append([
                    inst.name, basis, plainNumber(p.usdPerHour), p.provenance?.region ?? inst.region,
                    age == nil ? String(p.date.prefix(4)) : String(p.date.prefix(10)),
                    age.map { "\($0) d" } ?? "-", flag, p.provenance?.summary ?? p.source,
                ])
            }
        }
        var text = "prices of catalog \(c.catalogVersion) (\(c.currency) per instance-hour):\n"
        text += TextTable.render(rows, rightAligned: [2, 5])
        if stale > 0 {
            text +=
                "\n\(stale) price(s) older than \(staleDays) days: import current ones with 'bench catalog import-prices' (docs/catalog.md)"
        }
        return text
    }

    /// Whole days from a `yyyy-mm-dd` date (a longer timestamp's first 10 characters) to `now`.
    static func days(since date: String, now: Date) -> Int? {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd"
        guard date.count >= 10, let d = f.date(from: String(date.prefix(10))) else { return nil }
        return Int(now.timeIntervalSince(d) / 86400)
    }
}
