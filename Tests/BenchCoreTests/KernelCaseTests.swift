import BenchCore
import Testing

@Suite("Case ids and GEMM accounting")
struct KernelCaseTests {
    @Test("a case id round-trips through the grammar byte for byte")
    func roundTrip() throws {
        let id = "gemm/fp32/M=2048,N=4096,K=1024"
        let c = try KernelCase(parsing: id)
        #expect(c.kernel == "gemm")
        #expect(c.dtype == .fp32)
        #expect(c.shape == "M=2048,N=4096,K=1024")
        #expect(c.id == id)
        #expect(c.integer("N") == 4096)
        #expect(GEMMSpec.kernelCase(.fp32, m: 2048, n: 4096, k: 1024) == c)
    }

    @Test(
        "malformed ids are rejected with the reason",
        arguments: [
            "gemm", "gemm/fp32", "/fp32/M=1", "gemm/fp32/M", "gemm/fp32/M=1,,N=2", "gemm/fp32/=3",
        ])
    func malformed(id: String) {
        #expect(throws: CaseError.self) { try KernelCase(parsing: id) }
    }

    @Test(
        "GEMM validation names the bad parameter",
        arguments: [
            ("gemm/fp32/N=1,M=1,K=1", "in this order"),
            ("gemm/fp32/M=0,N=1,K=1", "must be positive"),
            ("gemm/fp32/M=-4,N=1,K=1", "must be positive"),
            ("gemm/fp32/M=x,N=1,K=1", "not an integer"),
            ("gemm/fp32/M=01,N=1,K=1", "not written canonically"),
            ("gemm/fp32/M=+1,N=1,K=1", "not written canonically"),
            ("transformer_block_step/fp32/B=1,S=8,D=10,heads=3,opt=adamw", "heads=3 does not divide D=10"),
            ("transformer_block_step/fp32/B=1,S=5000,D=8,heads=2,opt=adamw", "S=5000 exceeds the limit 4096"),
            ("transformer_block_step/fp32/B=1,S=8,D=8,heads=2,opt=adam", "unknown optimizer 'adam'"),
            ("mlp_step/fp32/B=1,D=1,H=1", "expected parameters B,D,H,opt"),
            ("gemm/fp16/M=1,N=1,K=1", "no dtype 'fp16'"),
            ("gemm/fp32/M=100000,N=100000,K=100000", "2^31-1"),
            ("conv/fp32/M=1", "unknown kernel 'conv'"),
        ])
    func invalid(id: String, message: String) {
        do {
            _ = try KernelRegistry.builtIn.validatedCase(id)
            Issue.record("\(id) was accepted")
        } catch {
            #expect(error.description.contains(message), "\(error.description)")
        }
    }

    @Test("GEMM FLOPs are 2·M·N·K and bytes read A, B and write C once")
    func accounting() throws {
        let spec = GEMMSpec()
        let c32 = try KernelCase(parsing: "gemm/fp32/M=3,N=5,K=7")
        #expect(spec.flops(c32) == 210)
        #expect(spec.bytes(c32) == Double((3 * 7 + 7 * 5 + 3 * 5) * 4))
        let c64 = try KernelCase(parsing: "gemm/fp64/M=3,N=5,K=7")
        #expect(spec.bytes(c64) == Double((21 + 35 + 15) * 8))
        #expect(spec.unitsPerCall(c64) == 1)
    }

    @Test("the matmul suite holds square and transformer shapes with valid ids")
    func matmulSuite() throws {
        let cases = MatmulSuite().cases(quick: false)
        #expect(cases.contains { $0.id == "gemm/fp64/M=4096,N=4096,K=4096" })
        #expect(cases.contains { $0.id == "gemm/fp32/M=1024,N=2304,K=768" })  // QKV at d=768
        #expect(cases.contains { $0.id == "gemm/fp32/M=1024,N=2048,K=8192" })  // MLP down at d=2048
        for c in cases + MatmulSuite().cases(quick: true) {
            #expect(try KernelRegistry.builtIn.validatedCase(c.id) == c)
        }
        #expect(Set(cases.map(\.id)).count == cases.count)
    }

    @Test("SplitMix64 and FNV-1a reproduce their published test vectors")
    func generator() {
        var g = SplitMix64(seed: 0)
        #expect(g.next() == 0xE220_A839_7B1D_CDAF)
        #expect(g.next() == 0x6E78_9E6A_A1B9_65F4)
        #expect(InputSeed.fnv1a64("") == 0xCBF2_9CE4_8422_2325)
        #expect(InputSeed.fnv1a64("a") == 0xAF63_DC4C_8601_EC8C)
        // Cross-checked with the Python implementation in docs/results-schema.md.
        var a = SplitMix64(seed: InputSeed.seed(caseID: "gemm/fp32/M=2,N=2,K=2", operand: "A"))
        #expect(a.nextUniform() == -0.6421459913253784)
        #expect(a.nextUniform() == 0.2956583499908447)
    }
}
