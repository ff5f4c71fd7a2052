import BenchCore
import Foundation

/// Text made safe for HTML and SVG (element content and attribute values alike): markup,
/// quotes and ampersands escaped; C0 controls other than tab and newline, and the bidi
/// controls (which could reorder what a reader sees), replaced by U+FFFD.
public func escapeHTML(_ text: String) -> String {
    var out = ""
    out.reserveCapacity(text.count)
    for scalar in text.unicodeScalars {
        switch scalar {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&#39;"
        case "\t", "\n": out.unicodeScalars.append(scalar)
        case _ where scalar.value < 0x20 || scalar.value == 0x7F: out += "\u{FFFD}"
        case _
        where (0x202A...0x202E).contains(scalar.value) || (0x2066...0x2069).contains(scalar.value)
            || scalar.value == 0x200E || scalar.value == 0x200F:
            out += "\u{FFFD}"
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out
}

/// A logarithmic axis mapping `[low, high]` to pixels `[from, to]`, with decade ticks.
struct LogAxis {
    let low: Double, high: Double, from: Double, to: Double

    /// Covers `values` (positive, finite) with whole decades, at least one.
    init(_ values: [Double], from: Double, to: Double) {
        let v = values.filter { $0 > 0 && $0.isFinite }
        var lo = (v.min() ?? 1).log10Floor, hi = (v.max() ?? 10).log10Ceil
        if hi <= lo { hi = lo + 1 }
        if lo == hi { lo -= 1 }
        (low, high, self.from, self.to) = (pow(10, lo), pow(10, hi), from, to)
    }

    func map(_ x: Double) -> Double {
        let t = (log10(max(x, low)) - log10(low)) / (log10(high) - log10(low))
        return from + t * (to - from)
    }

    var ticks: [Double] {
        stride(from: log10(low), through: log10(high), by: 1).map { pow(10, $0) }
    }
}

extension Double {
    var log10Floor: Double { Foundation.floor(log10(self)) }
    var log10Ceil: Double { Foundation.ceil(log10(self)) }
}

/// A compact number for axes and tables: 3 significant digits, SI suffix.
func short(_ x: Double) -> String {
    guard x.isFinite else { return "-" }
    let units: [(Double, String)] = [(1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")]
    for (scale, suffix) in units where abs(x) >= scale { return String(format: "%.3g", x / scale) + suffix }
    return String(format: "%.3g", x)
}

/// One point of a log-log scatter chart.
struct PlotPoint {
    var x: Double
    var y: Double
    var series: String
    /// Hollow square markers (modeled) instead of filled circles (measured).
    var hollow: Bool
    /// Whiskers: x and y ranges, when known.
    var xRange: ClosedRange<Double>?
    var yRange: ClosedRange<Double>?
    /// The tooltip (an SVG `<title>`).
    var title: String
}

/// A log-log scatter chart as inline SVG: axes with decade ticks, points by series with a
/// legend, optional whiskers, optional polyline (a frontier) and optional ceiling lines.
struct ScatterChart {
    var id: String
    var title: String
    var xLabel: String
    var yLabel: String
    var points: [PlotPoint]
    var frontier: [(Double, Double)] = []
    /// Lines drawn under the points: `(label, [(x, y)])` in data coordinates.
    var ceilings: [(String, [(Double, Double)])] = []

    static let palette = [
        "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
    ]

    func svg() -> String {
        let (w, h) = (700.0, 380.0)
        let (left, right, top, bottom) = (70.0, 470.0, 30.0, 330.0)
        var xs = points.map(\.x) + points.compactMap { $0.xRange?.lowerBound }
        var ys = points.map(\.y) + points.compactMap { $0.yRange?.upperBound }
        for (_, line) in ceilings {
            xs += line.map(\.0)
            ys += line.map(\.1)
        }
        let xAxis = LogAxis(xs, from: left, to: right), yAxis = LogAxis(ys, from: bottom, to: top)
        let series = points.reduce(into: [String]()) { if !$0.contains($1.series) { $0.append($1.series) } }
        func color(_ s: String) -> String { Self.palette[(series.firstIndex(of: s) ?? 0) % Self.palette.count] }
        let f = px
        var s = svgOpen(id: id, title: title, width: Int(w), height: Int(h))
        s +=
            "<rect class=\"plot-area\" x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(right - left))\" height=\"\(f(bottom - top))\"/>\n"
        for t in xAxis.ticks {
            let x = xAxis.map(t)
            s += "<line class=\"grid\" x1=\"\(f(x))\" y1=\"\(f(top))\" x2=\"\(f(x))\" y2=\"\(f(bottom))\"/>"
            s +=
                "<text class=\"tick\" x=\"\(f(x))\" y=\"\(f(bottom + 16))\" text-anchor=\"middle\">\(short(t))</text>\n"
        }
        for t in yAxis.ticks {
            let y = yAxis.map(t)
            s += "<line class=\"grid\" x1=\"\(f(left))\" y1=\"\(f(y))\" x2=\"\(f(right))\" y2=\"\(f(y))\"/>"
            s += "<text class=\"tick\" x=\"\(f(left - 6))\" y=\"\(f(y + 4))\" text-anchor=\"end\">\(short(t))</text>\n"
        }
        s +=
            "<text class=\"label\" x=\"\(f((left + right) / 2))\" y=\"\(f(h - 12))\" text-anchor=\"middle\">\(escapeHTML(xLabel))</text>\n"
        s +=
            "<text class=\"label\" transform=\"translate(16 \(f((top + bottom) / 2))) rotate(-90)\" text-anchor=\"middle\">\(escapeHTML(yLabel))</text>\n"
        for (label, line) in ceilings where line.count >= 2 {
            let d = line.map { "\(f(xAxis.map($0.0))),\(f(yAxis.map($0.1)))" }.joined(separator: " ")
            s += "<polyline class=\"ceiling\" points=\"\(d)\"><title>\(escapeHTML(label))</title></polyline>\n"
            if let end = line.last {
                s +=
                    "<text class=\"ceiling-label\" x=\"\(f(xAxis.map(end.0) - 4))\" y=\"\(f(yAxis.map(end.1) - 4))\" text-anchor=\"end\">\(escapeHTML(label))</text>\n"
            }
        }
        if frontier.count >= 1 {
            let d = frontier.map { "\(f(xAxis.map($0.0))),\(f(yAxis.map($0.1)))" }.joined(separator: " ")
            s +=
                "<polyline class=\"frontier\" points=\"\(d)\"><title>Pareto frontier: no other point is both faster and cheaper</title></polyline>\n"
        }
        for p in points {
            let (x, y, c) = (xAxis.map(p.x), yAxis.map(p.y), color(p.series))
            if let r = p.xRange {
                s +=
                    "<line class=\"whisker\" stroke=\"\(c)\" x1=\"\(f(xAxis.map(r.lowerBound)))\" y1=\"\(f(y))\" x2=\"\(f(xAxis.map(r.upperBound)))\" y2=\"\(f(y))\"/>"
            }
            if let r = p.yRange {
                s +=
                    "<line class=\"whisker\" stroke=\"\(c)\" x1=\"\(f(x))\" y1=\"\(f(yAxis.map(r.lowerBound)))\" x2=\"\(f(x))\" y2=\"\(f(yAxis.map(r.upperBound)))\"/>"
            }
            let tip = "<title>\(escapeHTML(p.title))</title>"
            if p.hollow {
                s +=
                    "<rect class=\"point modeled\" x=\"\(f(x - 5))\" y=\"\(f(y - 5))\" width=\"10\" height=\"10\" stroke=\"\(c)\" fill=\"none\" stroke-width=\"2\" data-series=\"\(escapeHTML(p.series))\">\(tip)</rect>\n"
            } else {
                s +=
                    "<circle class=\"point measured\" cx=\"\(f(x))\" cy=\"\(f(y))\" r=\"5\" fill=\"\(c)\" data-series=\"\(escapeHTML(p.series))\">\(tip)</circle>\n"
            }
        }
        // Legend: one entry per series, then the marker kinds.
        var ly = top
        for name in series {
            let hollow = points.first { $0.series == name }?.hollow ?? false
            let c = color(name)
            s +=
                hollow
                ? "<rect x=\"\(f(right + 14))\" y=\"\(f(ly - 5))\" width=\"10\" height=\"10\" stroke=\"\(c)\" fill=\"none\" stroke-width=\"2\"/>"
                : "<circle cx=\"\(f(right + 19))\" cy=\"\(f(ly))\" r=\"5\" fill=\"\(c)\"/>"
            s +=
                "<text class=\"legend\" x=\"\(f(right + 30))\" y=\"\(f(ly + 4))\">\(escapeHTML(name))\(hollow ? " (modeled)" : "")</text>\n"
            ly += 18
        }
        s += "</svg>"
        return s
    }
}

/// A horizontal bar chart of signed percentages with intervals (compare's changes).
struct ChangeChart {
    var id: String
    var title: String
    /// (label, change, interval, verdict)
    var bars: [(String, Double, ClosedRange<Double>?, String)]

    func svg() -> String {
        let rowHeight = 18.0, left = 330.0, right = 620.0, top = 24.0
        let h = top + Double(bars.count) * rowHeight + 30
        let extent = max(
            0.1, bars.flatMap { [abs($0.1), abs($0.2?.lowerBound ?? 0), abs($0.2?.upperBound ?? 0)] }.max() ?? 0.1)
        func x(_ v: Double) -> Double { (left + right) / 2 + v / extent * (right - left) / 2 }
        let f = px
        var s = svgOpen(id: id, title: title, width: 640, height: Int(h))
        s += """
            <line class="axis" x1="\(f(x(0)))" y1="\(f(top - 6))" x2="\(f(x(0)))" y2="\(f(h - 24))"/>
            <text class="tick" x="\(f(left))" y="\(f(h - 8))">\(fixedPercent(-extent))</text>
            <text class="tick" x="\(f(right))" y="\(f(h - 8))" text-anchor="end">\(fixedPercent(extent))</text>

            """
        for (i, bar) in bars.enumerated() {
            let y = top + Double(i) * rowHeight
            let (a, b) = (x(min(0, bar.1)), x(max(0, bar.1)))
            s +=
                "<text class=\"tick\" x=\"\(f(left - 6))\" y=\"\(f(y + 12))\" text-anchor=\"end\">\(escapeHTML(bar.0))</text>"
            s +=
                "<rect class=\"bar \(escapeHTML(bar.3))\" x=\"\(f(a))\" y=\"\(f(y + 3))\" width=\"\(f(max(1, b - a)))\" height=\"12\"><title>\(escapeHTML("\(bar.0): \(fixedPercent(bar.1)) (\(bar.3))"))</title></rect>"
            if let r = bar.2 {
                s +=
                    "<line class=\"whisker\" x1=\"\(f(x(r.lowerBound)))\" y1=\"\(f(y + 9))\" x2=\"\(f(x(r.upperBound)))\" y2=\"\(f(y + 9))\"/>"
            }
            s += "\n"
        }
        return s + "</svg>"
    }
}

/// A line chart of values over runs (history), log y, with flagged points marked.
struct HistoryChart {
    var id: String
    var title: String
    /// Run labels along x, in order.
    var runs: [String]
    /// (series label, value per run (nil where missing), regressed per run)
    var lines: [(String, [Double?], [Bool])]
    /// The values' unit, in the points' titles.
    var unit = "s"

    func svg() -> String {
        let (left, right, top, bottom) = (70.0, 470.0, 30.0, 300.0)
        let yAxis = LogAxis(lines.flatMap { $0.1.compactMap { $0 } }, from: bottom, to: top)
        let step = runs.count > 1 ? (right - left) / Double(runs.count - 1) : 0
        let f = px
        var s = svgOpen(id: id, title: title, width: 640, height: 340)
        s +=
            "<rect class=\"plot-area\" x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(right - left))\" height=\"\(f(bottom - top))\"/>\n"
        for t in yAxis.ticks {
            s +=
                "<text class=\"tick\" x=\"\(f(left - 6))\" y=\"\(f(yAxis.map(t) + 4))\" text-anchor=\"end\">\(short(t))</text>\n"
        }
        for (i, run) in runs.enumerated() {
            s +=
                "<text class=\"tick\" x=\"\(f(left + Double(i) * step))\" y=\"\(f(bottom + 16))\" text-anchor=\"middle\">\(escapeHTML(run))</text>\n"
        }
        for (n, line) in lines.enumerated() {
            let c = ScatterChart.palette[n % ScatterChart.palette.count]
            let pts = line.1.enumerated().compactMap { i, v in v.map { (left + Double(i) * step, yAxis.map($0)) } }
            s +=
                "<polyline class=\"history\" stroke=\"\(c)\" points=\"\(pts.map { "\(f($0.0)),\(f($0.1))" }.joined(separator: " "))\"><title>\(escapeHTML(line.0))</title></polyline>\n"
            for (i, v) in line.1.enumerated() {
                guard let v else { continue }
                let (x, y) = (left + Double(i) * step, yAxis.map(v))
                let flagged = line.2[i]
                s +=
                    "<circle class=\"point\(flagged ? " regressed" : "")\" cx=\"\(f(x))\" cy=\"\(f(y))\" r=\"\(flagged ? 6 : 3)\" fill=\"\(c)\"><title>\(escapeHTML("\(line.0) \(runs[i]): \(short(v)) \(unit)\(flagged ? " (regressed)" : "")"))</title></circle>\n"
            }
            s +=
                "<text class=\"legend\" x=\"\(f(right + 10))\" y=\"\(f(top + 4 + Double(n) * 16))\" fill=\"\(c)\">\(escapeHTML(line.0))</text>\n"
        }
        return s + "</svg>"
    }
}

/// A coordinate as SVG text (one decimal).
func px(_ v: Double) -> String { String(format: "%.1f", v) }

/// The opening of a chart's `<svg>`: id, view box, an accessible title.
func svgOpen(id: String, title: String, width: Int, height: Int) -> String {
    """
    <svg id="\(escapeHTML(id))" class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \(width) \(height)" \
    role="img" aria-labelledby="\(escapeHTML(id))-title">
    <title id="\(escapeHTML(id))-title">\(escapeHTML(title))</title>

    """
}

func fixedPercent(_ x: Double) -> String { (x >= 0 ? "+" : "") + String(format: "%.1f%%", x * 100) }
