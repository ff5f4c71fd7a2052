import BenchTestSupport
import Foundation
import Testing

@Suite("bench project end to end")
struct ProjectCLITests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/project")

    @Test("The issue's example: Llama-3.1-8B on six instance types, ranked by $, with days, $ and memory")
    func example() throws {
        let dir = try temporaryDirectory()
        let out = dir.appendingPathComponent("p.json")
        let r = try BenchBinary.locate().run([
            "project", "--model", "llama-3.1-8b", "--tokens", "1e12", "--instances",
            "trn1.32xlarge,trn2.48xlarge,p5.48xlarge,p5en.48xlarge,p4de.24xlarge,p6-b200.48xlarge", "--format", "json",
            "--out", out.path,
        ])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: out)) as? [String: Any]
        let rows = try #require(json?["rows"] as? [[String: Any]])
        #expect(rows.count == 6)
        let costs = rows.compactMap { $0["usd_per_mtok"] as? Double }
        #expect(costs.count == 6 && costs == costs.sorted())
        for row in rows {
            #expect(row["layout"] is String && row["days"] is Double && row["usd_total"] is Double)
            let low = try #require(row["usd_per_mtok_low"] as? Double),
                high = try #require(row["usd_per_mtok_high"] as? Double)
            let mid = try #require(row["usd_per_mtok"] as? Double)
            #expect(low < mid && mid < high)
            let need = try #require(row["memory_needed_gib"] as? Double),
                have = try #require(row["memory_capacity_gib"] as? Double)
            #expect(need <= have)
        }
        // The table says the same in words.
        let t = try BenchBinary.locate().run([
            "project", "--model", "llama-3.1-8b", "--tokens", "1e12", "--instances", "p5.48xlarge:2",
        ])
        #expect(t.status == 0 && t.stdout.contains("p5.48xlarge ×2") && t.stdout.contains("$/M tokens (80%)"))
    }

    @Test("bench catalog shows each instance's links, and --sources where they come from")
    func catalogLinks() throws {
        let r = try BenchBinary.locate().run(["catalog"])
        #expect(r.status == 0)
        let p5 = try #require(r.stdout.split(separator: "\n").first { $0.hasPrefix("p5.48xlarge ") })
        #expect(p5.split(separator: " ").suffix(2) == ["900", "3200"])
        let s = try BenchBinary.locate().run(["catalog", "--sources"])
        #expect(
            s.stdout.contains(
                "p5.48xlarge network 3200 Gbit/s: https://docs.aws.amazon.com/ec2/latest/instancetypes/ac.html"))
    }

    @Test("Bad input: one line naming the problem, exit 2, nothing written")
    func badInput() throws {
        let dir = try temporaryDirectory()
        let out = dir.appendingPathComponent("never.csv")
        let config = dir.appendingPathComponent("config.json")
        try Data(#"{"hidden_size": 64, "num_hidden_layers": 2, "vocab_size": 100, "hidden_act": "silu"}"#.utf8)
            .write(to: config)
        let tiny = Self.fixtures.appendingPathComponent("tiny-llama-config.json").path
        let blocks = Self.fixtures.appendingPathComponent("tiny-llama-blocks.csv").path
        let noBlocks = dir.appendingPathComponent("other.csv")
        // A results file with none of the model's cases: the modeled matmul rows.
        let made = try BenchBinary.locate().run([
            "run", "--suite", "matmul", "--quick", "--backend", "h100", "--out", noBlocks.path,
        ])
        #expect(made.status == 0, "stderr: \(made.stderr)")
        let cases: [([String], String)] = [
            (["--model", "llama-9"], "unknown model 'llama-9'"),
            (["--model-config", config.path], "no num_attention_heads"),
            (["--model", "llama-2-7b", "--tokens", "0"], "--tokens must be"),
            (["--model", "llama-2-7b", "--tokens", "-5"], "--tokens must be"),
            (
                ["--model", "llama-2-7b", "--instances", "p5.48xlarge:1", "--parallel", "tp=3"],
                "does not divide the 32 heads"
            ),
            (
                ["--model", "llama-2-7b", "--instances", "p5.48xlarge:1", "--parallel", "tp=1,pp=3"],
                "does not divide the 32 layers"
            ),
            (
                ["--model", "llama-2-7b", "--instances", "p5.48xlarge:1", "--parallel", "tp=2,dp=3"],
                "is not the 8 ranks"
            ),
            (
                ["--model", "llama-2-70b", "--instances", "p5.48xlarge:1", "--parallel", "tp=1,zero=0"],
                "GiB per rank; h100 has 67.1 GiB"
            ),
            (["--model", "llama-2-7b", "--instances", "p7.huge"], "unknown instance 'p7.huge'"),
            (
                ["--model-config", tiny, "--dtype", "fp32", "--from", noBlocks.path, "--instances", "host"],
                "no measured rows"
            ),
            (
                [
                    "--model-config", tiny, "--dtype", "fp32", "--seq", "32", "--from", blocks, "--instances", "host",
                ],
                "llama_block_step/fp32/B=1,S=32"
            ),
        ]
        for (args, words) in cases {
            var full = ["project"] + args
            if !args.contains("--tokens") { full += ["--tokens", "1e9"] }
            let r = try BenchBinary.locate().run(full + ["--out", out.path])
            #expect(r.status == 2, "\(args): \(r.stderr)")
            let lines = r.stderr.split(separator: "\n")
            #expect(lines.count == 1 && r.stderr.contains(words), "\(args): \(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: out.path), "\(args) wrote \(out.path)")
        }
    }

    @Test("The measured path: --print-cases names the run, and --from projects from its rows")
    func measured() throws {
        let tiny = Self.fixtures.appendingPathComponent("tiny-llama-config.json").path
        let blocks = Self.fixtures.appendingPathComponent("tiny-llama-blocks.csv").path
        let cases = try BenchBinary.locate().run([
            "project", "--model-config", tiny, "--tokens", "1e9", "--dtype", "fp32", "--print-cases", "--backend",
            "cpu-swift",
        ])
        #expect(cases.status == 0)
        #expect(
            cases.stdout.hasPrefix(
                "bench run --suite training --case '^$' --add-case 'llama_block_step/fp32/B=1,S=64,D=128"))
        let r = try BenchBinary.locate().run([
            "project", "--model-config", tiny, "--tokens", "1e9", "--dtype", "fp32", "--from", blocks, "--instances",
            "host:2", "--host-price", "0.5", "--host-network-gbps", "25", "--format", "csv",
        ])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        let lines = r.stdout.split(separator: "\n")
        #expect(lines.count == 2 && lines[1].contains("host") && lines[1].contains("cpu-swift"))
        // The results file's sidecar is an input: never an output.
        let dir = try temporaryDirectory()
        let csv = dir.appendingPathComponent("blocks.csv"), sidecar = dir.appendingPathComponent("blocks.json")
        try FileManager.default.copyItem(atPath: blocks, toPath: csv.path)
        try FileManager.default.copyItem(
            atPath: Self.fixtures.appendingPathComponent("tiny-llama-blocks.json").path, toPath: sidecar.path)
        let before = try Data(contentsOf: sidecar)
        let clash = try BenchBinary.locate().run([
            "project", "--model-config", tiny, "--tokens", "1e9", "--dtype", "fp32", "--from", csv.path, "--instances",
            "host", "--out", sidecar.path,
        ])
        #expect(clash.status == 2 && clash.stderr.contains("is an input"))
        #expect(try Data(contentsOf: sidecar) == before)
    }
}
