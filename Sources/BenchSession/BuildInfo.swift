import BenchCore
import Foundation

/// What scripts/build recorded next to the binary (`bench.buildinfo.json`).
public struct BuildInfo: Decodable, Sendable {
    public var isa: String
    public var swiftVersion: String
    public var gitCommit: String
    public var flags: String

    enum CodingKeys: String, CodingKey {
        case isa, swiftVersion = "swift_version", gitCommit = "git_commit", flags
    }

    /// The record beside the running executable, or a placeholder for builds
    /// that did not go through scripts/build (e.g. `swift build`).
    public static let current: BuildInfo = {
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        let file = exe.deletingLastPathComponent().appendingPathComponent("bench.buildinfo.json")
        if let data = try? Data(contentsOf: file), let info = try? JSONDecoder().decode(BuildInfo.self, from: data) {
            return info
        }
        return BuildInfo(
            isa: HostProbe.compiledISA, swiftVersion: "unknown (not built by scripts/build)",
            gitCommit: "unknown", flags: "")
    }()

    public init(isa: String, swiftVersion: String, gitCommit: String, flags: String) {
        self.isa = isa
        self.swiftVersion = swiftVersion
        self.gitCommit = gitCommit
        self.flags = flags
    }

    /// Refuses to go on when the binary targets a wider ISA than this CPU has
    /// (it would die of an illegal instruction in the first kernel).
    public static func checkISA(cpuFlags: [String]) throws(SessionError) {
        let compiled = HostProbe.compiledISA
        let cpu = HostProbe.cpuISA(flags: cpuFlags)
        guard HostProbe.canRun(compiled: compiled, on: cpu) else {
            throw .input(
                "this bench binary was built for \(compiled) but this CPU only has \(cpu); rebuild it here with scripts/build"
            )
        }
    }
}
