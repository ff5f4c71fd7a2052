import BenchCore
import Foundation

/// Timestamps in the formats results use.
public enum Timestamp {
    /// ISO 8601 UTC, seconds precision: `2026-11-26T00:16:51Z`.
    public static func iso(_ date: Date) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        f.timeZone = TimeZone(identifier: "UTC")
        return f.string(from: date)
    }

    /// For file names: `20261126T001651Z`.
    public static func compact(_ date: Date) -> String {
        iso(date).replacingOccurrences(of: "-", with: "").replacingOccurrences(of: ":", with: "")
    }
}
