import BenchCore
import BenchModels
import Foundation
import Testing

import BenchProjection

@Suite("bench validate-model --kind job: the published training jobs")
struct JobValidationTests {
    @Test("The shipped job points: enough of them, split by the source rule, each reproducible")
    func shippedSet() throws {
        let set = try JobValidation.shipped()
        let sources = Set(set.points.map(\.sourceId))
        #expect(set.points.count >= 25 && sources.count >= 8 && Set(set.points.map(\.device)).count >= 3)
        let kernel = try ValidationSet.shipped()
        var kernelRoles: [String: String] = [:]
        for p in kernel.points { kernelRoles[p.sourceId ?? ""] = p.split }
        let rule = set.ruleSplit(kernelRoles: kernelRoles)
        for p in set.points {
            #expect(p.split == rule[p.sourceId], "\(p.id): \(p.split), the rule says \(rule[p.sourceId] ?? "?")")
        }
    }

    @Test("Leave-one-source-out error within the target, and the shipped intervals made from it")
    func crossValidated() throws {
        let catalog = try Catalog.shipped()
        let v = try JobValidation(
            set: try JobValidation.shipped(), catalog: catalog, presets: try ModelPresets.shipped(),
            kernelSet: try ValidationSet.shipped())
        let errors = v.results.compactMap(\.looError).map(abs).sorted()
        #expect(errors.count == v.results.count)
        let median = errors[errors.count / 2]
        #expect(median <= 0.20, "leave-one-source-out median |error| \(median)")
        // A source the kernel fit used is refitted without it: its error moves.
        let flash = v.results.filter { $0.point.sourceId == "flash-attention-training-readme" }
        #expect(!flash.isEmpty && flash.contains { $0.looError != $0.error })
        let shipped = try #require(JobErrorTable.shipped())
        #expect(shipped == JobErrorTable(results: v.results, catalogVersion: catalog.catalogVersion))
        // Every job the source ran is one the memory account says fits.
        for r in v.results {
            #expect(r.fits, "\(r.point.id) needs \(r.memory / 1_073_741_824) GiB of \(r.capacity / 1_073_741_824)")
        }
    }

    @Test("A bad job point is refused with its place and reason")
    func badPoints() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("jobs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let shipped = try JobValidation.shipped()
        let encoder = JSONEncoder()
        func write(_ s: JobSet) throws -> String {
            let path = dir.appendingPathComponent("\(UUID().uuidString).json").path
            try encoder.encode(s).write(to: URL(fileURLWithPath: path))
            return path
        }
        var split = shipped
        let first = split.points[0]
        if let i = split.points.indices.dropFirst().first(where: { split.points[$0].sourceId == first.sourceId }) {
            split.points[i].split = first.split == "calibration" ? "held-out" : "calibration"
            #expect { try JobValidation.load(path: write(split)) } throws: { "\($0)".contains("split across roles") }
        }
        var unit = shipped
        unit.points[0].published.unit = "TFLOP/s"
        #expect { try JobValidation.load(path: write(unit)) } throws: { "\($0)".contains("tokens/s/device") }
        var kind = shipped
        kind.points[0].kind = "kernel"
        #expect { try JobValidation.load(path: write(kind)) } throws: { "\($0)".contains("kind must be 'job'") }
    }
}
