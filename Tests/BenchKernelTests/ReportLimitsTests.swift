import BenchComparison
import BenchCore
import BenchModels
import BenchReport
import BenchResults
import BenchTestSupport
import Foundation
import Testing

@Suite("bench report on big inputs: what decides is shown, and the page says what it left out")
struct ReportLimitsTests {
    /// 300 priced rows of one case on 300 backends: throughput and cost from a fixed
    /// pseudo-random sequence, so that the frontier is a handful of points.
    func rows() -> [ResultRow] {
        var state: UInt64 = 42
        func next() -> Double {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(state >> 11) / Double(1 << 53)
        }
        return (0..<300).map { i in
            var r = makeRow(backend: String(format: "b%03d", i), median: 1e-4 * (1 + 9 * next()))
            r.usdPerMillionUnits = 0.1 + next()
            return r
        }
    }

    /// The frontier by its definition, pair by pair.
    func frontier(_ rows: [ResultRow]) -> Set<String> {
        Set(
            rows.filter { p in
                !rows.contains { q in
                    (q.throughput! >= p.throughput! && q.usdPerMillionUnits! < p.usdPerMillionUnits!)
                        || (q.throughput! > p.throughput! && q.usdPerMillionUnits! <= p.usdPerMillionUnits!)
                }
            }.map(\.backend.rawValue))
    }

    @Test("a case of 300 priced rows shows 12: every frontier point marked, the rest the cheapest and fastest")
    func pointsPerCase() throws {
        let rows = rows()
        let expected = frontier(rows)
        #expect(expected.count >= 2 && expected.count <= 12)
        let input = ReportInput(
            sets: [ResultSet(path: "big.csv", columns: [], rows: rows, sidecar: nil)], baseline: nil,
            catalog: try Catalog.load(overlay: nil))
        let html = HTMLReport.render(input, generatedAt: "now", limits: ReportLimits(pointsPerCase: 12, devices: 5))
        let shown = html.components(separatedBy: "<tr class=\"price-row\"").dropFirst()
        #expect(shown.count == 12)
        let onFrontier = Set(
            shown.filter { $0.contains("<td>yes</td>") }.compactMap { row in
                row.range(of: "data-backend=\"").map { String(row[$0.upperBound...].prefix(4)) }
            })
        #expect(onFrontier == expected)
        // The cheapest and the fastest rows are among those shown.
        let cheapest = try #require(rows.min { $0.usdPerMillionUnits! < $1.usdPerMillionUnits! })
        let fastest = try #require(rows.max { $0.throughput! < $1.throughput! })
        for r in [cheapest, fastest] { #expect(html.contains("data-backend=\"\(r.backend.rawValue)\"")) }
        #expect(html.contains("12 of 300 priced rows shown"))
        // The roofline: 5 of 300 devices, and the note says so.
        #expect(html.components(separatedBy: "<section id=\"device-").count - 1 == 5)
        #expect(html.contains("The first 5 of 300 devices are drawn"))
    }

    @Test("a comparison of 300 rows lists the worst 10 and every verdict's count")
    func comparedRows() throws {
        let base = rows()
        var cand = base
        for i in [7, 100, 250] { cand[i].medianSeconds = cand[i].medianSeconds.map { $0 * 1.5 } }
        for i in cand.indices {
            if let m = cand[i].medianSeconds, m != base[i].medianSeconds {
                cand[i].ciLowSeconds = m * 0.995
                cand[i].ciHighSeconds = m * 1.005
            }
            cand[i].runID = "later"
        }
        let a = ResultSet(path: "a.csv", columns: [], rows: base, sidecar: nil)
        let b = ResultSet(path: "b.csv", columns: [], rows: cand, sidecar: nil)
        let input = ReportInput(sets: [b], baseline: a, catalog: try Catalog.load(overlay: nil))
        let html = HTMLReport.render(input, generatedAt: "now", limits: ReportLimits(comparedRows: 10))
        let table = try #require(html.components(separatedBy: "id=\"table-compare\"").last)
        let listed = table.components(separatedBy: "</table>")[0].components(separatedBy: "<tr class=").dropFirst()
        #expect(listed.count == 10)
        #expect(listed.prefix(3).allSatisfy { $0.hasPrefix("\"regressed\"") })
        #expect(html.contains("10 of 300 compared rows shown"))
        #expect(html.contains("regressed 3"))
    }
}
