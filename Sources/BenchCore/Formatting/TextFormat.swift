import Foundation

// Number formats for people (terminal tables, notes, messages), and the plain number the
// CSV and catalog notes write (``plainNumber(_:)``).

/// A number as bench writes it in files: an integer without a decimal point when it is one
/// (below 10¹⁵), else Swift's shortest round-trip form; `nil` is empty.
public func plainNumber(_ value: Double?) -> String {
    guard let value else { return "" }
    if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
    return "\(value)"
}

/// Formats `value` with exactly `digits` digits after the decimal point.
public func fixed(_ value: Double, _ digits: Int) -> String {
    String(format: "%.\(digits)f", value)
}

/// Formats a byte count with a binary unit, e.g. `1.5 GiB`.
public func formatBytes(_ bytes: Int) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]
    var value = Double(bytes)
    var unit = 0
    while value >= 1024, unit < units.count - 1 {
        value /= 1024
        unit += 1
    }
    return unit == 0 ? "\(bytes) B" : "\(fixed(value, 1)) \(units[unit])"
}

/// A rate with 4 significant digits and an SI prefix: `1.234k`, `56.78`.
public func formatRate(_ v: Double) -> String {
    if v >= 1e9 { return fixed(v / 1e9, 3) + "G" }
    if v >= 1e6 { return fixed(v / 1e6, 3) + "M" }
    if v >= 1e3 { return fixed(v / 1e3, 3) + "k" }
    return fixed(v, 2)
}

/// Seconds with a unit that keeps 3–4 significant digits: `812.3 µs`, `1.204 s`.
public func formatSeconds(_ s: Double) -> String {
    if s >= 1 { return fixed(s, 3) + " s" }
    if s >= 1e-3 { return fixed(s * 1e3, 3) + " ms" }
    if s >= 1e-6 { return fixed(s * 1e6, 1) + " µs" }
    return fixed(s * 1e9, 0) + " ns"
}

/// A positive amount with about 3 significant digits: `412`, `3.07`, `0.000391`.
public func formatSignificant(_ v: Double) -> String {
    if v >= 100 { return fixed(v, 0) }
    if v >= 1 { return fixed(v, 2) }
    return String(format: "%.3g", v)
}

/// Plain-text tables with columns padded to their widest cell.
public enum TextTable {
    /// One line per row; cells separated by two spaces, the `rightAligned` columns padded on the left.
    public static func lines(_ rows: [[String]], rightAligned: Set<Int>) -> [String] {
        guard let first = rows.first else { return [] }
        let widths = first.indices.map { i in rows.map { $0[i].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { i, cell in
                let pad = String(repeating: " ", count: widths[i] - cell.count)
                return rightAligned.contains(i) ? pad + cell : cell + pad
            }.joined(separator: "  ")
        }
    }

    /// ``lines(_:rightAligned:)`` joined with newlines.
    public static func render(_ rows: [[String]], rightAligned: Set<Int>) -> String {
        lines(rows, rightAligned: rightAligned).joined(separator: "\n")
    }
}
