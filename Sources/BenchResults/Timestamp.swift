import BenchCore
import Foundation
import Synchronization

/// Timestamps in the formats results use.
public enum Timestamp {
    /// ISO 8601 UTC, seconds precision: `2026-11-26T00:16:51Z`.
    public static func iso(_ date: Date) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        f.timeZone = TimeZone(identifier: "UTC")
        return f.string(from: date)
    }

    /// Parses an ISO 8601 date and time with seconds and a zone (`2026-11-26T00:16:51Z`,
    /// `2026-11-26T01:16:51.5+01:00`), or `nil` for anything else, including impossible dates
    /// (`2026-13-45T99:99:99Z`).
    public static func parse(_ text: String) -> Date? {
        // A file's rows share a few timestamps: parse each once (the regex costs ~100 µs).
        if let hit = recent.withLock({ $0.first { $0.text == text } }) { return hit.date }
        let date = parseUncached(text)
        recent.withLock { memo in
            if memo.count >= 16 { memo.removeFirst() }
            memo.append((text, date))
        }
        return date
    }

    /// The last few timestamps parsed.
    private static let recent = Mutex<[(text: String, date: Date?)]>([])

    static func parseUncached(_ text: String) -> Date? {
        guard
            let m = text.wholeMatch(
                of: /(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|([+-])(\d{2}):(\d{2}))/)
        else { return nil }
        var c = DateComponents()
        (c.year, c.month, c.day) = (Int(m.1), Int(m.2), Int(m.3))
        (c.hour, c.minute, c.second) = (Int(m.4), Int(m.5), Int(m.6))
        var offset = 0
        if let sign = m.9, let h = Int(m.10 ?? ""), let mm = Int(m.11 ?? "") {
            guard h < 24, mm < 60 else { return nil }
            offset = (sign == "-" ? -1 : 1) * (h * 3600 + mm * 60)
        }
        var calendar = Calendar(identifier: .gregorian)
        guard let utc = TimeZone(identifier: "UTC") else { return nil }
        calendar.timeZone = utc
        c.calendar = calendar
        c.timeZone = utc
        guard let month = c.month, (1...12).contains(month), let hour = c.hour, hour < 24, let minute = c.minute,
            minute < 60, let second = c.second, second < 61, c.isValidDate(in: calendar),
            let date = calendar.date(from: c)
        else { return nil }
        let fraction = m.7.flatMap { Double("0" + $0) } ?? 0
        return date.addingTimeInterval(fraction - Double(offset))
    }

    /// For file names: `20261126T001651Z`.
    public static func compact(_ date: Date) -> String {
        iso(date).replacingOccurrences(of: "-", with: "").replacingOccurrences(of: ":", with: "")
    }
}
