/// One callgrind profile dump (callgrind's "callgrind format", the file each
/// `CALLGRIND_DUMP_STATS_AT` writes): the label of the request that wrote it, the simulated
/// caches, and the total of every event.
///
/// Only the header is read: `desc:` lines, `events:` and `summary:` (the totals of the whole
/// dump, one number per event). The per-function cost lines that follow are not needed.
public struct CallgrindDump: Sendable, Equatable {
    /// The `desc: Trigger: Client Request: LABEL` label, if the dump has one.
    public var label: String?
    /// The `desc: I1 cache: …`, `D1 cache` and `LL cache` lines, by cache (`I1`, `D1`, `LL`).
    public var caches: [String: String]
    /// Each event's total (`Ir`, `Dr`, `D1mr`, …), in the order of the `events:` line.
    public var events: [(name: String, total: UInt64)]

    public static func == (l: CallgrindDump, r: CallgrindDump) -> Bool {
        l.label == r.label && l.caches == r.caches && l.events.map(\.name) == r.events.map(\.name)
            && l.events.map(\.total) == r.events.map(\.total)
    }

    /// A dump that cannot be read, with the reason.
    public struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        public var reason: String
        public var description: String { reason }
    }

    /// The events counts mode needs (callgrind with `--cache-sim=yes`).
    public static let requiredEvents = ["Ir", "Dr", "Dw", "I1mr", "D1mr", "D1mw", "ILmr", "DLmr", "DLmw"]

    /// Parses a dump's text.
    public static func parse(_ text: Substring) throws(Failure) -> CallgrindDump {
        var label: String?
        var caches: [String: String] = [:]
        var names: [String]?
        var totals: [UInt64]?
        var sawFormat = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            if line.hasPrefix("#") {
                if line.hasPrefix("# callgrind format") { sawFormat = true }
                continue
            }
            // The header ends where cost lines begin (the first `fl=`, `ob=` or `fn=`).
            if line.hasPrefix("fl=") || line.hasPrefix("ob=") || line.hasPrefix("fn=") { break }
            if let rest = line.dropPrefix("desc: Trigger: Client Request: ") {
                label = String(rest)
            } else if let rest = line.dropPrefix("desc: "), let colon = rest.firstIndex(of: ":"),
                rest[..<colon].hasSuffix(" cache")
            {
                let cache = rest[..<colon].dropLast(" cache".count)
                caches[String(cache)] = rest[rest.index(after: colon)...].trimmingSpaces
            } else if let rest = line.dropPrefix("events:") {
                names = rest.split(separator: " ").map(String.init)
            } else if let rest = line.dropPrefix("summary:") {
                var values: [UInt64] = []
                for field in rest.split(separator: " ") {
                    guard let v = UInt64(field) else {
                        throw Failure(reason: "summary value '\(field.prefix(30))' is not a count")
                    }
                    // A wrapped count (callgrind subtracts past zero when a dump follows a zeroing
                    // in mid-collection): no real run executes 2^63 instructions.
                    guard v < 1 << 63 else { throw Failure(reason: "summary value \(v) has wrapped below zero") }
                    values.append(v)
                }
                totals = values
            }
        }
        guard sawFormat || names != nil else { throw Failure(reason: "not a callgrind profile (no events: line)") }
        guard let names else { throw Failure(reason: "no events: line") }
        guard let totals else { throw Failure(reason: "no summary: line") }
        // The format leaves out trailing zero counts ("summary: 9018 1003 1008" with nine events
        // means the other six are 0); more values than events is a broken file.
        guard totals.count <= names.count else {
            throw Failure(reason: "\(names.count) events but \(totals.count) summary values")
        }
        let padded = totals + Array(repeating: 0, count: names.count - totals.count)
        return CallgrindDump(label: label, caches: caches, events: Array(zip(names, padded)))
    }

    /// The total of `event`, or `nil` when the dump lacks it.
    public func total(_ event: String) -> UInt64? { events.first { $0.name == event }?.total }

    /// The counts of the dump's calls, per call; throws naming a missing event (a profile taken
    /// without `--cache-sim=yes` has no miss counts, and bench never writes a 0 for them).
    public func counts(calls: Int) throws(Failure) -> CallCounts {
        var v: [String: Double] = [:]
        for name in Self.requiredEvents {
            guard let t = total(name) else {
                throw Failure(
                    reason:
                        "no \(name) event (has \(events.map(\.name).joined(separator: " "))): callgrind ran without --cache-sim=yes?"
                )
            }
            v[name] = Double(t)
        }
        guard (v["Ir"] ?? 0) > 0 else { throw Failure(reason: "0 instructions counted: the counting window was empty") }
        return CallCounts(
            instructions: v["Ir"]!, dataReads: v["Dr"]!, dataWrites: v["Dw"]!, l1InstructionMisses: v["I1mr"]!,
            l1DataReadMisses: v["D1mr"]!, l1DataWriteMisses: v["D1mw"]!, llInstructionMisses: v["ILmr"]!,
            llDataReadMisses: v["DLmr"]!, llDataWriteMisses: v["DLmw"]!
        ).perCall(calls)
    }
}

extension Substring {
    fileprivate func dropPrefix(_ prefix: String) -> Substring? {
        hasPrefix(prefix) ? dropFirst(prefix.count) : nil
    }

    fileprivate var trimmingSpaces: String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
