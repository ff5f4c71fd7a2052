import BenchComparison
import BenchCore
import BenchResults
import BenchRun
import BenchTestSupport
import Foundation
import Testing

@Suite("Result files with rounds")
struct RoundFileTests {
    @Test("an interrupted run saves each unfinished row as its rounds so far describe it")
    func staged() throws {
        let dir = try temporaryDirectory()
        let dest = dir.appendingPathComponent("run.csv")
        let writer = try ResultWriter(destination: dest)
        var early = makeRow(caseID: "gemm/fp32/M=8,N=8,K=8")
        early.notes = "interrupted after 1 of 3 rounds"
        var done = makeRow()
        done.rounds = 3
        writer.stage(early, samples: SidecarRow(key: early.key, status: .ok))
        var staleDone = done
        staleDone.notes = "interrupted after 2 of 3 rounds"
        writer.stage(staleDone, samples: SidecarRow(key: done.key, status: .ok))
        try writer.append(done, samples: SidecarRow(key: done.key, status: .ok))
        try writer.finish { rows in
            Sidecar(
                runID: "r", csvFile: "run.csv", suite: "matmul", startedAt: "t", finishedAt: "t", interrupted: true,
                environment: RoundCompareTests().environment(), rows: rows)
        }
        let rows = try ResultReader.read(path: dest.path).rows
        #expect(rows.map(\.caseID) == ["gemm/fp32/M=64,N=64,K=64", "gemm/fp32/M=8,N=8,K=8"])
        #expect(rows[0].notes == done.notes)
        #expect(rows[0].rounds == 3)
        #expect(rows[1].notes == "interrupted after 1 of 3 rounds")
    }

    @Test("once an interrupt stops the writer, a late failed row cannot replace the row its rounds staged")
    func stoppedWriter() throws {
        let dir = try temporaryDirectory()
        let dest = dir.appendingPathComponent("run.csv")
        let writer = try ResultWriter(destination: dest)
        var staged = makeRow()
        staged.notes = "interrupted after 1 of 3 rounds"
        writer.stage(staged, samples: SidecarRow(key: staged.key, status: .ok))
        writer.stopAccepting()
        // The row's plugin was stopped by the interrupt: its error must not win.
        let late = makeRow(status: .error, median: nil, notes: "plugin killed by signal 9")
        try writer.append(late, samples: SidecarRow(key: late.key, status: .error))
        try writer.finish { rows in
            Sidecar(
                runID: "r", csvFile: "run.csv", suite: "matmul", startedAt: "t", finishedAt: "t", interrupted: true,
                environment: .unknown, rows: rows)
        }
        let rows = try ResultReader.read(path: dest.path).rows
        #expect(rows.map(\.status) == [.ok])
        #expect(rows.first?.notes == "interrupted after 1 of 3 rounds")
    }

    @Test("a sidecar whose rounds do not add up to its samples, or disagree with the CSV, is refused")
    func inconsistentRounds() throws {
        let dir = try temporaryDirectory()
        let dest = dir.appendingPathComponent("run.csv")
        for (csvRounds, counts, message) in [
            (3, [4, 4, 4], "add up to 12, not the 10 samples"), (2, [5, 5], ""),
            (3, [5, 5], "the CSV says 3 rounds, the sidecar has 2"),
        ] {
            let writer = try ResultWriter(destination: dest)
            var row = makeRow()
            row.samples = 10
            row.rounds = csvRounds
            let samples = Array(repeating: 0.001, count: 10)
            var side = SidecarRow(
                key: row.key, status: .ok, samplesSeconds: samples, callsPerSample: 1, stopReason: .budget)
            side.rounds = counts.map {
                SidecarRound(samples: $0, callsPerSample: 1, warmupCalls: 1, stopReason: .budget)
            }
            try writer.append(row, samples: side)
            try writer.finish { rows in
                Sidecar(
                    runID: row.runID, csvFile: "run.csv", suite: "matmul", startedAt: "t", finishedAt: "t",
                    interrupted: false, environment: RoundCompareTests().environment(), rows: rows)
            }
            if message.isEmpty {
                let set = try ResultSet(path: dest.path)
                #expect(set.rounds(for: row.key)?.count == 2)
            } else {
                #expect {
                    _ = try ResultSet(path: dest.path)
                } throws: { "\($0)".contains(message) && "\($0)".contains("column rounds") }
            }
        }
    }
}

@Suite("bench merge --prefer rounds")
struct MergeRoundsTests {
    let helper = RoundCompareTests()

    @Test("repeated runs become one measurement: rounds after rounds, statistics and speed recomputed")
    func combine() throws {
        let a = helper.result("a.csv", rounds(1e-3, [1.0, 1.1, 0.9]))
        let b = helper.result("b.csv", rounds(2e-3, [1.0, 1.0]), recordRounds: false)
        let merged = try ResultMerger.merge([a, b], duplicates: .rounds)
        #expect(merged.rows.count == 1)
        let row = merged.rows[0]
        #expect(row.rounds == 4)
        #expect(row.samples == 40)
        let side = try #require(merged.samples.first)
        #expect(side.rounds?.map(\.samples) == [8, 8, 8, 16])
        #expect(side.samplesSeconds == (rounds(1e-3, [1.0, 1.1, 0.9]) + rounds(2e-3, [1.0, 1.0])).flatMap { $0 })
        let median = try #require(row.medianSeconds)
        #expect(median == Summary(side.samplesSeconds).median)
        #expect(abs(try #require(row.throughput) - 1 / median) < 1e-9 / median)
        #expect(abs(try #require(row.tflops) - row.flops / median / 1e12) < 1e-12)
        #expect(row.notes.hasPrefix("2 runs combined by bench merge --prefer rounds"))
        // The merged file reads back (every file bench writes, bench reads).
        let dir = try temporaryDirectory()
        let out = dir.appendingPathComponent("m.csv")
        try ResultMerger.write([a, b], to: out, duplicates: .rounds)
        let back = try ResultSet(path: out.path)
        #expect(back.rounds(for: row.key)?.count == 4)
    }

    @Test("runs of another host, differing modeled rows or missing samples are refused; a failure wins")
    func refusals() throws {
        let a = helper.result("a.csv", rounds(1e-3, [1.0, 1.0]))
        var other = helper.result("b.csv", rounds(1e-3, [1.0, 1.0]))
        other.sidecar?.environment.cpuModel = "another CPU"
        #expect { try ResultMerger.merge([a, other], duplicates: .rounds) } throws: {
            "\($0)".contains("combines repeated runs of one host and build") && "\($0)".contains("another CPU")
        }
        var noSamples = helper.result("c.csv", rounds(1e-3, [1.0]))
        noSamples.sidecar = nil
        noSamples = ResultSet(path: "c.csv", columns: noSamples.columns, rows: noSamples.rows, sidecar: nil)
        #expect { try ResultMerger.merge([a, noSamples], duplicates: .rounds) } throws: {
            "\($0)".contains("needs the raw samples: c.csv")
        }
        var failed = helper.result("d.csv", rounds(1e-3, [1.0]))
        failed.rows[0].status = .verifyFailed
        failed.rows[0].clearSpeedAndCost()
        let merged = try ResultMerger.merge([a, failed], duplicates: .rounds)
        #expect(merged.rows[0].status == .verifyFailed)
        func modeled(_ path: String, _ median: Double) -> ResultSet {
            var set = helper.result(path, rounds(1e-3, [1.0]))
            set.rows[0].backendKind = .modeled
            set.rows[0].medianSeconds = median
            return set
        }
        #expect {
            try ResultMerger.merge([modeled("e.csv", 1e-3), modeled("f.csv", 2e-3)], duplicates: .rounds)
        } throws: {
            "\($0)".contains("modeled row")
        }
        #expect(
            try ResultMerger.merge([modeled("e.csv", 1e-3), modeled("g.csv", 1e-3)], duplicates: .rounds).rows.count
                == 1)
        // One run twice (merge X X): refused, never pooled with itself.
        #expect { try ResultMerger.merge([a, a], duplicates: .rounds) } throws: {
            "\($0)".contains("merging a run with itself would count its rows and samples twice")
        }
    }
}
