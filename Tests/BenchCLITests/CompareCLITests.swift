import BenchCore
import BenchResults
import BenchTestSupport
import Foundation
import Testing

@Suite("bench compare and merge end to end")
struct CompareCLITests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
        "Fixtures/compare")

    func compare(_ args: [String]) throws -> BenchBinary.Result {
        try BenchBinary.locate().run(["compare"] + args, in: Self.fixtures)
    }

    @Test("exit 1 on a regression, 0 without one; never 0 when a regression was found")
    func exitCodes() throws {
        #expect(try compare(["baseline.csv", "regressed.csv"]).status == 1)
        #expect(try compare(["baseline.csv", "same.csv"]).status == 0)
        #expect(try compare(["baseline.csv", "regressed.csv", "--threshold", "20%"]).status == 0)
        // Not comparable rows pass by default and fail with --strict.
        #expect(try compare(["baseline.csv", "other_host.csv"]).status == 0)
        #expect(try compare(["baseline.csv", "other_host.csv", "--strict"]).status == 1)
        #expect(try compare(["baseline.csv", "other_host.csv", "--allow-cross-host"]).status == 0)
    }

    @Test(
        "a regressed comparison prints exactly its golden table, markdown, json and junit",
        arguments: ["table", "markdown", "json", "junit"])
    func golden(format: String) throws {
        let r = try compare(["baseline.csv", "regressed.csv", "--format", format])
        let expected = try String(
            contentsOf: Self.fixtures.appendingPathComponent("golden/regressed.\(format).txt"), encoding: .utf8)
        #expect(r.stdout == expected)
    }

    @Test("--out writes the report to a file")
    func outFile() throws {
        let dir = try temporaryDirectory()
        let out = dir.appendingPathComponent("report.xml").path
        let r = try compare(["baseline.csv", "regressed.csv", "--format", "junit", "--out", out])
        #expect(r.status == 1)
        #expect(r.stdout.isEmpty)
        #expect(try String(contentsOfFile: out, encoding: .utf8).contains("<failure type=\"regressed\""))
    }

    @Test("--backends compares two backends of one file")
    func backends() throws {
        let r = try compare(["baseline.csv", "--backends", "cpu-blas,cpu-swift", "--format", "json"])
        #expect(r.status == 1)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect(json["format_version"] as? Int == 1)
        #expect(json["regressions"] as? Int == 1)
    }

    /// Bad input: one line naming the file, record and column; exit 2.
    static let badFiles: [(String, String, String)] = [
        ("empty.csv", "", "record 1: no header row"),
        ("header.csv", ResultSchema.columnNames.joined(separator: ",") + "\n", "header only"),
        ("missing.csv", "schema_version,run_id,timestamp\n1,a,b\n", "missing required column 'suite'"),
        (
            "order.csv",
            ResultSchema.columnNames.joined(separator: ",").replacingOccurrences(
                of: "suite,case_id", with: "case_id,suite") + "\n", "out of order"
        ),
        ("garbage.csv", String(decoding: (0..<600).map { UInt8(($0 * 37 + 11) % 256) }, as: UTF8.self), "garbage.csv"),
    ]

    @Test("binary garbage (invalid UTF-8, NUL bytes) is refused with one line and exit 2")
    func binaryGarbage() throws {
        let dir = try temporaryDirectory()
        let path = dir.appendingPathComponent("garbage.bin")
        var g = SplitMix64(seed: 99)
        try Data((0..<4096).map { _ in UInt8(truncatingIfNeeded: g.next()) }).write(to: path)
        let r = try compare([path.path, Self.fixtures.appendingPathComponent("same.csv").path])
        #expect(r.status == 2, "stderr: \(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1)
        #expect(r.stderr.contains("garbage.bin"))
    }

    @Test("invalid files are refused with one line and exit 2", arguments: badFiles)
    func badInput(name: String, content: String, message: String) throws {
        let dir = try temporaryDirectory()
        let path = dir.appendingPathComponent(name).path
        try content.write(toFile: path, atomically: true, encoding: .utf8)
        let r = try compare([path, Self.fixtures.appendingPathComponent("same.csv").path])
        #expect(r.status == 2, "stdout: \(r.stdout) stderr: \(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1, "stderr: \(r.stderr)")
        #expect(r.stderr.contains(message), "stderr: \(r.stderr)")
    }

    @Test(
        "bad fields name the record and column",
        arguments: [
            (14, "-0.5", "record 2, column median_s: '-0.5' is negative"),
            (14, "nan", "column median_s: 'nan' is not finite"),
            (14, "inf", "column median_s: 'inf' is not finite"),
            (0, "2", "unknown schema_version 2"),
        ])
    func badField(index: Int, value: String, message: String) throws {
        let dir = try temporaryDirectory()
        var lines = try String(
            contentsOf: Self.fixtures.appendingPathComponent("regressed_nosidecar.csv"), encoding: .utf8
        )
        .split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        // Fields 4 and 7 (case_id, shape) are quoted and contain commas: split aware of quotes.
        var fields = splitCSV(lines[1])
        fields[index] = value
        lines[1] = fields.map { $0.contains(",") ? "\"\($0)\"" : $0 }.joined(separator: ",")
        let path = dir.appendingPathComponent("bad.csv").path
        try lines.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
        let r = try compare([Self.fixtures.appendingPathComponent("baseline.csv").path, path])
        #expect(r.status == 2)
        #expect(r.stderr.contains(message), "stderr: \(r.stderr)")
    }

    func splitCSV(_ line: String) -> [String] {
        var fields: [String] = [], current = "", quoted = false
        for ch in line {
            if ch == "\"" {
                quoted.toggle()
            } else if ch == ",", !quoted {
                fields.append(current); current = ""
            } else {
                current.append(ch)
            }
        }
        fields.append(current)
        return fields
    }

    @Test("duplicate keys within one file and a sidecar from another run are refused")
    func duplicatesAndSidecar() throws {
        let dir = try temporaryDirectory()
        let text = try String(
            contentsOf: Self.fixtures.appendingPathComponent("regressed_nosidecar.csv"), encoding: .utf8)
        let lines = text.split(separator: "\n").map(String.init)
        let path = dir.appendingPathComponent("dup.csv").path
        try (lines + [lines[1]]).joined(separator: "\n").appending("\n").write(
            toFile: path, atomically: true, encoding: .utf8)
        let r = try compare([path, "same.csv"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("duplicate row"))
        let m = try compare(["baseline.csv", "sidecar_mismatch.csv"])
        #expect(m.status == 2)
        #expect(m.stderr.contains("sidecar_mismatch.json"), "stderr: \(m.stderr)")
    }

    @Test("CRLF line ends and quoted fields with commas and newlines are valid input")
    func crlfAndQuotes() throws {
        let dir = try temporaryDirectory()
        let text = try String(
            contentsOf: Self.fixtures.appendingPathComponent("regressed_nosidecar.csv"), encoding: .utf8)
        let crlf = text.replacingOccurrences(
            of: "fixture, with a comma", with: "line one\nline \"two\"".replacingOccurrences(of: "\"", with: "\"\"")
        )
        .replacingOccurrences(of: "\n", with: "\r\n")
        let path = dir.appendingPathComponent("crlf.csv").path
        try crlf.replacingOccurrences(of: "\r\n\"", with: "\n\"").write(toFile: path, atomically: true, encoding: .utf8)
        let r = try compare(["baseline.csv", path])
        #expect(r.status == 1, "stderr: \(r.stderr)")
        #expect(r.stdout.contains("regressed"))
    }

    @Test("bench merge combines shards, refuses duplicates unless --prefer latest, and the result compares")
    func merge() throws {
        let bench = try BenchBinary.locate()
        let dir = try temporaryDirectory()
        let out = dir.appendingPathComponent("all.csv").path
        let dup = try bench.run(["merge", "baseline.csv", "same.csv", "--out", out], in: Self.fixtures)
        #expect(dup.status == 2)
        #expect(dup.stderr.contains("--prefer latest"))
        let ok = try bench.run(
            ["merge", "baseline.csv", "new_missing.csv", "--out", out, "--prefer", "latest"], in: Self.fixtures)
        #expect(ok.status == 0, "stderr: \(ok.stderr)")
        let merged = try ResultSet(path: out)
        #expect(merged.rows.count == 4)
        #expect(merged.sidecar?.mergedFrom?.count == 2)
        #expect(try bench.run(["compare", out, "same.csv"], in: Self.fixtures).status == 0)
    }

    @Test(
        "bad compare usage is refused with exit 2",
        arguments: [
            (["baseline.csv", "same.csv", "--metric", "speed"], "unknown metric 'speed'"),
            (["baseline.csv", "same.csv", "--threshold", "lots"], "not a threshold"),
            (["baseline.csv", "same.csv", "--format", "pdf"], "unknown format 'pdf'"),
            (["baseline.csv", "--backends", "cpu-blas,gpu"], "no rows of backend 'gpu'"),
            (["baseline.csv", "nosuch.csv"], "nosuch.csv"),
            (["baseline.csv", "same.csv", "--thresholds", "nosuch.yaml"], "cannot read"),
        ])
    func badUsage(args: [String], message: String) throws {
        let r = try compare(args)
        #expect(r.status == 2)
        #expect(r.stderr.contains(message), "stderr: \(r.stderr)")
    }
}
