import BenchCore
import BenchModels
import BenchTestSupport
import Foundation
import Testing

/// Fuzzing of the catalog loader and the models built from what it accepts: deterministic
/// mutations of the shipped catalog (numbers replaced by huge, tiny, negative, zero or
/// fractional values; byte flips and truncations) must be refused with a CatalogError or give
/// models whose every estimate is finite and positive — never a crash or a non-finite number.
@Suite("Catalog fuzzing")
struct CatalogFuzzTests {
    static let hostile = ["1e300", "-1", "0", "1e-300", "1e19", "2.5", "1e308", "-0"]

    @Test("mutated catalogs are refused cleanly, or every modeled estimate is finite")
    func fuzz() throws {
        let shipped = try Catalog.shipped()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let text = String(decoding: try encoder.encode(shipped), as: UTF8.self)
        let numbers = try NSRegularExpression(pattern: #"(?<=[:\[,])-?[0-9][0-9.eE+-]*"#)
        let matches = numbers.matches(in: text, range: NSRange(text.startIndex..., in: text))
        #expect(matches.count > 100)
        let cases = try [
            "gemm/fp32/M=64,N=64,K=64", "gemm/bf16/M=8192,N=8192,K=8192",
            "mlp_step/bf16/B=16,D=32,H=64,opt=sgd", "transformer_block_step/bf16/B=4,S=256,D=768,heads=12,opt=adamw",
        ]
        .map { try KernelCase(parsing: $0) }
        let dir = try temporaryDirectory()
        var rng = SplitMix64(seed: InputSeed.fnv1a64("catalog-fuzz"))
        var accepted = 0, refused = 0
        for i in 0..<(120 * fuzzScale()) {
            var mutated = text
            if i % 4 == 3 {
                mutated = byteDamaged(mutated, &rng)
            } else {
                // Replace up to three numbers, highest position first so earlier ranges stay valid.
                let picked = (0..<(1 + Int(rng.next() % 3))).map { _ in
                    matches[Int(rng.next() % UInt64(matches.count))].range
                }
                var ns = text as NSString
                for range in Set(picked.map(\.location)).sorted(by: >).compactMap({ loc in
                    picked.first { $0.location == loc }
                }) {
                    ns =
                        ns.replacingCharacters(
                            in: range, with: Self.hostile[Int(rng.next() % UInt64(Self.hostile.count))]) as NSString
                }
                mutated = ns as String
            }
            let path = dir.appendingPathComponent("c\(i).json").path
            try mutated.write(toFile: path, atomically: true, encoding: .utf8)
            let catalog: Catalog
            do {
                catalog = try Catalog.load(path: path)
            } catch {
                refused += 1
                #expect(!error.description.isEmpty)
                continue
            }
            accepted += 1
            for profile in Profile.builtIn {
                guard let backend = try? ModeledDeviceBackend(profile: profile, catalog: catalog) else { continue }
                for kc in cases {
                    guard let e = try? backend.estimate(kc) else { continue }
                    #expect(
                        e.seconds.isFinite && e.seconds > 0, "\(profile.id) \(kc.id): \(e.seconds) s from mutation \(i)"
                    )
                    #expect(e.peakFLOPS.isFinite && e.peakFLOPS > 0)
                }
            }
        }
        #expect(accepted + refused == 120 * fuzzScale())
        #expect(refused > 0 && accepted > 0)
        if fuzzScale() > 1 { print("catalog fuzz: \(120 * fuzzScale()) tried, \(accepted) read, \(refused) refused") }
    }
}
