import BenchBLAS
import BenchCore
import BenchTraining
import Foundation
import Testing

/// The NumPy reference plugin and bench compute the same step from the same generated inputs:
/// fixtures recorded from it (`Tests/BenchKernelTests/Fixtures/gradcheck.py numpy --dump-step ID FILE`, whose
/// fp64 gradients that script also checks against finite differences) hold the first step's
/// loss and the first 8 entries of every gradient and updated parameter, in fp64. Agreement to
/// 1e-10 relative (summation order differs; fp64 round-off is ~1e-15) shows both implement one
/// definition.
@Suite("Agreement with the NumPy reference plugin")
struct PeerAgreementTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    struct Dump: Decodable {
        var case_id: String
        var loss: Double
        var gradients_first8: [String: [Double]]
        var updated_parameters_first8: [String: [Double]]
    }

    func load(_ name: String) throws -> Dump {
        try JSONDecoder().decode(Dump.self, from: Data(contentsOf: Self.fixtures.appendingPathComponent(name)))
    }

    func close(_ a: [Double], _ b: [Double], _ label: String) {
        #expect(a.count == b.count, "\(label)")
        for (x, y) in zip(a, b) { #expect(abs(x - y) <= 1e-10 * max(abs(x), abs(y), 1e-6), "\(label): \(x) vs \(y)") }
    }

    @Test("mlp_step: loss, gradients and the AdamW update match the NumPy plugin")
    func mlp() throws {
        let dump = try load("numpy-peer-mlp_step-fp64-B4-D8-H16-adamw.json")
        let model = MLPStep<Double>(
            try KernelRegistry.builtIn.validatedCase(dump.case_id), engine: BLASEngine<Double>(threads: 1))
        model.forwardBackward()
        #expect(abs(model.loss - dump.loss) <= 1e-12 * dump.loss)
        for name in ["W1", "b1", "W2", "b2"] {
            close(
                Array(try #require(model.parameter(name)).gradient.prefix(8)),
                try #require(dump.gradients_first8["d" + name]), "d\(name)")
        }
        close(Array(model.inputGradient.pointer.prefix(8)), try #require(dump.gradients_first8["dx"]), "dx")
        model.update()
        for name in ["W1", "b1", "W2", "b2"] {
            close(
                Array(try #require(model.parameter(name)).value.prefix(8)),
                try #require(dump.updated_parameters_first8[name]), name)
        }
    }

    @Test("transformer_block_step: loss, every gradient and the update match the NumPy plugin")
    func block() throws {
        let dump = try load("numpy-peer-transformer_block_step-fp64-B2-S5-D8-h2-adamw.json")
        let model = TransformerBlockStep<Double>(
            try KernelRegistry.builtIn.validatedCase(dump.case_id), engine: BLASEngine<Double>(threads: 1))
        let loss = model.step()
        #expect(abs(loss - dump.loss) <= 1e-12 * dump.loss)
        // step() has already updated the parameters: compare those; gradients stay in their buffers.
        for name in TransformerBlockStep<Double>.parameterNames {
            let p = try #require(model.parameter(name))
            close(Array(p.gradient.prefix(8)), try #require(dump.gradients_first8["d" + name]), "d\(name)")
            close(Array(p.value.prefix(8)), try #require(dump.updated_parameters_first8[name]), name)
        }
        close(Array(model.inputGradient.pointer.prefix(8)), try #require(dump.gradients_first8["dx"]), "dx")
    }
}
