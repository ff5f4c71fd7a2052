import BenchCore
import BenchResults
import BenchTestSupport
import Foundation
import Testing

@Suite("Results CSV and sidecar")
struct ResultFileTests {
    func sampleEnvironment() -> HostEnvironment { testEnvironment() }

    @Test("the header is exactly the v1 columns in order")
    func header() {
        #expect(
            ResultSchema.requiredColumnNames.joined(separator: ",")
                == "schema_version,run_id,timestamp,suite,case_id,kernel,dtype,shape,backend,backend_kind,device,threads,status,samples,median_s,p10_s,p90_s,ci_low_s,ci_high_s,flops,bytes,tflops,throughput,throughput_unit,price_usd_per_hour,usd_per_pflop,usd_per_million_units,notes"
        )
    }

    @Test("rows written, renamed and read back are equal; case_id and shape are quoted")
    func roundTrip() throws {
        let dir = try temporaryDirectory()
        let dest = dir.appendingPathComponent("run.csv")
        let writer = try ResultWriter(destination: dest)
        let rows = [
            makeRow(), makeRow(backend: "cpu-swift", median: 1.25e-7),
            makeRow(caseID: "gemm/fp64/M=8,N=8,K=8", status: .unsupported, median: nil, notes: "quote \" and\nnewline"),
        ]
        for r in rows {
            try writer.append(
                r, samples: SidecarRow(key: r.key, status: r.status, samplesSeconds: [0.001, 0.002], callsPerSample: 1))
        }
        #expect(FileManager.default.fileExists(atPath: writer.partial.path))
        try writer.finish { rows in
            Sidecar(
                runID: "r", csvFile: "run.csv", suite: "matmul", startedAt: "a", finishedAt: "b",
                interrupted: false, environment: self.sampleEnvironment(), rows: rows)
        }
        #expect(!FileManager.default.fileExists(atPath: writer.partial.path))
        let text = try String(contentsOf: dest, encoding: .utf8)
        #expect(text.contains(",\"gemm/fp32/M=64,N=64,K=64\",gemm,fp32,\"M=64,N=64,K=64\",cpu-blas,"))
        let read = try ResultReader.read(path: dest.path)
        #expect(
            read.columns == ResultSchema.requiredColumnNames + [
                "mfu", "tokens_per_step", "bound", "perf_per_dollar", "catalog_version", "plugin_overhead_s", "model_s",
                "model_error", "rounds", "host", "energy_j_per_unit", "energy_source", "instructions", "l1_misses",
                "ll_misses",
                "est_cycles", "interval_low_s", "interval_high_s",
            ])
        #expect(read.rows.map(\.fields) == rows.map(\.fields))
        #expect(read.rows == rows)
        let sidecar = try ResultReader.readSidecar(path: dir.appendingPathComponent("run.json").path)
        #expect(sidecar.schemaVersion == 1)
        #expect(sidecar.rows.map(\.key) == rows.map(\.key))
        #expect(sidecar.rows[0].samplesSeconds == [0.001, 0.002])
    }

    @Test("the sidecar's JSON uses the documented snake_case keys")
    func sidecarKeys() throws {
        let s = Sidecar(
            runID: "r", csvFile: "x.csv", suite: "matmul", startedAt: "a", finishedAt: "b", interrupted: true,
            environment: sampleEnvironment(),
            rows: [
                SidecarRow(
                    key: RowKey(suite: "matmul", caseID: "c", backend: "b", threads: 2), status: .ok,
                    samplesSeconds: [1], callsPerSample: 3, warmupCalls: 4, stopReason: .budget)
            ])
        let json = try #require(String(data: try JSONEncoder().encode(s), encoding: .utf8))
        for key in [
            "\"schema_version\"", "\"run_id\"", "\"csv_file\"", "\"interrupted\"", "\"cpu_model\"", "\"compiled_isa\"",
            "\"kernel_variant\"", "\"git_commit\"", "\"command_line\"", "\"samples_s\"", "\"calls_per_sample\"",
            "\"case_id\"", "\"threads\"", "\"stop_reason\"",
        ] {
            #expect(json.contains(key), "missing \(key)")
        }
        #expect(try JSONDecoder().decode(Sidecar.self, from: Data(json.utf8)) == s)
    }

    @Test("readers accept unknown trailing columns and CRLF line ends")
    func trailingColumnsAndCRLF() throws {
        let dir = try temporaryDirectory()
        let path = dir.appendingPathComponent("x.csv").path
        let row = makeRow()
        let header = (ResultSchema.requiredColumnNames + ["mfu", "from_a_later_build"]).joined(separator: ",")
        let fields =
            row.fields.prefix(ResultSchema.requiredCount).map { $0.contains(",") ? "\"\($0)\"" : $0 } + ["0.5", "x"]
        try (header + "\r\n" + fields.joined(separator: ",") + "\r\n").write(
            toFile: path, atomically: true, encoding: .utf8)
        let read = try ResultReader.read(path: path)
        #expect(read.rows.count == 1)
        #expect(read.rows[0].mfu == 0.5)
        #expect(read.rows[0].bound == nil)
        #expect(read.rows[0].medianSeconds == row.medianSeconds)
    }

    @Test(
        "invalid CSVs are rejected naming the record and column",
        arguments: [
            ("", "no header"),
            ("schema_version,run_id\n", "missing required column 'timestamp'"),
            ("run_id,schema_version\n", "out of order"),
        ])
    func invalid(content: String, message: String) throws {
        let dir = try temporaryDirectory()
        let path = dir.appendingPathComponent("bad.csv").path
        try content.write(toFile: path, atomically: true, encoding: .utf8)
        #expect {
            try ResultReader.read(path: path)
        } throws: { error in
            "\(error)".contains(message)
        }
    }

    @Test(
        "a bad field names its record and column",
        arguments: [
            (14, "fast", "record 2, column median_s"),
            (0, "9", "unknown schema_version 9"),
            (12, "great", "column status"),
            (14, "-1", "negative"),
            (14, "nan", "not finite"),
        ])
    func badField(index: Int, value: String, message: String) throws {
        let dir = try temporaryDirectory()
        let path = dir.appendingPathComponent("bad.csv").path
        var fields = Array(makeRow().fields.prefix(ResultSchema.requiredCount))
        fields[index] = value
        let line = fields.map { $0.contains(",") ? "\"\($0)\"" : $0 }.joined(separator: ",")
        try (ResultSchema.requiredColumnNames.joined(separator: ",") + "\n" + line + "\n").write(
            toFile: path, atomically: true, encoding: .utf8)
        #expect {
            try ResultReader.read(path: path)
        } throws: { error in
            "\(error)".contains(message)
        }
    }

    @Test("a missing output directory is refused before writing")
    func missingDirectory() {
        #expect(throws: ResultFileError.self) {
            try ResultWriter(destination: URL(fileURLWithPath: "/nonexistent-dir-\(UUID())/x.csv"))
        }
    }
}
