import BenchTestSupport
import Foundation
import Testing

/// Issue 29, item 20: files that contradict themselves are refused in one line, exit 2.
@Suite("Hardening: rows and sidecars that contradict themselves")
struct HardeningRound2RowsTests {
    static let row = #"gemm/fp32/M=64,N=64,K=64",gemm,fp32,"M=64,N=64,K=64",cpu-blas,measured"#

    @Test(
        "a row that contradicts its case id, a failed row with a speed, a relabelled row, an unknown unit",
        arguments: [
            (
                row, #"gemm/fp32/M=64,N=64,K=64",attention_fwd_bwd,fp32,"M=64,N=64,K=64",cpu-blas,measured"#,
                "column kernel"
            ),
            (row, #"gemm/fp32/M=64,N=64,K=64",gemm,fp64,"M=64,N=64,K=64",cpu-blas,measured"#, "column dtype"),
            (row, #"gemm/fp32/M=64,N=64,K=64",gemm,fp32,"M=1,N=1,K=1",cpu-blas,measured"#, "column shape"),
            (
                row, #"gemm/fp32/M=64,N=64,K=64",gemm,fp32,"M=64,N=64,K=64",cpu-blas,modeled"#,
                "a modeled row has no samples"
            ),
            ("2,ok,30,0.001000023596733453", "2,error,30,0.001000023596733453", "an error row reports no speed"),
            (
                "calls/s,,,,\"fixture, with a comma\"", "bananas/s,,,,\"fixture, with a comma\"",
                "unknown unit 'bananas/s'"
            ),
        ])
    func contradictions(text: String, replacement: String, words: String) throws {
        let dir = try editedCopyOfSame(replacing: text, with: replacement)
        let r = try BenchBinary.locate().run(["summarize", dir.appendingPathComponent("same.csv").path])
        #expect(r.status == 2, "stderr: \(r.stderr)")
        #expect(r.stderr.contains(words) && r.stderr.split(separator: "\n").count == 1, "stderr: \(r.stderr)")
    }

    /// A copy of the `same` fixture whose sidecar went through `edit`.
    func sidecarEdited(_ edit: (inout [String: Any]) -> Void) throws -> URL {
        let dir = try editedCopyOfSame(replacing: "", with: "")
        let url = dir.appendingPathComponent("same.json")
        var json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        edit(&json)
        try JSONSerialization.data(withJSONObject: json).write(to: url)
        return dir
    }

    @Test("a sidecar with no calls per sample for its samples, negative cores or a negative peak")
    func impossibleSidecars() throws {
        let zeroCalls = try sidecarEdited { json in
            var rows = json["rows"] as? [[String: Any]] ?? []
            rows[0]["calls_per_sample"] = 0
            json["rows"] = rows
        }
        let negativeCores = try sidecarEdited { json in
            var env = json["environment"] as? [String: Any] ?? [:]
            env["logical_cores"] = -2
            json["environment"] = env
        }
        let negativePeak = try sidecarEdited { json in
            var env = json["environment"] as? [String: Any] ?? [:]
            env["peak"] = [["dtype": "fp32", "threads": 1, "flops_per_second": -5.0]]
            json["environment"] = env
        }
        for (dir, words) in [
            (zeroCalls, "0 calls per sample"), (negativeCores, "-2 cores"), (negativePeak, "a fp32 peak of -5.0"),
        ] {
            let r = try BenchBinary.locate().run(["summarize", dir.appendingPathComponent("same.csv").path])
            #expect(r.status == 2 && r.stderr.contains(words), "stderr: \(r.stderr)")
        }
    }

    @Test("a CSV with two runs' rows beside one run's sidecar is refused: runs are combined with bench merge")
    func twoRuns() throws {
        let fixtures = HardeningRound2Tests.compareFixtures
        let dir = try temporaryDirectory()
        var csv = try String(contentsOf: fixtures.appendingPathComponent("same.csv"), encoding: .utf8)
        let lines = csv.split(separator: "\n", omittingEmptySubsequences: false)
        // A row of another run, at another thread count (so its key is new).
        let extra = String(lines[1]).replacingOccurrences(of: "0000000000c0", with: "0000000000d0")
            .replacingOccurrences(
                of: ",measured,Test CPU (OpenBLAS SkylakeX),2,", with: ",measured,Test CPU (OpenBLAS SkylakeX),1,")
        csv += extra + "\n"
        try csv.write(to: dir.appendingPathComponent("same.csv"), atomically: true, encoding: .utf8)
        try FileManager.default.copyItem(
            at: fixtures.appendingPathComponent("same.json"), to: dir.appendingPathComponent("same.json"))
        let r = try BenchBinary.locate().run(["summarize", dir.appendingPathComponent("same.csv").path])
        #expect(r.status == 2 && r.stderr.contains("rows of 2 runs"), "stderr: \(r.stderr)")
    }

    @Test("bytes that are not UTF-8 are named as such, not as a wrong field count (item 21)")
    func invalidUTF8() throws {
        let dir = try editedCopyOfSame(replacing: "", with: "")
        let url = dir.appendingPathComponent("same.csv")
        var bytes = [UInt8](try Data(contentsOf: url))
        let word = Array("fixture".utf8)
        let at = try #require(bytes.indices.first { Array(bytes[$0..<min($0 + word.count, bytes.count)]) == word })
        bytes.replaceSubrange(at..<(at + 1), with: [0xFF, 0x22, 0x2C])  // an invalid byte and a stray quote
        try Data(bytes).write(to: url)
        let r = try BenchBinary.locate().run(["summarize", url.path])
        #expect(
            r.status == 2 && r.stderr.contains("not UTF-8 text: an invalid byte at offset \(at)"), "stderr: \(r.stderr)"
        )
    }

    @Test("a catalog overlay of another schema version, or with an empty model, is refused")
    func overlays() throws {
        let dir = try temporaryDirectory()
        let v2 = dir.appendingPathComponent("v2.json")
        try Data(
            #"{"schema_version": 2, "catalog_version": "x", "currency": "USD", "devices": [], "instances": []}"#.utf8
        )
        .write(to: v2)
        let empty = dir.appendingPathComponent("empty-model.json")
        try Data(
            #"{"schema_version": 1, "catalog_version": "x", "currency": "USD", "devices": [{"name": "h100", "display_name": "H", "vendor": "NVIDIA", "kind": "nvidia_gpu", "peak_dense_tflops": {}, "peak_sparse_tflops": {}, "model": {}, "notes": "n"}], "instances": []}"#
                .utf8
        ).write(to: empty)
        for (file, words) in [(v2, "unknown schema_version 2"), (empty, "an empty model sets nothing")] {
            let r = try BenchBinary.locate().run(["catalog", "--catalog", file.path])
            #expect(r.status == 2 && r.stderr.contains(words), "stderr: \(r.stderr)")
        }
    }
}
