import BenchCore
import BenchModels
import BenchTestSupport
import Foundation
import Testing

@Suite("Modeled profiles and the catalog")
struct ModelTests {
    let catalog: Catalog
    init() throws { catalog = try Catalog.shipped() }

    func backend(_ id: String) throws -> ModeledDeviceBackend {
        let profile = try #require(Profile.builtIn.first { $0.id == id })
        return try ModeledDeviceBackend(profile: profile, catalog: catalog)
    }

    func tflops(_ id: String, _ c: String) throws -> Double {
        let kc = try KernelRegistry.builtIn.validatedCase(c)
        return GEMMSpec().flops(kc) / (try backend(id).estimate(kc).seconds) / 1e12
    }

    /// Published large-GEMM measurements the efficiencies are calibrated against (docs/models.md):
    /// H100 SXM BF16 ≈ 794 TFLOP/s (about 80% of the 989 dense peak); A100 ≈ 87% of 312.
    @Test(
        "the model reproduces the published calibration points within ±10%",
        arguments: [
            ("h100", 794.0), ("a100", 0.87 * 312),
        ])
    func calibration(id: String, published: Double) throws {
        let modeled = try tflops(id, "gemm/bf16/M=8192,N=8192,K=8192")
        #expect(abs(modeled / published - 1) <= 0.10, "\(id): modeled \(modeled) TFLOP/s vs published \(published)")
    }

    @Test("the model is deterministic: same case and catalog, same number, bit for bit")
    func deterministic() throws {
        let kc = try KernelRegistry.builtIn.validatedCase(
            "transformer_block_step/bf16/B=4,S=256,D=768,heads=12,opt=adamw")
        let a = try backend("trainium2").estimate(kc), b = try backend("trainium2").estimate(kc)
        #expect(a == b)
        let reloaded = try ModeledDeviceBackend(profile: Profile.builtIn[1], catalog: try Catalog.shipped())
        #expect(try reloaded.estimate(kc) == a)
    }

    @Test("tile quantization: a 129-wide GEMM on a 128-tile device costs about as much as a 256-wide one")
    func tileQuantization() throws {
        let t129 = try backend("trainium2").estimate(
            try KernelRegistry.builtIn.validatedCase("gemm/bf16/M=129,N=16384,K=16384")
        ).seconds
        let t256 = try backend("trainium2").estimate(
            try KernelRegistry.builtIn.validatedCase("gemm/bf16/M=256,N=16384,K=16384")
        ).seconds
        let t128 = try backend("trainium2").estimate(
            try KernelRegistry.builtIn.validatedCase("gemm/bf16/M=128,N=16384,K=16384")
        ).seconds
        #expect(abs(t129 / t256 - 1) < 0.05, "129: \(t129) s, 256: \(t256) s")
        _ = t128
        // The efficiency itself: 129 rows fill two 128-row tiles, so half of the work is padding.
        let device = try backend("trainium2").model
        let e129 = device.matmulEfficiency(m: 129, n: 16384, k: 16384, count: 1)
        let e256 = device.matmulEfficiency(m: 256, n: 16384, k: 16384, count: 1)
        #expect(abs(e129 / e256 - 129.0 / 256) < 1e-9)
    }

    @Test("sparse peaks are never used as dense")
    func sparseNeverDense() throws {
        for d in catalog.devices {
            for (dtype, sparse) in d.peakSparseTflops ?? [:] {
                if let dense = d.peakDenseTflops[dtype] { #expect(dense.value < sparse.value, "\(d.name) \(dtype)") }
            }
        }
        // H100 bf16: the dense 989.4, not the 1,978.9 sparse headline.
        let h100 = try #require(catalog.device(named: "h100"))
        let model = DeviceModel(device: h100, count: 1)
        #expect(model.peakFLOPS(.bf16) == 989.4e12)
        let kc = try KernelRegistry.builtIn.validatedCase("gemm/bf16/M=8192,N=8192,K=8192")
        #expect(GEMMSpec().flops(kc) / (try backend("h100").estimate(kc).seconds) < 989.4e12)
    }

    @Test("a profile without a peak for the dtype reports the case unsupported with the reason")
    func missingPeak() throws {
        let a100 = try backend("a100")
        let kc = try KernelRegistry.builtIn.validatedCase("gemm/fp8/M=128,N=128,K=128")
        let reason = try #require(a100.unsupportedReason(for: kc))
        #expect(reason.contains("no dense fp8 peak for a100"))
    }

    @Test("cost arithmetic matches hand-computed values")
    func cost() {
        // $55.04/h for 8 H100 → $6.88/h per chip; 500 TFLOP/s; 1,000 tokens/s.
        let c = CostMetrics(usdPerHour: 6.88, tflops: 500, throughput: 1000)
        #expect(abs(c.usdPerPFLOP - 6.88 / 1800) < 1e-12)  // 500 TFLOP/s = 1,800 PFLOP per hour
        #expect(abs(c.usdPerMillionUnits - 6.88 / 3.6) < 1e-9)  // 3.6 M tokens per hour
        #expect(abs(c.perfPerDollar - 1000 / 6.88) < 1e-9)
    }

    @Test("prices: an accelerator is instance ÷ chips, the basis falls back in order, overrides win")
    func pricing() throws {
        let book = try PriceBook(
            catalog: catalog, basis: "on-demand", overrides: [:], hostInstance: nil, hostPrice: nil)
        let h100 = try #require(book.quote(for: try backend("h100")))
        #expect(abs(h100.usdPerHour - 55.04 / 8) < 1e-9)
        let trn2 = try #require(book.quote(for: try backend("trainium2")))
        #expect(abs(trn2.usdPerHour - 35.7608 / 16) < 1e-9)
        #expect(trn2.note.contains("no on-demand price so capacity-block"))
        let override = try PriceBook(
            catalog: catalog, basis: "on-demand", overrides: ["p5.48xlarge": 40], hostInstance: nil, hostPrice: nil)
        #expect(override.quote(for: try backend("h100"))?.usdPerHour == 5)
        #expect(throws: CatalogError.self) {
            try PriceBook(
                catalog: catalog, basis: "on-demand", overrides: ["p99.huge": 1], hostInstance: nil, hostPrice: nil)
        }
    }

    /// A plugin-like backend: a device outside this process, with an optional catalog device
    /// and price hint.
    final class FakeDevice: DeviceBackend {
        let id = BackendID("gpu-plugin")
        let kind = BackendKind.measured
        let device = "fake GPU"
        let dtypes: [DType] = [.fp32, .bf16]
        let catalogDevice: String?
        let priceHintUSDPerHour: Double?
        let deviceShare: Double
        init(_ catalogDevice: String?, hint: Double? = nil, share: Double = 1) {
            self.catalogDevice = catalogDevice
            priceHintUSDPerHour = hint
            deviceShare = share
        }
        func unsupportedReason(for kernelCase: KernelCase) -> String? { nil }
        func prepare(_ kernelCase: KernelCase, threads: Int) throws -> any PreparedCase {
            throw BackendError.unsupported("fake")
        }
    }

    @Test(
        "a device backend is priced per device: the user's host price, else its hint, else the host instance ÷ its devices; else the whole host, said so"
    )
    func devicePricing() throws {
        func quote(
            _ b: FakeDevice, host: String? = "p5.48xlarge", hostPrice: Double? = nil, price: [String: Double] = [:]
        )
            throws -> PriceQuote?
        {
            try PriceBook(
                catalog: catalog, basis: "on-demand", overrides: price, hostInstance: host, hostPrice: hostPrice
            )
            .quote(for: b)
        }
        // The issue's case: a GPU plugin on a p5.48xlarge is one H100, not the whole instance.
        let perGPU = try #require(try quote(FakeDevice("h100")))
        #expect(abs(perGPU.usdPerHour - 55.04 / 8) < 1e-9)
        #expect(perGPU.note.contains("÷ 8 h100 devices"))
        // Its own hint (per device) comes next, before the catalog…
        #expect(try quote(FakeDevice("h100", hint: 6.5))?.usdPerHour == 6.5)
        #expect(try quote(FakeDevice(nil, hint: 6.5), host: nil)?.note.contains("the plugin's price hint") == true)
        // …but the user's price of the host wins, shared the same way.
        #expect(try quote(FakeDevice("h100", hint: 6.5), hostPrice: 80)?.usdPerHour == 10)
        #expect(try quote(FakeDevice("h100", hint: 6.5), price: ["p5.48xlarge": 40])?.usdPerHour == 5)
        // Without a catalog device the share is unknown: the whole host, and the note says why.
        let whole = try #require(try quote(FakeDevice(nil)))
        #expect(abs(whole.usdPerHour - 55.04) < 1e-9)
        #expect(whole.note.contains("the whole host") && whole.note.contains("names no catalog_device"))
        let elsewhere = try #require(try quote(FakeDevice("trainium2")))
        #expect(elsewhere.note.contains("does not hold trainium2"))
        #expect(try quote(FakeDevice(nil), host: nil) == nil)
        // A single-device instance holds its device: priced per device, and the share applies
        // (issue 29 #22: p5.4xlarge was priced as "the whole host, which does not hold h100").
        let single = try #require(try quote(FakeDevice("h100"), host: "p5.4xlarge"))
        #expect(
            abs(single.usdPerHour - 6.88) < 1e-9 && single.note.contains("the host holds one h100"), "\(single.note)")
        #expect(!single.note.contains("does not hold"))
        let half = try #require(try quote(FakeDevice("h100", share: 0.5), host: "p5.4xlarge"))
        #expect(abs(half.usdPerHour - 3.44) < 1e-9 && half.note.contains("0.500 of one"), "\(half.note)")
        // --host-price alone: the host's devices are unknown, and the note says that, not "does not hold".
        let unknown = try #require(try quote(FakeDevice("h100"), host: nil, hostPrice: 10))
        #expect(unknown.usdPerHour == 10 && unknown.note.contains("no --host-instance says how many h100"))
    }

    static let badCatalogs: [(String, String)] = [
        ("{\"schema_version\": 1, \"catalog_version\": \"x\", \"currency\": \"USD\", \"devices\": [", "syntax error"),
        (
            "{\"schema_version\": 1, \"currency\": \"USD\", \"devices\": [], \"instances\": []}",
            "missing required field 'catalog_version'"
        ),
        (
            #"{"schema_version": 1, "catalog_version": "x", "currency": "USD", "devices": [{"name": "d", "display_name": "D", "vendor": "V", "kind": "nvidia_gpu", "peak_dense_tflops": {}}], "instances": [{"name": "i", "device": "d", "device_count": 1, "provider": "aws", "region": "r", "prices": {"on-demand": {"usd_per_hour": -1, "source": "s", "date": "d"}}}]}"#,
            "price must be in [0.000001, 10000] USD per hour"
        ),
        (
            #"{"schema_version": 1, "catalog_version": "x", "currency": "USD", "devices": [{"name": "d", "display_name": "D", "vendor": "V", "kind": "nvidia_gpu", "peak_dense_tflops": {"bf16": {"value": 1, "unit": "PFLOP/s", "source": "s", "date": "d"}}}], "instances": []}"#,
            "unknown unit 'PFLOP/s'"
        ),
        (
            #"{"schema_version": 1, "catalog_version": "x", "currency": "USD", "devices": [{"name": "d", "display_name": "D", "vendor": "V", "kind": "nvidia_gpu", "peak_dense_tflops": {}}, {"name": "d", "display_name": "D", "vendor": "V", "kind": "nvidia_gpu", "peak_dense_tflops": {}}], "instances": []}"#,
            "duplicate device name 'd'"
        ),
        (
            #"{"schema_version": 1, "catalog_version": "x", "currency": "USD", "devices": [{"name": "d", "display_name": "D", "vendor": "V", "kind": "tpu", "peak_dense_tflops": {}}], "instances": []}"#,
            "unknown kind 'tpu'"
        ),
        (
            #"{"schema_version": 1, "catalog_version": "x", "currency": "USD", "devices": [{"name": "d", "display_name": "D", "vendor": "V", "kind": "nvidia_gpu", "peak_dense_tflops": {"bf16": {"value": 2, "unit": "TFLOP/s", "source": "s", "date": "d"}}, "peak_sparse_tflops": {"bf16": {"value": 2, "unit": "TFLOP/s", "source": "s", "date": "d"}}}], "instances": []}"#,
            "a sparse figure used as dense"
        ),
    ]

    @Test("malformed catalogs are refused naming the file, the place and the problem", arguments: badCatalogs)
    func badCatalog(text: String, message: String) throws {
        let dir = try temporaryDirectory()
        let path = dir.appendingPathComponent("c.json").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        do {
            _ = try Catalog.load(path: path)
            Issue.record("accepted")
        } catch {
            #expect(error.description.contains(message), "\(error)")
            #expect(error.description.contains(path))
        }
    }

    @Test("every fact in the shipped catalog has a unit, a source and a date; assumptions give a reason")
    func catalogFacts() throws {
        for d in catalog.devices {
            var facts =
                Array(d.peakDenseTflops.values) + [d.memoryGb, d.memoryBandwidthGbPerS, d.tdpWatts].compactMap { $0 }
            if let m = d.model {
                facts += [
                    m.launchOverheadUs, m.tileM, m.tileN, m.tileK, m.computeUnits, m.matmulEfficiency,
                    m.memoryEfficiency,
                ].compactMap { $0 }
                for f in [m.launchOverheadUs, m.matmulEfficiency, m.memoryEfficiency].compactMap({ $0 })
                where f.isAssumption {
                    #expect(!(f.note ?? "").isEmpty, "\(d.name): an assumption without a reason")
                }
            }
            for f in facts {
                #expect(!f.unit.isEmpty && !f.source.isEmpty && !f.date.isEmpty, "\(d.name)")
            }
        }
    }
}
