/// How much of a big input one page shows. A 400,000-row fleet file drew a 660 MB page that no
/// browser opens; past these limits the page keeps the rows that decide (the Pareto frontier,
/// the cheapest and the fastest, the worst changes) and says, where it leaves rows out, how
/// many and where they are (docs/report.md#big-inputs).
public struct ReportLimits: Sendable, Equatable {
    /// Priced points charted and tabled per case.
    public var pointsPerCase: Int
    /// Devices (backend, host) with a roofline chart.
    public var devices: Int
    /// Rows of the comparison table and bars of its chart.
    public var comparedRows: Int
    /// Series per case in the history view.
    public var seriesPerCase: Int
    /// Names in a list of rows left uncharted (the unpriced rows of a case).
    public var namesListed: Int

    public init(
        pointsPerCase: Int = 40, devices: Int = 40, comparedRows: Int = 200, seriesPerCase: Int = 20,
        namesListed: Int = 12
    ) {
        self.pointsPerCase = pointsPerCase
        self.devices = devices
        self.comparedRows = comparedRows
        self.seriesPerCase = seriesPerCase
        self.namesListed = namesListed
    }

    public static let standard = ReportLimits()
}

extension ReportData {
    /// Marks each point on the Pareto frontier: no other point has more throughput and a lower
    /// cost (one at least strictly). By sorting, not by pairs: thousands of backends per case.
    static func markFrontier(_ points: inout [PricePoint]) {
        let order = points.indices.sorted {
            points[$0].throughput != points[$1].throughput
                ? points[$0].throughput > points[$1].throughput : points[$0].cost < points[$1].cost
        }
        var cheapestFaster = Double.infinity  // the lowest cost among strictly faster points
        var i = 0
        while i < order.count {
            var j = i
            while j < order.count, points[order[j]].throughput == points[order[i]].throughput { j += 1 }
            let cheapestHere = points[order[i]].cost  // sorted by cost within equal throughput
            for k in i..<j {
                let c = points[order[k]].cost
                points[order[k]].onFrontier = !(cheapestFaster <= c || cheapestHere < c)
            }
            cheapestFaster = min(cheapestFaster, cheapestHere)
            i = j
        }
    }

    /// The points a case shows when it has more than `limit`: the frontier (evenly thinned if it
    /// alone is longer), then the cheapest and the fastest of the rest in turn; in input order.
    static func shown(_ points: [PricePoint], limit: Int) -> [PricePoint] {
        guard points.count > limit, limit > 0 else { return points }
        var chosen = Set<Int>()
        let frontier = points.indices.filter { points[$0].onFrontier }
        if frontier.count > limit {
            for k in 0..<limit { chosen.insert(frontier[k * frontier.count / limit]) }
        } else {
            chosen.formUnion(frontier)
        }
        let byCost = points.indices.sorted { points[$0].cost < points[$1].cost }
        let bySpeed = points.indices.sorted { points[$0].throughput > points[$1].throughput }
        var k = 0
        while chosen.count < limit, k < points.count {
            chosen.insert(byCost[k])
            if chosen.count < limit { chosen.insert(bySpeed[k]) }
            k += 1
        }
        return chosen.sorted().map { points[$0] }
    }
}
