import Foundation

/// The host's energy counters: Linux powercap RAPL package zones
/// (`/sys/class/powercap/intel-rapl:N/energy_uj`, also on AMD Zen), read around the measured
/// calls of a row.
///
/// Each counter counts microjoules up to `max_energy_range_uj` and wraps to zero; a reading
/// that went down wrapped once (the interval between readings is far shorter than a wrap).
/// The counters cover whole packages: idle draw and other processes are included, which the
/// row's notes say. Virtual machines rarely expose them, and since Linux 5.10 (CVE-2020-8694)
/// `energy_uj` is readable by root only: ``open(root:)`` then says why there is no reading.
public struct EnergyMeter: Sendable, Equatable {
    /// One package zone: its directory, name and counter range.
    public struct Zone: Sendable, Equatable {
        public var path: String
        public var name: String
        public var rangeMicrojoules: UInt64
    }

    public let zones: [Zone]

    /// The package zones under `root` (top-level `intel-rapl:N`, not their `:M` subzones), or
    /// the reason there is no usable counter.
    public static func open(root: String = "/sys/class/powercap") -> Result<EnergyMeter, EnergyUnavailable> {
        let fm = FileManager.default
        guard let entries = try? fm.contentsOfDirectory(atPath: root) else {
            return .failure(
                EnergyUnavailable(reason: "no \(root) (no powercap driver; virtual machines usually have none)"))
        }
        let packages = entries.filter { name in
            name.hasPrefix("intel-rapl:") && name.split(separator: ":").count == 2
        }.sorted()
        guard !packages.isEmpty else {
            return .failure(
                EnergyUnavailable(reason: "no RAPL package zone under \(root) (virtual machines usually expose none)"))
        }
        var zones: [Zone] = []
        for p in packages {
            let dir = "\(root)/\(p)"
            guard let range = readNumber("\(dir)/max_energy_range_uj"), range > 0 else {
                return .failure(
                    EnergyUnavailable(reason: "\(dir)/max_energy_range_uj is missing or not a positive number"))
            }
            guard readNumber("\(dir)/energy_uj") != nil else {
                let exists = fm.fileExists(atPath: "\(dir)/energy_uj")
                return .failure(
                    EnergyUnavailable(
                        reason: exists
                            ? "\(dir)/energy_uj is not readable (root only since Linux 5.10, CVE-2020-8694)"
                            : "\(dir)/energy_uj is missing"))
            }
            let name =
                (try? String(contentsOfFile: "\(dir)/name", encoding: .utf8))?
                .trimmingCharacters(in: .whitespacesAndNewlines) ?? p
            zones.append(Zone(path: dir, name: name, rangeMicrojoules: range))
        }
        return .success(EnergyMeter(zones: zones))
    }

    /// The counters now, in microjoules, one per zone; `nil` when one cannot be read.
    public func read() -> [UInt64]? {
        var out: [UInt64] = []
        for z in zones {
            guard let v = Self.readNumber("\(z.path)/energy_uj") else { return nil }
            out.append(v)
        }
        return out
    }

    /// Joules between two readings of every zone, each counter's wrap-around undone.
    public func joules(from before: [UInt64], to after: [UInt64]) -> Double? {
        guard before.count == zones.count, after.count == zones.count else { return nil }
        var total: UInt64 = 0
        for (i, z) in zones.enumerated() {
            total += Self.delta(before: before[i], after: after[i], range: z.rangeMicrojoules)
        }
        return Double(total) / 1e6
    }

    /// Microjoules counted from `before` to `after` on a counter that wraps at `range`.
    public static func delta(before: UInt64, after: UInt64, range: UInt64) -> UInt64 {
        after >= before ? after - before : (range - min(before, range)) + after
    }

    static func readNumber(_ path: String) -> UInt64? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        return UInt64(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }
}

/// Why the host's energy cannot be read (written in the measured rows' notes).
public struct EnergyUnavailable: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: String
    public var description: String { reason }

    public init(reason: String) { self.reason = reason }
}
