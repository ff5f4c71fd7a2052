import BenchCore
import BenchTestSupport
import Foundation
import Testing

@Suite("The RAPL energy meter, against a fake powercap tree")
struct EnergyMeterTests {
    /// A powercap tree like Linux's: package zones `intel-rapl:N` with a core subzone `intel-rapl:N:0`.
    func tree(packages: [(energy: UInt64, range: UInt64)], readable: Bool = true) throws -> URL {
        let root = try temporaryDirectory().appendingPathComponent("powercap")
        for (i, p) in packages.enumerated() {
            for zone in ["intel-rapl:\(i)", "intel-rapl:\(i):0"] {
                let dir = root.appendingPathComponent(zone)
                try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
                try "package-\(i)\n".write(to: dir.appendingPathComponent("name"), atomically: true, encoding: .utf8)
                try "\(p.range)\n".write(
                    to: dir.appendingPathComponent("max_energy_range_uj"), atomically: true, encoding: .utf8)
                let energy = dir.appendingPathComponent("energy_uj")
                try "\(p.energy)\n".write(to: energy, atomically: true, encoding: .utf8)
                if !readable {
                    try FileManager.default.setAttributes([.posixPermissions: 0], ofItemAtPath: energy.path)
                }
            }
        }
        return root
    }

    func set(_ root: URL, zone: Int, energy: UInt64) throws {
        try "\(energy)\n".write(
            to: root.appendingPathComponent("intel-rapl:\(zone)/energy_uj"), atomically: true, encoding: .utf8)
    }

    @Test("package zones are found (subzones are not counted twice) and joules add up across packages")
    func readsPackages() throws {
        let root = try tree(packages: [(1_000_000, 262_143_328_850), (5_000_000, 262_143_328_850)])
        let meter = try EnergyMeter.open(root: root.path).get()
        #expect(meter.zones.map(\.name) == ["package-0", "package-1"])
        let before = try #require(meter.read())
        try set(root, zone: 0, energy: 3_500_000)
        try set(root, zone: 1, energy: 6_000_000)
        let after = try #require(meter.read())
        #expect(meter.joules(from: before, to: after) == 3.5)
    }

    @Test("a counter that wrapped past max_energy_range_uj is unwrapped")
    func wrapAround() throws {
        #expect(EnergyMeter.delta(before: 900, after: 100, range: 1000) == 200)
        #expect(EnergyMeter.delta(before: 100, after: 900, range: 1000) == 800)
        let root = try tree(packages: [(262_143_000_000, 262_143_328_850)])
        let meter = try EnergyMeter.open(root: root.path).get()
        let before = try #require(meter.read())
        try set(root, zone: 0, energy: 671_150)
        #expect(meter.joules(from: before, to: try #require(meter.read())) == 1.0)
    }

    @Test("no powercap tree, no package zone, or an unreadable counter: the reason, not a reading")
    func unavailable() throws {
        let missing = try temporaryDirectory().appendingPathComponent("none")
        #expect(throws: EnergyUnavailable.self) { try EnergyMeter.open(root: missing.path).get() }
        let empty = try temporaryDirectory()
        try FileManager.default.createDirectory(
            at: empty.appendingPathComponent("intel-rapl-mmio:0"), withIntermediateDirectories: true)
        guard case .failure(let why) = EnergyMeter.open(root: empty.path) else {
            Issue.record("a tree without package zones opened")
            return
        }
        #expect(why.reason.contains("no RAPL package zone"))
        if getuid() != 0 {
            // Root reads a file whatever its mode, so only a non-root run can see the refusal.
            let locked = try tree(packages: [(1, 100)], readable: false)
            guard case .failure(let w) = EnergyMeter.open(root: locked.path) else {
                Issue.record("an unreadable counter opened")
                return
            }
            #expect(w.reason.contains("not readable"))
        }
    }
}
