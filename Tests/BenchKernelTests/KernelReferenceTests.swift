import BenchBLAS
import BenchCore
import BenchTraining
import Testing

/// The kernel references are what plugins are verified against: they must accept a correct
/// kernel's outputs (read from the built-in backend, entry by entry, as a plugin reports them)
/// and reject a wrong, missing or short answer.
@Suite("Kernel references")
struct KernelReferenceTests {
    static let ids = [
        "layernorm_fwd_bwd/DT/T=7,D=33", "softmax_xent_fwd_bwd/DT/T=5,V=97",
        "attention_fwd_bwd/DT/B=2,S=40,D=12,heads=3",
        "adamw_update/DT/N=1001", "mlp_step/DT/B=5,D=7,H=9,opt=adamw",
        "transformer_block_step/DT/B=2,S=9,D=12,heads=3,opt=sgd",
    ]
    static let stateful: Set = ["adamw_update", "mlp_step", "transformer_block_step"]

    @Test(
        "every kernel bench runs has a reference in fp32 and fp64 (gemm also bf16), so a plugin's rows can be verified")
    func coverage() throws {
        for spec in KernelRegistry.builtIn.specs {
            for dtype in [DType.fp32, .fp64] where spec.dtypes.contains(dtype) {
                let kc = KernelCase(kernel: spec.name, dtype: dtype, parameters: [])
                #expect(KernelReferences.reference(for: kc)?.kernel == spec.name, "\(spec.name) \(dtype)")
            }
        }
        // bf16: GEMM only (inputs rounded to bf16, fp32 accumulation); fp8: none yet.
        #expect(
            KernelReferences.reference(for: KernelCase(kernel: "gemm", dtype: .bf16, parameters: []))?.kernel == "gemm")
        #expect(KernelReferences.reference(for: KernelCase(kernel: "mlp_step", dtype: .bf16, parameters: [])) == nil)
        #expect(KernelReferences.reference(for: KernelCase(kernel: "gemm", dtype: .fp8, parameters: [])) == nil)
    }

    @Test(
        "a reference accepts the built-in outputs and rejects a wrong value, a missing value and a short answer",
        arguments: ids, ["fp32", "fp64"])
    func rejects(template: String, dtype: String) throws {
        let kc = try KernelRegistry.builtIn.validatedCase(template.replacingOccurrences(of: "DT", with: dtype))
        let reference = try #require(KernelReferences.reference(for: kc))
        let prepared = try BLASBackend(cpuModel: "test").prepare(kc, threads: 1)
        try prepared.run()
        let reading = try #require(prepared as? any OutputReading)
        let entries = reference.verificationEntries(kc)
        let values = entries.map(reading.value(at:))
        #expect(!entries.isEmpty && values.allSatisfy(\.isFinite))
        let good = reference.check(kc, entries: entries, values: values, calls: 1)
        #expect(good.passed && good.checkedEntries == entries.count, "\(good.detail)")

        // A change of 1% (plus 0.01) is far outside every bound, which are a few ulps of the values.
        let k = entries.count / 2
        var wrong = values
        wrong[k] += 0.01 + 0.01 * abs(wrong[k])
        let bad = reference.check(kc, entries: entries, values: wrong, calls: 1)
        #expect(!bad.passed)
        #expect(bad.detail.contains("\(entries[k].row),\(entries[k].column)]"), "\(bad.detail)")
        var missing = values
        missing[0] = .nan
        #expect(!reference.check(kc, entries: entries, values: missing, calls: 1).passed)
        #expect(!reference.check(kc, entries: entries, values: Array(values.dropLast()), calls: 1).passed)

        // After more calls a stateful kernel's outputs are only required to be finite.
        if Self.stateful.contains(kc.kernel) {
            #expect(reference.check(kc, entries: entries, values: wrong, calls: 3).passed)
            #expect(!reference.check(kc, entries: entries, values: missing, calls: 3).passed)
        } else {
            #expect(!reference.check(kc, entries: entries, values: wrong, calls: 3).passed)
        }
    }

    @Test("the generator can start at any element (SplitMix64 skipping n)")
    func skipping() {
        var stream = SplitMix64(seed: 42)
        for _ in 0..<1000 { _ = stream.next() }
        var jumped = SplitMix64(seed: 42, skipping: 1000)
        #expect(stream.next() == jumped.next())
    }

    @Test("a large buffer filled in chunks at once holds the values of one pass in index order")
    func chunkedFill() {
        let n = (4 << 20) + 3  // the chunked path, with a partial last chunk
        let scale = 1 / Double(4096).squareRoot()
        var sequential = [Float](repeating: 0, count: n)
        var rng = SplitMix64(seed: 7)
        for i in 0..<n { sequential[i] = Float(rng.nextUniform() * scale) }
        var chunked = [Float](repeating: .nan, count: n)
        chunked.withUnsafeMutableBufferPointer { $0.fillUniform(seed: 7, scale: scale) }
        #expect(chunked == sequential)
        var small = [Double](repeating: .nan, count: 5)
        small.withUnsafeMutableBufferPointer { $0.fillUniform(seed: 7) }
        rng = SplitMix64(seed: 7)
        #expect(small == (0..<5).map { _ in rng.nextUniform() })
    }
}
