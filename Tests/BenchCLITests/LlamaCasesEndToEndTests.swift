import BenchTestSupport
import Foundation
import Testing

/// Bad Llama-style shapes through the binary: one line naming what is wrong, exit 2, nothing written.
@Suite("Llama-style cases end to end")
struct LlamaCasesEndToEndTests {
    @Test(
        "a bad head layout is refused before anything runs",
        arguments: [
            ("gqa_attention_fwd_bwd/fp32/B=1,S=8,D=16,heads=4,kv_heads=3", "kv_heads=3 does not divide heads=4"),
            ("gqa_attention_fwd_bwd/fp32/B=1,S=8,D=16,heads=4,kv_heads=8", "kv_heads=8 is above heads=4"),
            ("gqa_attention_fwd_bwd/fp32/B=1,S=8,D=16,heads=3,kv_heads=1", "heads=3 does not divide D=16"),
            ("rope_fwd_bwd/fp32/B=1,S=8,D=15,heads=5", "the head dimension D/heads = 3 is odd"),
        ])
    func badShape(id: String, reason: String) throws {
        let dir = try temporaryDirectory()
        let r = try BenchBinary.locate().run(
            ["run", "--suite", "training", "--quick", "--add-case", id, "--out", "x.csv"], in: dir)
        #expect(r.status == 2)
        #expect(r.stderr.split(separator: "\n").count == 1 && r.stderr.contains(reason), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("x.csv").path))
    }
}
