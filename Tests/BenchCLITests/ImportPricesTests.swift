import BenchTestSupport
import Foundation
import Testing

@Suite("bench catalog import-prices: AWS's price files into an overlay with provenance", .serialized)
struct ImportPricesTests {
    static let fixtures = PluginTests.root.appendingPathComponent("Tests/BenchCLITests/Fixtures/prices")
    static func fixture(_ name: String) -> String { fixtures.appendingPathComponent(name).path }

    func importing(_ files: [String], _ extra: [String] = [], out: URL) throws -> BenchBinary.Result {
        try BenchBinary.locate().run(
            ["catalog", "import-prices"] + files.map(Self.fixture) + ["--out", out.path] + extra)
    }

    /// The overlay's prices of `instance`, basis → (USD per hour, provenance).
    func prices(_ overlay: URL, _ instance: String) throws -> [String: [String: Any]] {
        let json = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: overlay)) as? [String: Any])
        let instances = try #require(json["instances"] as? [[String: Any]])
        let inst = try #require(instances.first { $0["name"] as? String == instance })
        return try #require(inst["prices"] as? [String: [String: Any]])
    }

    @Test("the clean Linux rates are kept and every decoy left out; each price names its SKU, term and rate")
    func selection() throws {
        let dir = try temporaryDirectory()
        let out = dir.appendingPathComponent("overlay.json")
        let r = try importing(["ec2-us-east-1.json", "savings-us-east-1.json", "spot-us-east-1.json"], out: out)
        #expect(r.status == 0, "\(r.stderr)")
        let p5 = try prices(out, "p5.48xlarge")
        // Windows (61), dedicated (60.5), SQL Server (70) and the reservation placeholder (0) are
        // decoys; All Upfront and convertible reservations and the All Upfront plan too.
        let usd = p5.mapValues { $0["usd_per_hour"] as? Double }
        #expect(
            usd == [
                "on-demand": 55.04, "1yr-reserved": 37.2, "3yr-reserved": 24.1, "1yr-savings-plan": 41.28,
                "3yr-savings-plan": 27.52, "spot": 30.75,  // the median of 29, 30.5, 31, 33 (Windows' 90 left out)
            ])
        let onDemand = try #require(p5["on-demand"]?["provenance"] as? [String: Any])
        #expect(onDemand["sku"] as? String == "P5CLEAN000000001")
        #expect(onDemand["offer_term_code"] as? String == "JRTCKXETXF")
        #expect(onDemand["rate_code"] as? String == "P5CLEAN000000001.JRTCKXETXF.6YS6EN2CT7")
        #expect(onDemand["version"] as? String == "20261201000000")
        #expect(onDemand["publication_date"] as? String == "2026-12-01T00:00:00Z")
        let spot = try #require(p5["spot"]?["provenance"] as? [String: Any])
        #expect(spot["samples"] as? Int == 4)
        #expect(spot["window_start"] as? String == "2026-11-28T10:00:00+00:00")
        #expect(spot["zones"] as? [String] == ["us-east-1a", "us-east-1b", "us-east-1c"])
        #expect((try prices(out, "trn1.32xlarge"))["1yr-savings-plan"]?["usd_per_hour"] as? Double == 15.05)
    }

    @Test("the overlay reads back: bench catalog shows it, and a run priced from it records where each price came from")
    func roundTrip() throws {
        let dir = try temporaryDirectory()
        let overlay = dir.appendingPathComponent("overlay.json")
        #expect(try importing(["ec2-us-east-1.json", "savings-us-east-1.json"], out: overlay).status == 0)
        let bench = try BenchBinary.locate()
        let shown = try bench.run(["catalog", "--prices", "--catalog", overlay.path])
        #expect(shown.status == 0, "\(shown.stderr)")
        #expect(shown.stdout.contains("sku P5CLEAN000000001, term CSP1YRNOUPFRONT1"))
        let csv = dir.appendingPathComponent("run.csv")
        let r = try bench.run([
            "run", "--suite", "matmul", "--quick", "--backend", "h100", "--dtype", "bf16", "--catalog", overlay.path,
            "--pricing", "1yr-savings-plan", "--out", csv.path,
        ])
        #expect(r.status == 0, "\(r.stderr)")
        let sidecar = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("run.json")))
                as? [String: Any])
        let sources = try #require(sidecar["price_sources"] as? [String: String])
        #expect(sources["h100"]?.contains("aws-savings-plans, us-east-1") == true)
        #expect(sources["h100"]?.contains("rate CSP1YRNOUPFRONT1.P5CLEAN000000001") == true)
        let text = try String(contentsOf: csv, encoding: .utf8)
        #expect(text.contains("p5.48xlarge 1yr-savings-plan $41.28/h ÷ 8"))
    }

    @Test("--region picks one region of several")
    func region() throws {
        let dir = try temporaryDirectory()
        let out = dir.appendingPathComponent("eu.json")
        let r = try importing(["ec2-us-east-1.json", "ec2-eu-west-1.json"], ["--region", "eu-west-1"], out: out)
        #expect(r.status == 0, "\(r.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: out)) as? [String: Any])
        let instances = try #require(json["instances"] as? [[String: Any]])
        #expect(!instances.isEmpty && instances.allSatisfy { $0["region"] as? String == "eu-west-1" })
        let regions = instances.flatMap { ($0["prices"] as? [String: [String: Any]] ?? [:]).values }
            .compactMap { ($0["provenance"] as? [String: Any])?["region"] as? String }
        #expect(!regions.isEmpty && regions.allSatisfy { $0 == "eu-west-1" })
    }

    @Test(
        "bad files and requests: one line naming what is wrong, exit 2, no overlay written",
        arguments: [
            (["s3-offer.json"], [String](), "s3-offer.json: an offer file of AmazonS3, not AmazonEC2"),
            (["not-an-offer.json"], [], "not-an-offer.json: not an EC2 offer file"),
            (["truncated.json"], [], "truncated.json: the JSON ends at byte 3000"),
            (
                ["ec2-us-east-1.json", "ec2-eu-west-1.json"], [],
                "several regions (eu-west-1, us-east-1); pick one with --region"
            ),
            (
                ["ec2-us-east-1.json", "spot-no-trn1.json"], ["--instance", "trn1.32xlarge"],
                "spot-no-trn1.json: no Linux spot price for trn1.32xlarge"
            ),
            (
                ["ec2-us-east-1.json"], ["--instance", "c7i.48xlarge"],
                "--instance c7i.48xlarge: the files have no clean Linux price"
            ),
            (["ec2-us-east-1.json"], ["--instance", "x9.huge"], "--instance x9.huge: catalog"),
            (["savings-us-east-1.json"], [], "give that region's EC2 offer file too"),
        ])
    func badInput(files: [String], extra: [String], message: String) throws {
        let dir = try temporaryDirectory()
        let out = dir.appendingPathComponent("overlay.json")
        let r = try importing(files, extra, out: out)
        #expect(r.status == 2)
        #expect(r.stderr.contains(message), "\(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }

    @Test("an offer file is streamed: a 60 MB one is imported in a fraction of its size in memory")
    func streaming() throws {
        let dir = try temporaryDirectory()
        let big = dir.appendingPathComponent("big.json").path
        let make = try BenchBinary(url: URL(fileURLWithPath: "/usr/bin/env")).run([
            "python3", PluginTests.root.appendingPathComponent("scripts/lib/make_offer_file.py").path, big, "--mb",
            "60",
        ])
        #expect(make.status == 0, "\(make.stderr)")
        // The child's peak resident memory, as the kernel counts it (ru_maxrss, KiB).
        let bench = try BenchBinary.locate().url.path
        let r = try BenchBinary(url: URL(fileURLWithPath: "/usr/bin/env")).run([
            "python3", "-c",
            "import resource, subprocess, sys; r = subprocess.run(sys.argv[1:]); print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); sys.exit(r.returncode)",
            bench, "catalog", "import-prices", big, "--out", dir.appendingPathComponent("o.json").path,
        ])
        #expect(r.status == 0, "\(r.stderr)")
        let kib = try #require(Int(r.stdout.split(separator: "\n").last ?? ""))
        #expect(kib < 120 * 1024, "peak \(kib) KiB for a 60 MB file")
        #expect(
            r.stdout.contains("p5.48xlarge (us-east-1): 1yr-reserved $37.2/h, 3yr-reserved $24.1/h, on-demand $55.04/h")
        )
    }

    @Test("bench catalog --prices flags a price older than 180 days")
    func stale() throws {
        let dir = try temporaryDirectory()
        let overlay = dir.appendingPathComponent("old.json")
        #expect(try importing(["ec2-us-east-1.json"], ["--instance", "p5.48xlarge"], out: overlay).status == 0)
        var text = try String(contentsOf: overlay, encoding: .utf8)
        text = text.replacingOccurrences(of: "\"date\" : \"2026-12-01\"", with: "\"date\" : \"2020-01-01\"")
        try text.write(to: overlay, atomically: true, encoding: .utf8)
        let r = try BenchBinary.locate().run(["catalog", "--prices", "--catalog", overlay.path])
        #expect(r.status == 0, "\(r.stderr)")
        let line = try #require(
            r.stdout.split(separator: "\n").first { $0.hasPrefix("p5.48xlarge") && $0.contains("on-demand") })
        #expect(line.contains("STALE"))
        #expect(r.stdout.contains("older than 180 days"))
    }
}
