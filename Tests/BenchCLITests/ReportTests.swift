import BenchCore
import BenchResults
import BenchTestSupport
import Foundation
import Testing

/// `bench report` on real runs, checked in a real headless browser (Debian's
/// chromium-headless-shell driven by Playwright; scripts/test installs both).
@Suite("bench report", .serialized)
struct ReportTests {
    static let checker = PluginTests.fixtures.deletingLastPathComponent().appendingPathComponent(
        "report/check_report.py")
    static let browser = ["/usr/bin/chromium-headless-shell", "/usr/lib/chromium/chromium-headless-shell"].contains {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    func bench(_ args: [String]) throws -> BenchBinary.Result { try BenchBinary.locate().run(args) }

    /// Runs the browser check of `report` against `csvs`; the screenshot goes to `png`.
    func check(_ report: String, _ csvs: [String], png: String) throws -> BenchBinary.Result {
        try BenchBinary(url: URL(fileURLWithPath: "/usr/bin/env")).run(
            ["python3", Self.checker.path, report] + csvs + ["--screenshot", png])
    }

    /// Where screenshots are kept (results/ is git-ignored).
    static let shots = PluginTests.root.appendingPathComponent("results")

    @Test(
        "a report of real --quick runs of both suites, and of a merged two-host fleet file, passes the browser check",
        .enabled(if: browser, "needs chromium-headless-shell (scripts/test installs it)"))
    func realRuns() throws {
        let dir = try temporaryDirectory()
        try FileManager.default.createDirectory(at: Self.shots, withIntermediateDirectories: true)
        for suite in ["matmul", "training"] {
            let csv = dir.appendingPathComponent("\(suite).csv").path
            let r = try bench([
                "run", "--suite", suite, "--quick", "--budget", "0.05", "--rounds", "2", "--host-instance",
                "c7i.48xlarge",
                "--out", csv, "--report",
            ])
            #expect(r.status == 0, "stderr: \(r.stderr)")
            let html = dir.appendingPathComponent("\(suite).html").path
            #expect(FileManager.default.fileExists(atPath: html))
            let c = try check(html, [csv], png: Self.shots.appendingPathComponent("report-\(suite).png").path)
            #expect(c.status == 0, "\(c.stdout)\(c.stderr)")
            #expect(c.stdout.contains("no problem"))
        }
        // A merged fleet file with two hosts: one point per host.
        var shards: [String] = []
        for host in ["c7i.48xlarge", "c7g.16xlarge"] {
            let csv = dir.appendingPathComponent("\(host).csv").path
            #expect(
                try bench([
                    "run", "--suite", "training", "--quick", "--backend", "cpu-blas,h100", "--case", "^mlp_step",
                    "--budget", "0.02", "--rounds", "1", "--shard", "0/1", "--fleet-run", "r", "--host-instance", host,
                    "--out", csv,
                ]).status == 0)
            shards.append(csv)
        }
        let merged = dir.appendingPathComponent("fleet.csv").path
        #expect(try bench(["merge"] + shards + ["--out", merged]).status == 0)
        let html = dir.appendingPathComponent("fleet.html").path
        #expect(try bench(["report", merged, "--out", html]).status == 0)
        let c = try check(html, [merged], png: Self.shots.appendingPathComponent("report-fleet.png").path)
        #expect(c.status == 0, "\(c.stdout)\(c.stderr)")
        let text = try String(contentsOfFile: html, encoding: .utf8)
        #expect(text.contains("cpu-blas @ c7i.48xlarge fp32") && text.contains("cpu-blas @ c7g.16xlarge fp32"))
    }

    @Test(
        "hostile device strings are escaped: the page parses, no script runs",
        .enabled(if: browser, "needs chromium-headless-shell (scripts/test installs it)"))
    func hostileText() throws {
        let dir = try temporaryDirectory()
        let csv = dir.appendingPathComponent("h.csv").path
        let hostile = #"<script>window.__pwned=1</script></svg><img src=x onerror=\"window.__pwned=1\">\u202e'\"&"#
        let r = try bench([
            "run", "--suite", "matmul", "--quick", "--dtype", "fp32", "--case", "M=64,", "--backend",
            "h100,plugin:\(HostilePluginTests.hostile)", "--plugin-arg", "handshake={\"device\": \"\(hostile)\"}",
            "--host-price", "1.5", "--out", csv,
        ])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        let html = dir.appendingPathComponent("h.html").path
        #expect(try bench(["report", csv, "--out", html]).status == 0)
        let text = try String(contentsOfFile: html, encoding: .utf8)
        #expect(!text.contains("<script") && text.contains("&lt;script&gt;window.__pwned=1&lt;/script&gt;"))
        let c = try check(html, [csv], png: dir.appendingPathComponent("h.png").path)
        #expect(c.status == 0, "\(c.stdout)\(c.stderr)")
    }

    @Test("modeled points carry whiskers spanning their 80% interval, and the run's CSV holds it")
    func modeledIntervals() throws {
        let dir = try temporaryDirectory()
        let csv = dir.appendingPathComponent("m.csv").path
        let r = try bench([
            "run", "--suite", "matmul", "--quick", "--backend", "h100,trainium2", "--out", csv, "--report",
        ])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        let rows = try ResultReader.read(path: csv).rows.filter { $0.status == .ok }
        #expect(!rows.isEmpty)
        for row in rows {
            let (lo, hi, m) = (
                try #require(row.intervalLowSeconds), try #require(row.intervalHighSeconds),
                try #require(row.medianSeconds)
            )
            #expect(lo < m && m < hi, "\(row.caseID) \(row.backend): \(lo) \(m) \(hi)")
            #expect(row.notes.contains("80% interval from"))
        }
        let html = try String(contentsOfFile: dir.appendingPathComponent("m.html").path, encoding: .utf8)
        #expect(html.components(separatedBy: "class=\"whisker\"").count - 1 >= rows.count, "one whisker pair per point")
        #expect(html.contains("80% prediction interval"))
    }

    @Test("bad input: one line and exit 2; no ok rows: a report that says so; markdown for CI summaries")
    func badInputAndMarkdown() throws {
        let dir = try temporaryDirectory()
        let missing = dir.appendingPathComponent("none.csv").path
        let r1 = try bench(["report", missing])
        #expect(r1.status == 2 && r1.stderr.split(separator: "\n").count == 1, "\(r1.stderr)")
        // A CSV without its sidecar.
        let csv = dir.appendingPathComponent("m.csv").path
        #expect(try bench(["run", "--suite", "matmul", "--quick", "--backend", "h100", "--out", csv]).status == 0)
        let lone = dir.appendingPathComponent("lone.csv").path
        try FileManager.default.copyItem(atPath: csv, toPath: lone)
        let r2 = try bench(["report", lone])
        #expect(r2.status == 2 && r2.stderr.contains("no sidecar"), "\(r2.stderr)")
        // No ok rows: every case unsupported on cpu-blas (bf16).
        let none = dir.appendingPathComponent("bf16.csv").path
        #expect(
            try bench([
                "run", "--suite", "matmul", "--quick", "--backend", "cpu-blas", "--dtype", "bf16", "--out", none,
            ])
            .status == 0)
        let html = dir.appendingPathComponent("bf16.html").path
        #expect(try bench(["report", none, "--out", html]).status == 0)
        #expect(try String(contentsOfFile: html, encoding: .utf8).contains("id=\"no-ok-rows\""))
        let md = try bench(["report", csv, "--format", "markdown"])
        #expect(md.status == 0 && md.stdout.hasPrefix("## bench report") && md.stdout.contains("h100 fp32 (modeled)"))
        // With a baseline: the comparison view.
        let again = dir.appendingPathComponent("m2.csv").path
        #expect(try bench(["run", "--suite", "matmul", "--quick", "--backend", "h100", "--out", again]).status == 0)
        let cmp = dir.appendingPathComponent("cmp.html").path
        #expect(try bench(["report", again, "--baseline", csv, "--out", cmp]).status == 0)
        let text = try String(contentsOfFile: cmp, encoding: .utf8)
        #expect(text.contains("id=\"table-compare\"") && text.contains("unchanged"))
        // Two runs of one suite on one host: the history view.
        let hist = dir.appendingPathComponent("hist.html").path
        #expect(try bench(["report", csv, again, "--out", hist]).status == 0)
        #expect(try String(contentsOfFile: hist, encoding: .utf8).contains("id=\"history\""))
    }

    @Test("history: two runs of one host, the second 10% slower, mark the regression where compare flags it")
    func historyMarksRegressions() throws {
        // The frozen compare fixtures: fixed samples ±0.5% around a base time, the candidate 10%
        // slower on some cases. A measured run here would make the verdict depend on how loaded
        // the test machine is (a 3× slowdown was once called `noisy` under a full parallel test
        // run), and the report, not the measurement, is under test.
        let dir = try temporaryDirectory()
        let fixtures = CompareCLITests.fixtures
        for (name, stamp) in [("baseline", "2026-11-26T00:00:00Z"), ("regressed", "2026-11-27T00:00:00Z")] {
            for ext in ["csv", "json"] {
                var text = try String(
                    contentsOf: fixtures.appendingPathComponent("\(name).\(ext)"), encoding: .utf8)
                text = text.replacingOccurrences(of: "2026-11-26T00:00:00Z", with: stamp)
                try text.write(to: dir.appendingPathComponent("\(name).\(ext)"), atomically: true, encoding: .utf8)
            }
        }
        let first = dir.appendingPathComponent("baseline.csv").path
        let later = dir.appendingPathComponent("regressed.csv").path
        let verdicts = try bench(["compare", first, later, "--format", "json"])
        #expect(verdicts.stdout.contains("\"regressed\""), "compare flags nothing: \(verdicts.stdout.prefix(400))")
        let html = dir.appendingPathComponent("h.html").path
        let r = try bench(["report", first, later, "--out", html])
        #expect(r.status == 0, "\(r.stderr)")
        let text = try String(contentsOfFile: html, encoding: .utf8)
        #expect(text.contains("id=\"chart-history-0\""))
        #expect(text.contains("(regressed)"), "no regression marked")
        // Oldest first: the later run's column comes second.
        let older = try #require(text.range(of: "<th>2026-11-26T00:00</th>"))
        let newer = try #require(text.range(of: "<th>2026-11-27T00:00</th>"))
        #expect(older.lowerBound < newer.lowerBound)
    }
    @Test("history of counted runs: estimated cycles per call, the 2% regression marked at the counts threshold")
    func countedHistory() throws {
        let dir = try temporaryDirectory()
        let fixtures = CountsEndToEndTests.fixtures
        for name in ["base", "regressed"] {
            for ext in ["csv", "json"] {
                var text = try String(
                    contentsOf: fixtures.appendingPathComponent("\(name).\(ext)"), encoding: .utf8)
                if name == "regressed" {
                    // A later run of its own.
                    text = text.replacingOccurrences(of: "03bf5442-8753-4323-a803-3259b840a48c", with: "later-run")
                        .replacingOccurrences(of: "2026-12-06T19:33:10Z", with: "2026-12-07T08:00:00Z")
                }
                try text.write(to: dir.appendingPathComponent("\(name).\(ext)"), atomically: true, encoding: .utf8)
            }
        }
        let html = dir.appendingPathComponent("h.html").path
        let r = try bench([
            "report", dir.appendingPathComponent("base.csv").path, dir.appendingPathComponent("regressed.csv").path,
            "--out", html,
        ])
        #expect(r.status == 0, "\(r.stderr)")
        let text = try String(contentsOfFile: html, encoding: .utf8)
        #expect(text.contains("estimated cycles per call of each counted case"))
        let marked = text.components(separatedBy: "(regressed)").count - 1
        // The one row 2% slower, in its chart point and its table cell.
        #expect(marked == 2, "\(marked) marks")
        #expect(text.contains("est. cycles (regressed)"))
    }
}
