import BenchCore
import BenchResults
import BenchTestSupport
import Foundation
import Testing

@Suite("The sidecar read a batch of rows at a time")
struct SidecarStreamTests {
    /// A sidecar of `n` rows (samples, rounds, a verification on some, a string with brackets,
    /// quotes and escapes in a key) as bench writes it.
    func sidecar(rows n: Int) -> Sidecar {
        var s = Sidecar(
            runID: "r", csvFile: "x.csv", suite: "matmul", startedAt: "a", finishedAt: "b", interrupted: false,
            environment: testEnvironment(), rows: [])
        s.notes = ["a note with \"rows\": [1, 2] and a \\ backslash ]}"]
        for i in 0..<n {
            var r = SidecarRow(
                key: RowKey(
                    suite: "matmul", caseID: "gemm/fp32/M=\(i),N=1,K=1", backend: BackendID("cpu-{\"x\"]-\(i)"),
                    threads: 2),
                status: i % 3 == 0 ? .ok : .unsupported,
                samplesSeconds: i % 3 == 0 ? [1e-3, 0.1 + Double(i) * 1.2345678901234567e-7, Double(i) * 1e-6] : [],
                callsPerSample: i % 3 == 0 ? 4 : 0,
                stopReason: i % 3 == 0 ? .budget : nil)
            if i % 3 == 0 {
                r.rounds = [
                    SidecarRound(samples: 1, callsPerSample: 4, warmupCalls: 1, stopReason: .budget),
                    SidecarRound(samples: 2, callsPerSample: 4, warmupCalls: 0, stopReason: .precision),
                ]
            }
            s.rows.append(r)
        }
        return s
    }

    func write(_ text: String) throws -> String {
        let path = try temporaryDirectory().appendingPathComponent("x.json").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test(
        "every row comes back in order, the rest of the document too, at any chunk and batch size",
        arguments: [(1, 1), (7, 64), (1 << 22, 1 << 22)])
    func roundTrip(chunk: Int, batch: Int) throws {
        let s = sidecar(rows: 50)
        let path = try write(String(decoding: try Sidecar.encoder.encode(s), as: UTF8.self))
        var rows: [SidecarRow] = []
        var indices: [Int] = []
        let header = try ResultReader.streamSidecar(path: path, chunk: chunk, batchBytes: batch) { (i, r) in
            indices.append(i)
            rows.append(r)
        }
        #expect(rows == s.rows)
        #expect(indices == Array(0..<50))
        var expected = s
        expected.rows = []
        #expect(header == expected)
        // Compact JSON (no whitespace) reads the same.
        let compact = JSONEncoder()
        compact.outputFormatting = [.sortedKeys]
        let tight = try write(String(decoding: try compact.encode(s), as: UTF8.self))
        #expect(try ResultReader.readSidecar(path: tight) == s)
    }

    @Test("written a batch of rows at a time, byte for byte the whole document's encoding", arguments: [0, 1, 2500])
    func streamedEncoding(rows: Int) throws {
        let s = sidecar(rows: rows)
        let path = try temporaryDirectory().appendingPathComponent("w.json").path
        try OutputFile.write(to: path) { (out) throws(ResultFileError) in try s.encode(to: out, path: path) }
        let written = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(written == (try Sidecar.encoder.encode(s)))
        #expect(try ResultReader.readSidecar(path: path) == s)
    }

    @Test("samples written by hand as the encoder writes numbers: integers, exponents, extremes; non-finite left to it")
    func sampleFormatting() throws {
        var s = sidecar(rows: 3)
        s.rows[0].samplesSeconds = [0, 1, 100, 1e15, 1e16, 1.2345678901234567e19, 5e-324, 1.7976931348623157e308]
        s.rows[1].samplesSeconds = [0.1, 2.5e-7, 1e-5, 4.925328571428574e-05, 0.0001]
        s.rows[2].samplesSeconds = [1, .infinity]
        for k in s.rows.indices { s.rows[k].callsPerSample = 4 }
        let path = try temporaryDirectory().appendingPathComponent("f.json").path
        try OutputFile.write(to: path) { (out) throws(ResultFileError) in try s.encode(to: out, path: path) }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == (try Sidecar.encoder.encode(s)))
        s.rows.removeLast()
        try OutputFile.write(to: path) { (out) throws(ResultFileError) in try s.encode(to: out, path: path) }
        #expect(try ResultReader.readSidecar(path: path) == s)
    }

    @Test("bad documents: one line naming the problem, with the row's index in the whole file")
    func refusals() throws {
        let good = String(decoding: try Sidecar.encoder.encode(sidecar(rows: 40)), as: UTF8.self)
        func refused(_ text: String, _ expected: String, batch: Int = 64) throws {
            let path = try write(text)
            #expect {
                _ = try ResultReader.streamSidecar(path: path, chunk: 5, batchBytes: batch) { _, _ in }
            } throws: { "\($0)".contains(expected) && !"\($0)".contains("\n") }
        }
        // Row 33's threads made a string: the index is counted over every batch before it.
        var rows = good.components(separatedBy: "\"threads\" : 2")
        #expect(rows.count == 41)
        rows[33] += "\"threads\" : \"two\""
        let broken =
            rows[0...33].joined(separator: "\"threads\" : 2") + rows[34...].joined(separator: "\"threads\" : 2")
        try refused(broken, "rows[33]")
        try refused(good.replacingOccurrences(of: "\"rows\" : [", with: "\"rows\" : [ ,"), "not a valid sidecar")
        try refused(
            String(good.dropLast(2)), "the document ends before its last bracket closes")
        try refused(
            good.replacingOccurrences(of: "\"run_id\" : \"r\"", with: "\"run_id\" : \"r\", \"rows\" : []"),
            "the key \"rows\" appears twice")
        try refused(String(repeating: "[", count: 5000), "nested deeper than")
        try refused("{\"rows\": [" + String(repeating: "{\"a\":", count: 100) + "1", "nested deeper than")
        // A trailing comma after the last row, whether or not a batch was cut there.
        let lastRow = try #require(good.range(of: "}\n  ],", options: .backwards))
        let trailing = good.replacingCharacters(in: lastRow, with: "},\n  ],")
        try refused(trailing, "not a valid sidecar")
        try refused(trailing, "a comma after the last row", batch: 1)
        try refused(
            good.replacingOccurrences(of: "\"rows\" : [", with: "\"rows\" : 5, \"x\" : ["), "not a valid sidecar")
        // The samples, read by the scanner: JSON numbers only, one comma between two.
        let samples = try #require(good.range(of: "\"samples_s\" : ["))
        for (bad, expected) in [
            ("\"inf\", ", "rows[0].samples_s: a sample that is not a number"), ("1 2, ", "two numbers without a comma"),
            ("1,, ", "an empty element"), (", ", "an empty element"), ("01, ", "'01' is not a number"),
            ("1., ", "'1.' is not a number"), ("-, ", "'-' is not a number"), ("1e, ", "'1e' is not a number"),
        ] {
            try refused(good.replacingCharacters(in: samples, with: "\"samples_s\" : [" + bad), expected)
        }
        let last = try #require(good.range(of: "\"samples_s\" : [", options: .backwards))
        let closing = try #require(good.range(of: "]", range: last.upperBound..<good.endIndex))
        try refused(good.replacingCharacters(in: closing, with: ", ]"), "a comma after the last sample")
        try refused(
            good.replacingCharacters(in: samples, with: "\"samples_s\" : [], \"samples_s\" : ["),
            "rows[0]: the key \"samples_s\" appears twice")
    }
}
