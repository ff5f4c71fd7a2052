import CBenchSupport
import Foundation

/// Reads facts about the host from `/proc`, `uname` and the build.
public enum HostProbe {
    /// The vector ISA the C and Swift code of this build were compiled for.
    public static var compiledISA: String { String(cString: bench_compiled_isa()) }

    /// The CPU's `model name` and `flags` from `/proc/cpuinfo` (empty when unreadable).
    public static func cpuInfo() -> CPUInfo {
        let fields = cpuinfoFields(
            ["model name", "flags", "Features"],
            enough: { $0["model name"] != nil && ($0["flags"] ?? $0["Features"]) != nil })
        let flags = fields["flags"] ?? fields["Features"]
        return (fields["model name"] ?? "unknown", flags.map { $0.split(separator: " ").map(String.init) } ?? [])
    }

    /// The first CPU's `vendor_id` and `cpu family` from `/proc/cpuinfo` (`nil` where Linux
    /// does not give them, as on arm64): AMD family 0x19 is Zen 3 and 4, 0x1A Zen 5.
    public static let cpuFamily: (vendor: String, family: Int)? = {
        let fields = cpuinfoFields(["vendor_id", "cpu family"], enough: { $0.count == 2 })
        guard let vendor = fields["vendor_id"], let family = fields["cpu family"].flatMap({ Int($0) }) else {
            return nil
        }
        return (vendor, family)
    }()

    /// The first value of each of `keys` in `/proc/cpuinfo` (the first CPU's), reading until
    /// `enough` says the fields found suffice; empty when the file is unreadable.
    static func cpuinfoFields(_ keys: Set<String>, enough: ([String: String]) -> Bool) -> [String: String] {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return [:] }
        var fields: [String: String] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2 else { continue }
            let key = parts[0].trimmingCharacters(in: .whitespaces)
            guard keys.contains(key), fields[key] == nil else { continue }
            fields[key] = parts[1].trimmingCharacters(in: .whitespaces)
            if enough(fields) { break }
        }
        return fields
    }

    /// The size of the first CPU's level-2 data (or unified) cache, from
    /// `/sys/devices/system/cpu/cpu0/cache` (`nil` where Linux does not say).
    public static let l2CacheBytes: Int? = {
        let root = "/sys/devices/system/cpu/cpu0/cache"
        for i in 0..<8 {
            func read(_ name: String) -> String? {
                (try? String(contentsOfFile: "\(root)/index\(i)/\(name)", encoding: .utf8))?
                    .trimmingCharacters(in: .whitespacesAndNewlines)
            }
            guard let level = read("level") else { break }
            guard level == "2", read("type") != "Instruction", let size = read("size") else { continue }
            let scale = size.hasSuffix("K") ? 1024 : size.hasSuffix("M") ? 1 << 20 : 1
            return Int(size.trimmingCharacters(in: CharacterSet(charactersIn: "KM"))).map { $0 * scale }
        }
        return nil
    }()

    /// The ISA ladder (`Sources/CBenchSupport/include/bench_isa_ladder.def`, the same file
    /// `scripts/lib/isa.sh` reads): every kernel variant, widest first, with its architecture
    /// and the cpuinfo flags a CPU needs to run it.
    public static var isaLadder: [(name: String, arch: String, flags: [String])] {
        (0..<Int(bench_isa_count())).map { i in
            (
                String(cString: bench_isa_name(Int32(i))), String(cString: bench_isa_arch(Int32(i))),
                String(cString: bench_isa_flags(Int32(i))).split(separator: " ").map(String.init)
            )
        }
    }

    /// The widest rung of the ISA ladder this CPU can run (`avx512`, `avx2`, `portable`, `neon`).
    public static func cpuISA(flags: [String]) -> String {
        String(cString: bench_cpu_isa(flags.joined(separator: " ")))
    }

    /// Vector width in bits of a rung of the ladder.
    public static func vectorBits(isa: String) -> Int {
        switch isa {
        case "avx512": 512
        case "avx2": 256
        case "portable", "neon": 128
        default: 0
        }
    }

    /// Whether a build compiled for `compiled` can run on a CPU whose widest rung is `cpu`.
    public static func canRun(compiled: String, on cpu: String) -> Bool {
        let names = isaLadder.map(\.name)
        guard let c = names.firstIndex(of: compiled), let h = names.firstIndex(of: cpu) else { return compiled == cpu }
        return h <= c && isaLadder[c].arch == isaLadder[h].arch
    }

    /// `MemTotal` and `MemAvailable` from `/proc/meminfo`, in bytes.
    public static func memory() -> (total: Int, available: Int) {
        let physical = Int(ProcessInfo.processInfo.physicalMemory)
        guard let text = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8) else {
            return (physical, physical)
        }
        func field(_ name: String) -> Int? {
            for line in text.split(separator: "\n") where line.hasPrefix(name + ":") {
                let digits = line.dropFirst(name.count + 1).trimmingCharacters(in: .whitespaces).split(separator: " ")
                    .first
                return digits.flatMap { Int($0) }.map { $0 * 1024 }
            }
            return nil
        }
        return (field("MemTotal") ?? physical, field("MemAvailable") ?? physical)
    }

    /// `PRETTY_NAME` from `/etc/os-release`, and the kernel release from `uname`.
    public static func osAndKernel() -> (os: String, kernel: String) {
        var os = "unknown"
        if let text = try? String(contentsOfFile: "/etc/os-release", encoding: .utf8) {
            for line in text.split(separator: "\n") where line.hasPrefix("PRETTY_NAME=") {
                os = line.dropFirst("PRETTY_NAME=".count).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            }
        }
        var u = utsname()
        uname(&u)
        let release = withUnsafeBytes(of: &u.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let sys = withUnsafeBytes(of: &u.sysname) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        return (os, "\(sys) \(release)")
    }

    /// The 1-minute load average.
    public static func loadAverage() -> Double {
        guard let text = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8) else { return 0 }
        return text.split(separator: " ").first.flatMap { Double($0) } ?? 0
    }

    /// Busy CPU seconds of the whole machine (all cores) and of this process, from `/proc`.
    public static func cpuSeconds() -> (machine: Double, process: Double) {
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        var machine = 0.0
        if let stat = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
            let first = stat.split(separator: "\n").first, first.hasPrefix("cpu ")
        {
            // user nice system idle iowait irq softirq steal …: busy = all but idle and iowait.
            let v = first.split(separator: " ").dropFirst().compactMap { Double($0) }
            if v.count >= 8 { machine = (v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / ticks }
        }
        var process = 0.0
        if let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        {
            // Fields after the command name: utime and stime are the 12th and 13th, and cutime
            // and cstime (the children bench has reaped: its plugins) the 14th and 15th, so
            // bench's own plugins are never counted as "other processes".
            let rest = stat[stat.index(after: close)...].split(separator: " ")
            if rest.count > 14, let u = Double(rest[11]), let s = Double(rest[12]), let cu = Double(rest[13]),
                let cs = Double(rest[14])
            {
                process = (u + s + cu + cs) / ticks
            }
        }
        return (machine, process)
    }
}

/// Measures what other processes did to the machine between ``start()`` and ``stop()``.
public struct NoiseMonitor: Sendable {
    let load: Double
    let cpu: (machine: Double, process: Double)
    let wallStart: Date

    /// Samples `/proc` now.
    public static func start() -> NoiseMonitor {
        NoiseMonitor(load: HostProbe.loadAverage(), cpu: HostProbe.cpuSeconds(), wallStart: Date())
    }

    /// The noise since ``start()``; warns when others used more than 10% of `cores`.
    public func stop(cores: Int) -> HostNoise {
        let now = HostProbe.cpuSeconds()
        let wall = max(Date().timeIntervalSince(wallStart), 1e-3)
        let others = max(0, (now.machine - cpu.machine) - (now.process - cpu.process))
        // At most all of the cores; clock ticks (10 ms) make a share of a short run meaningless.
        let fraction = min(1, others / (wall * Double(max(cores, 1))))
        let warning =
            fraction > 0.10 && wall >= 1
            ? "other processes used \(fixed(fraction * 100, 0))% of the \(cores) cores during the run; timings may be noisy"
            : ""
        return HostNoise(
            loadAverageStart: load, loadAverageEnd: HostProbe.loadAverage(),
            otherProcessesCPUFraction: fraction, wallSeconds: wall, warning: warning)
    }
}

/// The CPU's model name and feature flags (`/proc/cpuinfo`).
public typealias CPUInfo = (model: String, flags: [String])
