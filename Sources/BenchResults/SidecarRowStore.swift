import BenchCore

/// A sidecar's rows held compactly beside the CSV rows they belong to: every row's samples back
/// to back in one array of `Double`; a row with nothing but a status and a stop reason (every
/// modeled row) as a small code; the rest without their samples and with the CSV row's key,
/// so that the key's strings are not held twice. A 400,000-row fleet file's sidecar rows took
/// gigabytes as separate objects.
struct SidecarRowStore: Sendable {
    /// Every row's samples, in the order the rows were added.
    private var samples: [Double] = []
    /// Per CSV row: where its samples start in ``samples``, and how many.
    private var start: [Int]
    private var count: [Int32]
    /// Per CSV row: `-1` without a sidecar row; `n ≥ 0`, the row is `full[n]`; `-2 - n`, the
    /// row is only `plain[n]`'s status and stop reason.
    private var code: [Int32]
    private var full: [SidecarRow] = []
    private var plain: [(RowStatus, BenchCore.Measurement.StopReason?)] = []
    /// The CSV row indices in the order their sidecar rows came.
    private(set) var order: [Int] = []

    init(rowCount: Int) {
        start = Array(repeating: 0, count: rowCount)
        count = Array(repeating: 0, count: rowCount)
        code = Array(repeating: -1, count: rowCount)
    }

    /// How many CSV rows the store was made for.
    var rowCount: Int { code.count }

    /// Whether CSV row `index` has its sidecar row.
    func has(_ index: Int) -> Bool { code[index] != -1 }

    /// Adds the sidecar row of CSV row `index`, keyed `key` (the CSV row's own).
    mutating func add(_ row: SidecarRow, at index: Int, key: RowKey) {
        start[index] = samples.count
        count[index] = Int32(clamping: row.samplesSeconds.count)
        samples.append(contentsOf: row.samplesSeconds)
        order.append(index)
        if row.samplesSeconds.isEmpty, row.callsPerSample == 0, row.warmupCalls == 0, row.verification == nil,
            row.rounds == nil, row.cutShort == nil, row.counts == nil
        {
            let p =
                plain.firstIndex(where: { $0.0 == row.status && $0.1 == row.stopReason })
                ?? {
                    plain.append((row.status, row.stopReason)); return plain.count - 1
                }()
            code[index] = Int32(-2 - p)
            return
        }
        var r = row
        r.samplesSeconds = []
        r.key = key
        code[index] = Int32(full.count)
        full.append(r)
    }

    /// The samples of CSV row `index` (empty without a sidecar row).
    func samples(_ index: Int) -> ArraySlice<Double> {
        guard code[index] != -1 else { return [] }
        let s = start[index]
        return samples[s..<s + Int(count[index])]
    }

    /// The whole sidecar row of CSV row `index`, keyed `key`, or `nil`.
    func row(_ index: Int, key: RowKey) -> SidecarRow? {
        let c = Int(code[index])
        if c == -1 { return nil }
        if c <= -2 {
            let (status, reason) = plain[-2 - c]
            return SidecarRow(key: key, status: status, stopReason: reason)
        }
        var r = full[c]
        r.samplesSeconds = Array(samples(index))
        return r
    }

    /// The samples of each round of CSV row `index` (split by its round records), or `nil`
    /// without round records or when their counts do not add up to the samples.
    func rounds(_ index: Int) -> [[Double]]? { SidecarRow.split(samples(index), by: roundRecords(index)) }

    /// The round records of CSV row `index`, or `nil`.
    func roundRecords(_ index: Int) -> [SidecarRound]? {
        let c = Int(code[index])
        return c >= 0 ? full[c].rounds : nil
    }
}
