import Foundation
import Testing

/// Runs the built `bench` executable: `$BENCH_BIN`, else the package's
/// `.build/release/bench` or `.build/debug/bench`.
struct BenchBinary {
    let url: URL

    static func locate() throws -> BenchBinary {
        let fm = FileManager.default
        if let env = ProcessInfo.processInfo.environment["BENCH_BIN"], fm.isExecutableFile(atPath: env) {
            return BenchBinary(url: URL(fileURLWithPath: env))
        }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        for config in ["release", "debug"] {
            let candidate = root.appendingPathComponent(".build/\(config)/bench")
            if fm.isExecutableFile(atPath: candidate.path) { return BenchBinary(url: candidate) }
        }
        throw BinaryMissing()
    }

    struct BinaryMissing: Error, CustomStringConvertible {
        var description: String { "bench binary not found: build it (scripts/build) or set BENCH_BIN" }
    }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs bench with `arguments` in `directory` and waits for it.
    func run(_ arguments: [String], in directory: URL? = nil, environment: [String: String] = [:]) throws -> Result {
        let p = try start(arguments, in: directory, environment: environment)
        let out = p.out.fileHandleForReading.readAllRetryingInterrupts()
        let err = p.err.fileHandleForReading.readAllRetryingInterrupts()
        p.process.waitUntilExit()
        return Result(
            status: p.process.terminationStatus, stdout: String(decoding: out, as: UTF8.self),
            stderr: String(decoding: err, as: UTF8.self))
    }

    /// Starts bench without waiting.
    func start(_ arguments: [String], in directory: URL? = nil, environment: [String: String] = [:]) throws
        -> (process: Process, out: Pipe, err: Pipe)
    {
        let p = Process()
        p.executableURL = url
        p.arguments = arguments
        if let directory { p.currentDirectoryURL = directory }
        p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        return (p, out, err)
    }
}

extension FileHandle {
    /// Everything until end of file, retrying reads a signal interrupts (EINTR).
    /// Foundation's `readDataToEndOfFile()` traps on EINTR (a `try!` inside), which a
    /// signal delivered to the test process while it waits for a child can cause.
    func readAllRetryingInterrupts() -> Data {
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fileDescriptor, $0.baseAddress, $0.count) }
            if n > 0 {
                data.append(contentsOf: buffer[0..<n])
            } else if n == 0 || errno != EINTR {
                return data
            }
        }
    }
}

/// Waits until process `pid` catches `signal` (its `SigCgt` mask in `/proc/PID/status`), so a
/// test can signal bench "right after start" without racing its start-up; `false` at the
/// deadline or when the process is gone.
func waitUntilCatches(_ signal: Int32, pid: Int32, within seconds: Double = 20) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return false }
        if let line = status.split(separator: "\n").first(where: { $0.hasPrefix("SigCgt:") }),
            let mask = UInt64(line.dropFirst("SigCgt:".count).trimmingCharacters(in: .whitespaces), radix: 16),
            mask & (1 << UInt64(signal - 1)) != 0
        {
            return true
        }
        Thread.sleep(forTimeInterval: 0.005)
    }
    return false
}
