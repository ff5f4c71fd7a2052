import BenchComparison
import BenchCore
import BenchResults
import BenchTestSupport
import Foundation
import Testing

/// A dump as callgrind 3.19 writes it for CALLGRIND_DUMP_STATS_AT (taken from a real run; the
/// cost lines shortened). Its summary leaves out the trailing zero (DLmw).
private let dumpText = """
    # callgrind format
    version: 1
    creator: callgrind-3.19.0
    pid: 3083
    cmd:  ./t
    part: 1


    desc: I1 cache: 32768 B, 64 B, 8-way associative
    desc: D1 cache: 32768 B, 64 B, 8-way associative
    desc: LL cache: 8388608 B, 64 B, 16-way associative

    desc: Timerange: Basic block 0 - 1110
    desc: Trigger: Client Request: matmul gemm/fp32/M=64,N=64,K=64 cpu-blas threads=1

    positions: line
    events: Ir Dr Dw I1mr D1mr D1mw ILmr DLmr DLmw
    summary: 9018 1003 1008 2 10 1 2 4

    ob=(1) /tmp/cgx/t
    fl=(1) ???
    fn=(2) work
    0 9005 1002 1000

    totals: 9009 1003 1002
    """

@Suite("Counts mode: callgrind dumps, counted rows, compare on counts, Bencher Metric Format")
struct CountsTests {
    @Test("a callgrind dump reads back: label, caches, every event (trailing zeros filled in)")
    func parsesDump() throws {
        let dump = try CallgrindDump.parse(dumpText[...])
        #expect(dump.label == "matmul gemm/fp32/M=64,N=64,K=64 cpu-blas threads=1")
        #expect(dump.caches["LL"] == "8388608 B, 64 B, 16-way associative")
        #expect(dump.total("Ir") == 9018)
        #expect(dump.total("DLmr") == 4)
        #expect(dump.total("DLmw") == 0)
        let perCall = try dump.counts(calls: 2)
        #expect(perCall.instructions == 4509)
        #expect(perCall.l1Misses == 13.0 / 2 && perCall.llMisses == 6.0 / 2)
        // (Ir + Dr + Dw − L1m) + 5 (L1m − LLm) + 35 LLm, per call.
        let accesses = (9018.0 + 1003 + 1008) / 2
        #expect(perCall.estimatedCycles == (accesses - 6.5) + 5 * (6.5 - 3) + 35 * 3)
    }

    @Test(
        "a broken or incomplete dump is refused with its reason, never read as zeros",
        arguments: [
            ("events: Ir Dr\nsummary: 1 2 3\n", "2 events but 3 summary values"),
            ("events: Ir\n", "no summary: line"),
            ("summary: 5\n", "no events: line"),
            ("events: Ir Dr\nsummary: 18446744073709533598 3\n", "wrapped"),
            ("events: Ir Dr\nsummary: 12 x\n", "is not a count"),
        ])
    func refusesBrokenDumps(text: String, reason: String) {
        #expect {
            _ = try CallgrindDump.parse(text[...])
        } throws: { "\($0)".contains(reason) }
    }

    @Test("counts need the cache events and a non-empty window")
    func refusesMissingEvents() throws {
        let noCacheSim = try CallgrindDump.parse("events: Ir\nsummary: 100\n"[...])
        #expect {
            _ = try noCacheSim.counts(calls: 1)
        } throws: { "\($0)".contains("no Dr event") && "\($0)".contains("--cache-sim=yes") }
        let empty = try CallgrindDump.parse("events: Ir Dr Dw I1mr D1mr D1mw ILmr DLmr DLmw\nsummary: 0\n"[...])
        #expect {
            _ = try empty.counts(calls: 1)
        } throws: { "\($0)".contains("0 instructions") }
    }

    static func counted(_ caseID: String, instructions: Double, backend: String = "cpu-swift") -> ResultRow {
        var row = makeRow(caseID: caseID, backend: backend, median: nil)
        row.instructions = instructions
        row.l1Misses = instructions / 100
        row.llMisses = instructions / 1000
        row.estimatedCycles = instructions * 1.5
        return row
    }

    static func set(_ path: String, _ rows: [ResultRow]) -> ResultSet {
        ResultSet(path: path, columns: ResultSchema.columnNames, rows: rows, sidecar: nil)
    }

    @Test(
        "counted files: est_cycles at 1% by default; beyond it regressed or improved, within it unchanged, never noisy")
    func comparesCounts() throws {
        let base = Self.set(
            "a.csv",
            [
                Self.counted("gemm/fp32/M=64,N=64,K=64", instructions: 1_000_000),
                Self.counted("gemm/fp32/M=128,N=128,K=128", instructions: 8_000_000),
                Self.counted("gemm/fp64/M=64,N=64,K=64", instructions: 2_000_000),
            ])
        let cand = Self.set(
            "b.csv",
            [
                Self.counted("gemm/fp32/M=64,N=64,K=64", instructions: 1_020_000),
                Self.counted("gemm/fp32/M=128,N=128,K=128", instructions: 8_040_000),
                Self.counted("gemm/fp64/M=64,N=64,K=64", instructions: 1_960_000),
            ])
        let report = try Comparator.compare(baseline: base, candidate: cand, options: ComparisonOptions())
        #expect(report.metric == .estimatedCycles)
        #expect(report.rows.map(\.verdict) == [.regressed, .unchanged, .improved])
        #expect(report.rows.allSatisfy { $0.threshold == 0.01 && $0.evidence == "exact (counted)" })
        // A chosen threshold and metric win.
        var options = ComparisonOptions()
        options.metric = .instructions
        options.metricChosen = true
        options.threshold = 0.03
        options.thresholdChosen = true
        let loose = try Comparator.compare(baseline: base, candidate: cand, options: options)
        #expect(loose.metric == .instructions)
        #expect(loose.rows.allSatisfy { $0.verdict == .unchanged })
    }

    @Test("counts against times, or a count metric on timed files, is refused in one line")
    func refusesMixedMeasures() {
        let counted = Self.set("counted.csv", [Self.counted("gemm/fp32/M=64,N=64,K=64", instructions: 1e6)])
        let timed = Self.set("timed.csv", [makeRow()])
        #expect {
            _ = try Comparator.compare(baseline: counted, candidate: timed, options: ComparisonOptions())
        } throws: {
            "\($0)"
                == "counted.csv holds counts (bench run --measure counts) and timed.csv holds times; compare counts with counts and times with times"
        }
        var options = ComparisonOptions()
        options.metric = .instructions
        #expect {
            _ = try Comparator.compare(baseline: timed, candidate: timed, options: options)
        } throws: { "\($0)".contains("timed.csv has no counts") }
    }

    @Test("counted rows and the counting record go through the CSV and sidecar and read back")
    func roundTrips() throws {
        let dir = try temporaryDirectory()
        let url = dir.appendingPathComponent("c.csv")
        var row = Self.counted("gemm/fp32/M=64,N=64,K=64", instructions: 123_456.5)
        row.notes = "counted"
        var sidecarRow = SidecarRow(key: row.key, status: .ok)
        sidecarRow.counts = try CallgrindDump.parse(dumpText[...]).counts(calls: 1)
        let writer = try ResultWriter(destination: url)
        try writer.append(row, samples: sidecarRow)
        var sidecar = Sidecar(
            runID: row.runID, csvFile: "c.csv", suite: "matmul", startedAt: row.timestamp,
            finishedAt: row.timestamp, interrupted: false, environment: .unknown, rows: [sidecarRow])
        sidecar.counting = CountingRecord(
            tool: "callgrind", version: "valgrind-3.19.0", cache: .pinned, calls: 1, warmupCalls: 1)
        _ = try writer.finish { rows in
            var s = sidecar
            s.rows = rows
            return s
        }
        let read = try ResultSet(path: url.path)
        #expect(read.rows == [row])
        #expect(read.isCounted && !read.isTimed)
        #expect(read.sidecar?.counting == sidecar.counting)
        #expect(read.sidecarRows.first?.counts == sidecarRow.counts)
    }

    /// The example on https://bencher.dev/docs/reference/bencher-metric-format (shape only).
    static let documentedExample = """
        {"benchmark_name": {"latency": {"value": 88.0, "lower_value": 87.42, "upper_value": 88.88},
         "throughput": {"value": 5.55, "lower_value": 3.14, "upper_value": 6.30}},
         "my_binary": {"file-size": {"value": 42.0}}}
        """

    @Test("BMF has the documented shape: benchmark → measure → value with its bounds; counts as measures")
    func bencherMetricFormat() throws {
        // The documented example decodes into bench's type, so bench writes the same shape.
        let example = try JSONDecoder().decode(
            [String: [String: BencherMetricFormat.Value]].self, from: Data(Self.documentedExample.utf8))
        #expect(example["benchmark_name"]?["latency"] == .init(88.0, lower: 87.42, upper: 88.88))
        #expect(example["my_binary"]?["file-size"] == .init(42.0))
        let timed = makeRow(median: 0.002)
        let counted = Self.counted("gemm/fp32/M=128,N=128,K=128", instructions: 5000)
        let failed = makeRow(caseID: "gemm/fp64/M=64,N=64,K=64", status: .error, median: nil)
        let text = BencherMetricFormat.render(BencherMetricFormat.document([timed, counted, failed]))
        let doc = try JSONDecoder().decode([String: [String: BencherMetricFormat.Value]].self, from: Data(text.utf8))
        #expect(doc.count == 2, "the failed row has no measure")
        let t = try #require(doc["matmul/gemm/fp32/M=64,N=64,K=64/cpu-blas/threads=1"])
        #expect(t["latency"] == .init(2e6, lower: 0.002 * 0.995 * 1e9, upper: 0.002 * 1.005 * 1e9))
        let q = try #require(t["throughput"])
        #expect(q.value == 500 && q.lowerValue! < 500 && q.upperValue! > 500)
        let c = try #require(doc["matmul/gemm/fp32/M=128,N=128,K=128/cpu-swift/threads=1"])
        #expect(c["instructions"] == .init(5000))
        #expect(c["estimated-cycles"] == .init(7500))
        #expect(c["latency"] == nil, "a counted row has no time, and none is invented")
        // Only JSON objects of numbers: what the BMF JSON schema allows.
        let any = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: [String: [String: Double]]]
        #expect(any?.count == 2)
    }
}
