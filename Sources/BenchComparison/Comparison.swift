import BenchCore
import BenchResults
import Foundation

/// The comparison of one baseline row with its candidate.
public struct RowComparison: Sendable {
    /// Suite, case and threads of the pair; `backend` is the candidate's (or the only side's).
    public var key: RowKey
    public var baselineBackend: BackendID?
    public var baseline: Double?
    public var candidate: Double?
    /// `candidate / baseline − 1` of the metric (as a fraction).
    public var relativeChange: Double?
    /// Slowdown factor: `candidate/baseline` for lower-is-better metrics, `baseline/candidate`
    /// otherwise, so that > 1 is always worse.
    public var slowdown: Double?
    /// The threshold applied to this row (after the noise raise).
    public var threshold: Double
    /// How "real" was established: `U test p=…`, `CI overlap`, `threshold only`, `exact (modeled)`.
    public var evidence: String
    public var verdict: Verdict
    /// Why (for non-comparable rows, model changes and environment differences).
    public var reason: String
}

/// Per-backend counts and the geometric mean of candidate/baseline ratios.
public struct BackendSummary: Sendable {
    public var backend: BackendID
    public var counts: [Verdict: Int]
    /// Geometric mean of `candidate / baseline` of the metric over rows with both values.
    public var geometricMeanRatio: Double?
}

/// The full result of `bench compare`.
public struct ComparisonReport: Sendable {
    public var baselinePath: String
    public var candidatePath: String
    public var metric: Metric
    public var rows: [RowComparison]
    /// File-level notes (missing sidecars, environment differences).
    public var notes: [String]

    public var summaries: [BackendSummary] {
        var order: [BackendID] = []
        var byBackend: [BackendID: [RowComparison]] = [:]
        for r in rows {
            if byBackend[r.key.backend] == nil { order.append(r.key.backend) }
            byBackend[r.key.backend, default: []].append(r)
        }
        return order.map { b in
            let rs = byBackend[b] ?? []
            var counts: [Verdict: Int] = [:]
            for r in rs { counts[r.verdict, default: 0] += 1 }
            let ratios = rs.compactMap { r -> Double? in
                guard let a = r.baseline, let c = r.candidate, a > 0, c > 0 else { return nil }
                return c / a
            }
            let geo = ratios.isEmpty ? nil : exp(ratios.map { log($0) }.reduce(0, +) / Double(ratios.count))
            return BackendSummary(backend: b, counts: counts, geometricMeanRatio: geo)
        }
    }

    public func count(_ verdict: Verdict) -> Int { rows.filter { $0.verdict == verdict }.count }
}

/// Compares two result sets row by row.
public enum Comparator {
    /// Matches rows on (`suite`, `case_id`, `backend`, `threads`) — or, with
    /// ``ComparisonOptions/backendPair``, baseline-backend rows with candidate-backend rows on
    /// (`suite`, `case_id`, `threads`) — and gives each pair a verdict.
    public static func compare(_ base: ResultSet, _ cand: ResultSet, options: ComparisonOptions) -> ComparisonReport {
        var notes: [String] = []
        if base.sidecar == nil {
            notes.append(
                "\(base.path) has no sidecar: verdicts rest on the CI columns and thresholds; the host check on the device column"
            )
        }
        if cand.sidecar == nil, cand.path != base.path {
            notes.append(
                "\(cand.path) has no sidecar: verdicts rest on the CI columns and thresholds; the host check on the device column"
            )
        }
        // Comparing two hosts, their environments differ by design.
        let hostDifference =
            options.hostPair != nil
            ? nil : ResultSet.environmentDifference(base, cand, comparingBackends: options.backendPair != nil)
        if let d = hostDifference {
            notes.append(
                options.allowCrossHost
                    ? "environments differ (\(d)); compared anyway (--allow-cross-host)"
                    : "environments differ (\(d)); measured rows are not_comparable (pass --allow-cross-host to compare them)"
            )
        }
        // The host is part of the key where it tells rows apart: when either file holds several
        // hosts (a merged fleet). Two single-host files match whatever their hosts are called
        // (CI runners have changing host names); the environment check guards those.
        let hostKeyed =
            options.hostPair == nil
            && [base, cand].contains { Set($0.rows.map(\.host).filter { !$0.isEmpty }).count > 1 }
        struct PairKey: Hashable { var suite: String, caseID: String, threads: Int, backend: BackendID, host: String }
        func pairKey(_ r: ResultRow, backendAgnostic: Bool) -> PairKey {
            PairKey(
                suite: r.suite, caseID: r.caseID, threads: r.threads, backend: backendAgnostic ? "" : r.backend,
                host: hostKeyed ? r.host : "")
        }
        var baseRows = base.rows, candRows = cand.rows
        if let pair = options.backendPair {
            baseRows = baseRows.filter { $0.backend == pair.baseline }
            candRows = candRows.filter { $0.backend == pair.candidate }
        }
        if let pair = options.hostPair {
            baseRows = baseRows.filter { $0.host == pair.baseline }
            candRows = candRows.filter { $0.host == pair.candidate }
        }
        let agnostic = options.backendPair != nil
        // Positions, not copies of the rows: a fleet file's rows are hundreds of megabytes.
        let candIndex = Dictionary(
            candRows.indices.map { (pairKey(candRows[$0], backendAgnostic: agnostic), $0) },
            uniquingKeysWith: { a, _ in a })
        let baseKeys = Set(baseRows.map { pairKey($0, backendAgnostic: agnostic) })
        var out: [RowComparison] = []
        for b in baseRows {
            guard let c = candIndex[pairKey(b, backendAgnostic: agnostic)].map({ candRows[$0] }) else {
                out.append(
                    RowComparison(
                        key: b.key, baselineBackend: b.backend, baseline: options.metric.value(in: b), candidate: nil,
                        relativeChange: nil, slowdown: nil, threshold: options.threshold(for: b.caseID),
                        evidence: "", verdict: .missing, reason: "no candidate row"))
                continue
            }
            out.append(
                compareRow(
                    b, c, base: base, cand: cand, options: options,
                    hostDifference: options.allowCrossHost ? nil : hostDifference))
        }
        for c in candRows where !baseKeys.contains(pairKey(c, backendAgnostic: agnostic)) {
            out.append(
                RowComparison(
                    key: c.key, baselineBackend: nil, baseline: nil, candidate: options.metric.value(in: c),
                    relativeChange: nil, slowdown: nil, threshold: options.threshold(for: c.caseID),
                    evidence: "", verdict: .new, reason: "no baseline row"))
        }
        return ComparisonReport(
            baselinePath: base.path, candidatePath: cand.path, metric: options.metric, rows: out, notes: notes)
    }

    static func compareRow(
        _ b: ResultRow, _ c: ResultRow, base: ResultSet, cand: ResultSet, options: ComparisonOptions,
        hostDifference: String?
    ) -> RowComparison {
        let metric = options.metric
        var r = RowComparison(
            key: c.key, baselineBackend: b.backend, baseline: metric.value(in: b), candidate: metric.value(in: c),
            relativeChange: nil, slowdown: nil, threshold: options.threshold(for: c.caseID),
            evidence: "", verdict: .unchanged, reason: "")
        if let x = r.baseline, let y = r.candidate, x > 0, y > 0 {
            r.relativeChange = y / x - 1
            r.slowdown = metric.higherIsBetter ? x / y : y / x
        }
        guard b.status == .ok, c.status == .ok else {
            r.verdict = .notComparable
            r.reason = "status \(b.status.rawValue) → \(c.status.rawValue)"
            return r
        }
        if b.backendKind == .modeled && c.backendKind == .modeled {
            r.evidence = "exact (modeled)"
            if r.baseline == r.candidate {
                r.verdict = .unchanged
            } else {
                r.verdict = .modelChanged
                let v1 = b.catalogVersion ?? "?"
                let v2 = c.catalogVersion ?? "?"
                r.reason = "modeled value changed (catalog \(v1) → \(v2))"
            }
            return r
        }
        if metric.isCount { return countedVerdict(r, hostDifference: hostDifference) }
        if let d = hostDifference, b.backendKind == .measured || c.backendKind == .measured {
            r.verdict = .notComparable
            r.reason = "environment differs: \(d)"
            return r
        }
        // One backend on two devices (a plugin on another GPU, or on another share of one) is
        // not a regression of either; comparing two backends, devices differ by design.
        if options.backendPair == nil, options.hostPair == nil, !options.allowCrossHost, b.backendKind == .measured,
            b.device != c.device
        {
            r.verdict = .notComparable
            r.reason = "device differs: '\(b.device)' vs '\(c.device)' (pass --allow-cross-host to compare them)"
            return r
        }
        guard let slowdown = r.slowdown else {
            r.verdict = .notComparable
            let side = r.baseline == nil || r.baseline == 0 ? "the baseline" : "the candidate"
            let what = (r.baseline == nil || r.candidate == nil) ? "no \(metric) value" : "\(metric) is 0"
            r.reason = "\(what) on \(side) side"
            return r
        }
        // Both sides measured in rounds: judge on what varies between runs (the round medians).
        let baseRounds = base.rounds(for: b.key).flatMap { RoundSpread(rounds: $0) }
        let candRounds = cand.rounds(for: c.key).flatMap { RoundSpread(rounds: $0) }
        if let a = baseRounds, let z = candRounds,
            let test = RoundTest(baseline: a.fastest(a.robustCount), candidate: z.fastest(z.robustCount))
        {
            // Judged on the faster half of each side's rounds (interference only slows a round
            // down), with the threshold raised to the smallest change those rounds can tell
            // from run-to-run variation at the test's level.
            let asked = r.threshold
            let resolvable = exp(test.halfWidth(alpha: options.alpha)) - 1
            r.threshold = max(asked, resolvable)
            // The change the decision rests on: the ratio of the fast rounds' geometric means,
            // as a slowdown (every metric is the time or its inverse times a constant of the row).
            let change = exp(test.logRatio)
            r.evidence =
                "t test on the fastest \(test.baselineRounds)+\(test.candidateRounds) of \(a.count)+\(z.count) round medians: \(signedPercent(change - 1)) p=\(formatP(test.pValue))"
            let beyond = change > 1 + r.threshold || change < 1 / (1 + r.threshold)
            if beyond && test.pValue < options.alpha {
                r.verdict = change > 1 ? .regressed : .improved
            } else if resolvable > asked {
                r.verdict = .noisy
                r.reason =
                    "the fast rounds vary too much to tell a \(fixed(asked * 100, 1))% change (could tell ±\(fixed(resolvable * 100, 1))%)"
            } else {
                r.verdict = .unchanged
            }
            return r
        }
        let worse = slowdown > 1
        // Noisy rows need bigger changes: 3× the larger relative CI half-width.
        let noise = max(relativeHalfWidth(b) ?? 0, relativeHalfWidth(c) ?? 0)
        r.threshold = max(r.threshold, 3 * noise)
        let beyond = slowdown > 1 + r.threshold || slowdown < 1 / (1 + r.threshold)
        // Is the difference real?
        var real: Bool
        let withoutRounds = [(baseRounds, base.path), (candRounds, cand.path)].filter { $0.0 == nil }.map(\.1)
        let within = withoutRounds.isEmpty || withoutRounds.count == 2 ? "" : " (\(withoutRounds[0]) has no rounds)"
        if let xs = base.samples(for: b.key), let ys = cand.samples(for: c.key), let test = MannWhitney.test(xs, ys) {
            real = test.pValue < options.alpha
            r.evidence = "U test p=\(formatP(test.pValue))\(within)"
        } else if let bl = b.ciLowSeconds, let bh = b.ciHighSeconds, let cl = c.ciLowSeconds, let ch = c.ciHighSeconds {
            real = bh < cl || ch < bl
            r.evidence = real ? "CIs disjoint" : "CIs overlap"
        } else {
            real = true
            r.evidence = "threshold only"
        }
        if !beyond {
            r.verdict = .unchanged
        } else if real {
            r.verdict = worse ? .regressed : .improved
        } else {
            r.verdict = .inconclusive
            r.reason = "\(worse ? "slower" : "faster") beyond the threshold, but the difference is not significant"
        }
        return r
    }

    /// `max(median − ci_low, ci_high − median) / median` of a row's time columns.
    static func relativeHalfWidth(_ row: ResultRow) -> Double? {
        guard let m = row.medianSeconds, m > 0, let lo = row.ciLowSeconds, let hi = row.ciHighSeconds else {
            return nil
        }
        return max(m - lo, hi - m) / m
    }

    static func signedPercent(_ x: Double) -> String { (x >= 0 ? "+" : "") + fixed(x * 100, 1) + "%" }

    static func formatP(_ p: Double) -> String { p < 1e-4 ? String(format: "%.1e", p) : String(format: "%.4f", p) }
}
