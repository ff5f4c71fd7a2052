import BenchCore
import BenchResults
import BenchTestSupport
import Foundation
import Testing

/// Fleet runs: `--shard`, fleet-aware `bench merge`, the `host` column, `compare --hosts` and
/// `--host-instance auto` against a fake instance metadata service.
@Suite("Fleets: shards, merge, hosts and instance metadata", .serialized)
struct FleetTests {
    func bench(_ args: [String], environment: [String: String] = [:]) throws -> BenchBinary.Result {
        try BenchBinary.locate().run(args, environment: environment)
    }

    func expectRefused(_ r: BenchBinary.Result, _ message: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(r.status == 2, "stderr: \(r.stderr)", sourceLocation: sourceLocation)
        #expect(r.stderr.split(separator: "\n").count == 1, "stderr: \(r.stderr)", sourceLocation: sourceLocation)
        #expect(r.stderr.contains(message), "stderr: \(r.stderr)", sourceLocation: sourceLocation)
    }

    /// A quick training run of the h100 model (deterministic, no measuring) and, with
    /// `measured`, a short cpu-blas run of the MLP cases.
    func run(_ out: String, _ extra: [String], measured: Bool = false, environment: [String: String] = [:]) throws
        -> BenchBinary.Result
    {
        try bench(
            [
                "run", "--suite", "training", "--quick", "--backend", measured ? "h100,cpu-blas" : "h100", "--budget",
                "0.02", "--rounds", "1", "--out", out,
            ] + (measured ? ["--case", "^mlp_step"] : []) + extra, environment: environment)
    }

    @Test(
        "bad --shard forms and engine variables: one line, exit 2, nothing run",
        arguments: [
            (["--shard", "0/0"], [String: String](), "'0/0' is not I/N"),
            (["--shard", "4/4"], [:], "'4/4' is not I/N"), (["--shard=-1/3"], [:], "'-1/3' is not I/N"),
            (["--shard", "a/b"], [:], "'a/b' is not I/N"), (["--shard", "1/3/5"], [:], "'1/3/5' is not I/N"),
            (["--shard", "auto"], [:], "no job-engine variables"),
            (["--shard", "auto"], ["BENCH_SHARD_INDEX": "x", "BENCH_SHARD_COUNT": "4"], "BENCH_SHARD_INDEX='x'"),
            (
                ["--shard", "auto"], ["AWS_BATCH_JOB_ARRAY_INDEX": "4", "AWS_BATCH_JOB_ARRAY_SIZE": "4"],
                "index 4 is not below the count 4"
            ),
            (["--shard", "auto"], ["JOB_COMPLETION_INDEX": "1"], "BENCH_SHARD_COUNT is not set"),
            (["--shard", "40/50"], [:], "50 shards of 15 selected cases"),
        ])
    func badShards(args: [String], environment: [String: String], message: String) throws {
        let out = try temporaryDirectory().appendingPathComponent("x.csv").path
        expectRefused(try run(out, args, environment: environment), message)
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    @Test("shards from every engine's variables cover the suite exactly once; merge checks the fleet")
    func shardsCoverTheSuite() throws {
        let dir = try temporaryDirectory()
        let whole = dir.appendingPathComponent("whole.csv").path
        #expect(try run(whole, []).status == 0)
        let all = try ResultSet(path: whole).rows.map(\.caseID).sorted()
        // Four shards, each from another engine's variables (Slurm with MIN and STEP).
        let engines: [[String: String]] = [
            ["BENCH_SHARD_INDEX": "0", "BENCH_SHARD_COUNT": "4", "BENCH_FLEET_RUN": "f"],
            ["AWS_BATCH_JOB_ARRAY_INDEX": "1", "AWS_BATCH_JOB_ARRAY_SIZE": "4", "AWS_BATCH_JOB_ID": "f:1"],
            [
                "SLURM_ARRAY_TASK_ID": "7", "SLURM_ARRAY_TASK_MIN": "3", "SLURM_ARRAY_TASK_STEP": "2",
                "SLURM_ARRAY_TASK_COUNT": "4", "SLURM_ARRAY_JOB_ID": "f",
            ],
            ["JOB_COMPLETION_INDEX": "3", "BENCH_SHARD_COUNT": "4", "JOB_NAME": "f"],
        ]
        var shards: [String] = []
        for (i, env) in engines.enumerated() {
            let out = dir.appendingPathComponent("s\(i).csv").path
            let r = try run(out, ["--shard", "auto"], environment: env)
            #expect(r.status == 0, "stderr: \(r.stderr)")
            let fleet = try #require(try ResultSet(path: out).sidecar?.fleet)
            #expect(fleet.runID == "f" && fleet.shardIndex == i && fleet.shardCount == 4, "\(fleet)")
            shards.append(out)
        }
        let merged = dir.appendingPathComponent("m.csv").path
        let m = try bench(["merge"] + shards + ["--out", merged])
        #expect(m.status == 0, "stderr: \(m.stderr)")
        #expect(try ResultSet(path: merged).rows.map(\.caseID).sorted() == all)
        // A missing shard, a shard twice: refused, nothing written.
        let bad = dir.appendingPathComponent("bad.csv").path
        expectRefused(try bench(["merge"] + shards.dropLast() + ["--out", bad]), "shard(s) 3 missing")
        expectRefused(try bench(["merge"] + shards + [shards[0], "--out", bad]), "shard(s) 0 given twice")
        #expect(!FileManager.default.fileExists(atPath: bad))
        // --allow-partial merges and says what is missing.
        #expect(try bench(["merge"] + shards.dropLast() + ["--allow-partial", "--out", bad]).status == 0)
        #expect(try ResultSet(path: bad).sidecar?.notes?.first?.contains("lacks shard(s) 3 of 4") == true)
        // A shard of another suite in the same fleet group: refused.
        let other = dir.appendingPathComponent("other.csv").path
        #expect(
            try bench([
                "run", "--suite", "matmul", "--quick", "--backend", "h100", "--shard", "3/4", "--fleet-run", "f",
                "--out", other,
            ]).status == 0)
        expectRefused(try bench(["merge"] + shards.dropLast() + [other, "--out", bad]), "shards differ in suite")
    }

    @Test("two hosts of one fleet merge side by side (modeled rows once) and compare with --hosts")
    func twoHosts() throws {
        let dir = try temporaryDirectory()
        var files: [String] = []
        for host in ["c7i.48xlarge", "c7g.16xlarge"] {
            let out = dir.appendingPathComponent("\(host).csv").path
            let r = try run(out, ["--shard", "0/1", "--fleet-run", "g", "--host-instance", host], measured: true)
            #expect(r.status == 0, "stderr: \(r.stderr)")
            files.append(out)
        }
        let merged = dir.appendingPathComponent("m.csv").path
        #expect(try bench(["merge"] + files + ["--out", merged]).status == 0)
        let set = try ResultSet(path: merged)
        let measured = set.rows.filter { $0.backendKind == .measured }
        #expect(Set(measured.map(\.host)) == ["c7i.48xlarge", "c7g.16xlarge"])
        #expect(set.rows.filter { $0.backendKind == .modeled }.allSatisfy { $0.host.isEmpty })
        #expect(set.rows.filter { $0.backendKind == .modeled }.count == measured.count / 2)  // once, not per host
        #expect(Set(set.sidecar?.hosts?.keys.map { $0 } ?? []) == ["c7i.48xlarge", "c7g.16xlarge"])
        let c = try bench(["compare", merged, "--hosts", "c7i.48xlarge,c7g.16xlarge"])
        #expect(c.status == 0 || c.status == 1, "stderr: \(c.stderr)")
        #expect(c.stdout.contains("mlp_step/fp32/B=16,D=32,H=64,opt=sgd"))
        expectRefused(
            try bench(["compare", merged, "--hosts", "c7i.48xlarge,m7g.16xlarge"]),
            "no measured rows of host 'm7g.16xlarge'")
    }

    /// Starts the fake metadata service in `mode`; returns its process and endpoint.
    func imds(_ mode: String, _ values: [String] = []) throws -> (Process, String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments =
            [
                "python3",
                PluginTests.root.appendingPathComponent("Tests/BenchCLITests/Fixtures/imds/fake_imds.py").path, mode,
            ] + values
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice  // never hold the test runner's pipes open
        try p.run()
        var line = Data()
        while !line.contains(0x0A) { line.append(out.fileHandleForReading.availableData) }
        let port = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return (p, "http://127.0.0.1:\(port)")
    }

    @Test("--host-instance auto prices from the metadata service; off EC2, slow or refusing, one warning and no price")
    func hostInstanceAuto() throws {
        let dir = try temporaryDirectory()
        func auto(_ endpoint: String) throws -> (BenchBinary.Result, ResultRow, Sidecar?) {
            let out = dir.appendingPathComponent("a.csv").path
            let r = try bench(
                [
                    "run", "--suite", "matmul", "--quick", "--backend", "cpu-blas", "--case", "M=64,", "--dtype",
                    "fp32",
                    "--budget", "0.02", "--rounds", "1", "--host-instance", "auto", "--out", out,
                ], environment: ["AWS_EC2_METADATA_SERVICE_ENDPOINT": endpoint])
            #expect(r.status == 0, "stderr: \(r.stderr)")
            let set = try ResultSet(path: out)
            return (r, try #require(set.rows.first), set.sidecar)
        }
        let (ok, okURL) = try imds("ok", ["c7i.48xlarge", "eu-west-1", "on-demand"])
        defer { kill(ok.processIdentifier, SIGKILL) }
        let (_, row, sidecar) = try auto(okURL)
        #expect(row.host == "c7i.48xlarge")
        #expect(row.priceUSDPerHour == 8.568)
        #expect(row.notes.contains("the catalog's price is for us-east-1, this host is in eu-west-1"), "\(row.notes)")
        #expect(sidecar?.instanceMetadata?.region == "eu-west-1")

        let (unknown, unknownURL) = try imds("ok", ["x9z.huge", "us-east-1"])
        defer { kill(unknown.processIdentifier, SIGKILL) }
        let (r1, row1, _) = try auto(unknownURL)
        #expect(r1.stderr.contains("this host is a x9z.huge in us-east-1, which catalog"), "\(r1.stderr)")
        #expect(row1.host == "x9z.huge" && row1.priceUSDPerHour == nil)

        for mode in ["slow", "refuse"] {
            let (server, url) = try imds(mode)
            defer { kill(server.processIdentifier, SIGKILL) }
            let start = Date()
            let (r, row, _) = try auto(url)
            #expect(r.stderr.contains("warning: --host-instance auto: no instance metadata"), "\(mode): \(r.stderr)")
            #expect(row.priceUSDPerHour == nil && row.host == ProcessInfo.processInfo.hostName)
            if mode == "slow" { #expect(Date().timeIntervalSince(start) < 15) }  // 1 s per request, not 30
        }
    }
}
