import BenchCore
import BenchModels
import BenchResults
import Foundation
import Testing

import BenchProjection

@Suite("bench project: memory, collectives, layouts, the step")
struct ProjectionTests {
    let presets: ModelPresets
    let catalog: Catalog

    init() throws {
        presets = try ModelPresets.shipped()
        catalog = try Catalog.shipped()
    }

    func request(_ model: String, instances: [(String, Int?)], layout: String? = nil, seq: Int? = nil)
        throws -> JobRequest
    {
        var m = try presets.model(named: model)
        if let seq { m.seq = seq }
        return JobRequest(
            model: m, tokens: 1e12, sequence: m.seq,
            globalSequences: JobRequest.sequences(
                forBatchTokens: m.globalBatchTokens ?? ModelConfig.defaultGlobalBatchTokens, sequence: m.seq),
            dtype: .bf16, instances: instances, layout: layout, assumptions: JobAssumptions())
    }

    func projector() throws -> Projector {
        Projector(
            catalog: catalog,
            prices: try PriceBook(
                catalog: catalog, basis: "on-demand", overrides: [:], hostInstance: nil, hostPrice: nil),
            errors: JobErrorTable.shipped())
    }

    @Test("Llama-2-7B's parameters and memory on one rank, against figures worked by hand")
    func memoryByHand() throws {
        let m = try presets.model(named: "llama-2-7b")
        // One block: Wqkv 4096·(4096 + 2·4096), Wo 4096², three MLP matrices 3·4096·11008,
        // two RMSNorm γ: 50,331,648 + 16,777,216 + 135,266,304 + 8,192.
        #expect(m.layerParameters == 202_383_360)
        // 32 blocks, the embedding and the untied head (32,000·4,096 each), the final norm.
        let byHand: Double = 32 * 202_383_360 + 2 * 131_072_000 + 4096
        #expect(m.parameters == byHand)  // 6.74B, as Meta publishes
        let l = ParallelLayout(tp: 1, pp: 1, dp: 8, zero: 1, microBatch: 1)
        let p = 6_738_411_520.0  // the blocks and both embeddings on the one stage
        #expect(MemoryAccount.parametersPerRank(m, l) == p)
        let a = MemoryAccount.of(m, l, tokens: 4096, inFlight: 1)
        #expect(a.weights == 2 * p)
        #expect(a.gradients == 2 * p)
        #expect(a.optimizer == 12 * p / 8)  // ZeRO-1 over 8 ranks
        // Per token and block: 8·4096 + 4·4096 + 4·4096 (K and V, no GQA) + 6·11008 = 131,584 bytes.
        let activations: Double = 131_584 * 32 * 4096, logits: Double = 8 * 4096 * 32000
        #expect(a.activations == activations)
        #expect(a.logits == logits)
        // Full recompute keeps each block's input (2·4096 bytes a token) and one block's set.
        let r = MemoryAccount.of(
            m, ParallelLayout(tp: 1, pp: 1, dp: 8, microBatch: 1, recompute: .full), tokens: 4096, inFlight: 1)
        let recomputed: Double = (32 * 2 * 4096 + 131_584) * 4096
        #expect(r.activations == recomputed)
        // ZeRO-3 over 8 shards the weights and gradients too.
        let z3 = MemoryAccount.of(
            m, ParallelLayout(tp: 1, pp: 1, dp: 8, zero: 3, microBatch: 1), tokens: 4096, inFlight: 1)
        #expect(z3.weights == 2 * p / 8 && z3.gradients == 2 * p / 8)
    }

    @Test("Ring collectives: 2(n−1)/n of the buffer for an all-reduce, (n−1)/n for an all-gather, plus latency")
    func collectives() {
        let ar: Double = 2.0 * 7 / 8 * 1e9 / 1e11, ag: Double = 7.0 / 8 * 1e9 / 1e11
        #expect(Collectives.allReduce(bytes: 1e9, ranks: 8, bandwidth: 1e11, latency: 0) == ar)
        #expect(Collectives.allGather(bytes: 1e9, ranks: 8, bandwidth: 1e11, latency: 0) == ag)
        #expect(Collectives.allReduce(bytes: 1e9, ranks: 1, bandwidth: 1e11, latency: 1) == 0)
        // 2·⌈log₂ 8⌉ = 6 latency steps; ⌈log₂ 5⌉ = 3.
        #expect(Collectives.allReduce(bytes: 0, ranks: 8, bandwidth: 1, latency: 1e-6) == 6e-6)
        #expect(abs(Collectives.allGather(bytes: 0, ranks: 5, bandwidth: 1, latency: 1e-6) - 3e-6) < 1e-18)
    }

    @Test("The catalog's links: NVLink's two-way 900 GB/s is 450 GB/s a direction; EFA's 3,200 Gbit/s shared by 8 GPUs")
    func links() throws {
        let inst = try #require(catalog.instance(named: "p5.48xlarge"))
        let cluster = Cluster(instance: inst, device: try #require(catalog.device(named: "h100")), nodes: 2)
        #expect(cluster.linkPerRank == 450e9)
        let share: Double = 3200e9 / 8 / 8
        #expect(cluster.networkPerRank == share)
        let trn = try #require(catalog.instance(named: "trn1.32xlarge"))
        let t = Cluster(instance: trn, device: try #require(catalog.device(named: "trainium1")), nodes: 1)
        #expect(t.ranksPerNode == 32)  // 16 chips × 2 NeuronCores
        let gib16: Double = 16 * 1_073_741_824
        #expect(t.memoryPerRank == gib16)
    }

    @Test("The step's communication grows with the layout: TP all-reduces, DP traffic, a bubble with pipelines")
    func stepParts() throws {
        let r = try request("llama-2-70b", instances: [("p5.48xlarge", 4)])
        let inst = try #require(catalog.instance(named: "p5.48xlarge"))
        let cluster = Cluster(instance: inst, device: try #require(catalog.device(named: "h100")), nodes: 4)
        let model = StepModel(
            model: r.model, cluster: cluster, deviceModel: DeviceModel(device: cluster.device, count: 1), dtype: .bf16,
            assumptions: JobAssumptions())
        var cache: [StepModel.Slot: StepModel.SlotTimes] = [:]
        let flat = try #require(
            model.step(ParallelLayout(tp: 8, pp: 1, dp: 4), sequence: 4096, sequences: 1024, cache: &cache))
        let piped = try #require(
            model.step(ParallelLayout(tp: 8, pp: 4, dp: 1), sequence: 4096, sequences: 1024, cache: &cache))
        #expect(flat.tpCommunication > 0 && flat.bubble == 0)
        #expect(piped.bubble > 0 && piped.ppCommunication > 0)
        // The bubble is (pp − 1) micro-batch slots: 3 of the 1024 in flight on one pipeline.
        #expect(abs(piped.bubble / piped.compute - 3.0 / 1024) < 1e-9)
        #expect(flat.dpCommunication > 0 && flat.dpExposed <= flat.dpCommunication)
        // With interleaving (vp) the bubble shrinks by vp.
        let inter = try #require(
            model.step(ParallelLayout(tp: 8, pp: 4, dp: 1, vp: 5), sequence: 4096, sequences: 1024, cache: &cache))
        #expect(abs(inter.bubble - piped.bubble / 5) < 1e-9)
        // Less overlap exposes more of the data-parallel traffic.
        var none = JobAssumptions()
        none.overlap = 0
        let exposed = StepModel(
            model: r.model, cluster: cluster, deviceModel: model.deviceModel, dtype: .bf16, assumptions: none)
        let e = try #require(
            exposed.step(ParallelLayout(tp: 8, pp: 1, dp: 4), sequence: 4096, sequences: 1024, cache: &cache))
        #expect(e.dpExposed == e.dpCommunication && e.dpExposed > flat.dpExposed)
    }

    @Test("The search keeps layouts that divide the model, and picks one that fits")
    func search() throws {
        let m = try presets.model(named: "gpt2-1.5b")  // 25 heads: only tp = 1, 5 or 25 divide them
        let layouts = LayoutSearch.candidates(model: m, ranks: 8, ranksPerNode: 8, sequence: 1024)
        #expect(!layouts.isEmpty)
        #expect(layouts.allSatisfy { $0.tp == 1 && 48 % $0.pp == 0 && $0.ranks == 8 })
        let out = try projector().project(try request("llama-3.1-8b", instances: [("p5.48xlarge", 1)]))
        let p = try #require(out.first)
        let l = try #require(p.layout)
        let s = try #require(p.step)
        let capacity = try #require(p.memoryCapacity)
        #expect(s.memory.total <= capacity)
        #expect(l.ranks == 8)
        #expect(p.tokensPerSecond.map { $0 > 0 } == true && p.usdPerMillionTokens != nil)
    }

    @Test("A layout that does not fit is refused with what it needs and what there is")
    func doesNotFit() throws {
        let r = try request("llama-2-70b", instances: [("p5.48xlarge", 1)], layout: "tp=1,pp=1,dp=8,zero=0")
        #expect {
            try projector().project(r)
        } throws: { e in
            let line = "\(e)"
            return line.contains("needs") && line.contains("GiB per rank") && line.contains("h100 has 67.1 GiB")
        }
        // With auto, a model too large for every node count shows the reason instead of a row.
        var huge = try request("llama-3.1-405b", instances: [("p5.4xlarge", 1)])
        huge.model.layers = 126
        let p = try #require(try projector().project(huge).first)
        #expect(p.layout == nil && (p.reason ?? "").contains("no layout fits"))
    }

    @Test("Layouts that do not divide the heads, layers or ranks are refused in one line")
    func badLayouts() throws {
        for (layout, words) in [
            ("tp=3", "does not divide the 32 heads"), ("tp=1,pp=5", "does not divide the 32 layers"),
            ("tp=2,dp=3", "is not the 8 ranks"), ("tp=1,zero=7", "ZeRO stage"), ("tp=1,foo=2", "is not one of"),
        ] {
            let r = try request("llama-2-7b", instances: [("p5.48xlarge", 1)], layout: layout)
            #expect(throws: ProjectionError.self) { try projector().project(r) }
            do { _ = try projector().project(r) } catch { #expect("\(error)".contains(words), "\(layout): \(error)") }
        }
        let r = try request("llama-2-7b", instances: [("p9.unknown", 1)])
        #expect { try projector().project(r) } throws: { "\($0)".contains("unknown instance 'p9.unknown'") }
    }

    @Test("Hugging Face configs: Llama's field names, GPT-2's, and a missing field named")
    func huggingFace() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hf-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let llama = dir.appendingPathComponent("llama.json")
        try Data(
            """
            {"model_type": "llama", "hidden_size": 4096, "intermediate_size": 14336, "num_hidden_layers": 32,
             "num_attention_heads": 32, "num_key_value_heads": 8, "vocab_size": 128256, "hidden_act": "silu",
             "max_position_embeddings": 131072, "rms_norm_eps": 1e-5, "rope_theta": 500000.0, "tie_word_embeddings": false}
            """.utf8
        ).write(to: llama)
        let m = try ModelConfig.huggingFace(path: llama.path)
        let preset = try presets.model(named: "llama-3.1-8b")
        #expect(m.parameters == preset.parameters)
        #expect(m.activation == .swiglu && m.norm == .rmsnorm && m.position == "rope" && !m.tiedEmbeddings)
        #expect(m.seq == 8192)  // max_position_embeddings capped at 8192
        let gpt2 = dir.appendingPathComponent("gpt2.json")
        try Data(
            #"{"model_type": "gpt2", "n_embd": 768, "n_layer": 12, "n_head": 12, "n_inner": null, "vocab_size": 50257, "n_positions": 1024, "activation_function": "gelu_new"}"#
                .utf8
        ).write(to: gpt2)
        let g = try ModelConfig.huggingFace(path: gpt2.path)
        #expect(g.parameters == (try presets.model(named: "gpt2-124m")).parameters)
        let broken = dir.appendingPathComponent("broken.json")
        try Data(#"{"hidden_size": 64, "num_hidden_layers": 2, "vocab_size": 10, "hidden_act": "silu"}"#.utf8).write(
            to: broken)
        #expect { try ModelConfig.huggingFace(path: broken.path) } throws: {
            "\($0)".contains("no num_attention_heads")
        }
    }

    @Test("The measured path: the fixture's rows give the block, the head and the optimizer; a missing row is named")
    func measured() throws {
        let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("BenchCLITests/Fixtures/project")
        let config = try ModelConfig.huggingFace(path: fixtures.appendingPathComponent("tiny-llama-config.json").path)
        let file = fixtures.appendingPathComponent("tiny-llama-blocks.csv").path
        let rows = try ResultSet(path: file).rows
        var r = JobRequest(
            model: config, tokens: 1e9, sequence: config.seq, globalSequences: 64, dtype: .fp32,
            instances: [("host", 2)], layout: nil, assumptions: JobAssumptions())
        let t = try MeasuredBlocks.times(rows: rows, request: r, backend: nil, file: file)
        let c = try MeasuredBlocks.cases(r)
        func median(_ id: String) -> Double? { rows.first { $0.caseID == id }?.medianSeconds }
        #expect(t.block == median(c.block))
        #expect(abs(t.head - c.head.compactMap(median).reduce(0, +)) < 1e-15)
        #expect(t.backend == "cpu-swift" && t.microBatch == 1)
        let host = HostMachine(memoryGiB: 16, networkGbps: 25, usdPerHour: 1)
        let projector = Projector(
            catalog: catalog,
            prices: try PriceBook(
                catalog: catalog, basis: "on-demand", overrides: [:], hostInstance: nil, hostPrice: nil),
            errors: nil, measured: t, host: host)
        let p = try #require(try projector.project(r).first)
        let step = try #require(p.step)
        let l = try #require(p.layout)
        // 64 sequences over dp ranks at micro-batch 1: layers × block + head per micro-batch.
        let perRank = Double(64 / l.dp)
        #expect(abs(step.compute - perRank * (4 * t.block + t.head)) < 1e-12)
        #expect(p.computeSource == "cpu-swift" && p.interval == nil)
        // A file without the block's row names it.
        let partial = rows.filter { $0.caseID != c.block }
        #expect { try MeasuredBlocks.times(rows: partial, request: r, backend: nil, file: "f.csv") } throws: {
            "\($0)".contains(c.block)
        }
        r.sequence = 8192
        #expect(throws: ProjectionError.self) { try MeasuredBlocks.cases(r) }
    }

    @Test("A report written as JSON reads back equal")
    func roundTrip() throws {
        let r = try request("gpt2-124m", instances: [("p5.48xlarge", nil), ("trn1.32xlarge", nil)])
        let report = ProjectionReport(
            request: r, projections: try projector().project(r), catalogVersion: catalog.catalogVersion, assumptions: []
        )
        let data = try JSONEncoder().encode(report)
        #expect(try ProjectionReport.read(json: data) == report)
        #expect(report.rows.count == 2 && report.rows.allSatisfy { $0.layout != nil })
        // The CSV reads back to the same rows, notes with commas and quotes included.
        var edited = report
        edited.rows[0].notes = "=SUM(A1), a \"quoted\" note"
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("p-\(UUID().uuidString).csv")
        try Data(edited.csv().utf8).write(to: url)
        #expect(try ProjectionReport.rows(csvPath: url.path) == edited.rows)
        try Data("rank,instance\n1,x\n".utf8).write(to: url)
        #expect(throws: ProjectionError.self) { try ProjectionReport.rows(csvPath: url.path) }
    }
}
