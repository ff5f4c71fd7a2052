import BenchCore
import BenchResults
import BenchTestSupport
import Foundation
import Testing

/// Hostile plugins and processes: interrupts, fuzzed replies, what outlives bench.
extension HostilePluginTests {
    @Test("SIGTERM while a plugin hangs in prepare: exit 130, rows saved, and the plugin does not outlive bench")
    func pluginKilledOnInterrupt() throws {
        let dir = try temporaryDirectory()
        let out = dir.appendingPathComponent("k.csv")
        let p = try BenchBinary.locate().start([
            "run", "--suite", "matmul", "--quick", "--dtype", "fp32", "--case", "M=64,", "--backend",
            "h100,plugin:\(Self.hostile)",
            "--plugin-arg", "hang-prepare", "--out", out.path,
        ])
        // Wait until the h100 row is on disk: bench is then waiting on the plugin's prepare.
        let partial = dir.appendingPathComponent(".k.csv.\(p.process.processIdentifier).partial").path
        for _ in 0..<400 {
            if let text = try? String(contentsOfFile: partial, encoding: .utf8), text.split(separator: "\n").count >= 2
            {
                break
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        var before: [Int32] = []
        let deadline = Date().addingTimeInterval(20)
        while before.isEmpty, Date() < deadline {
            before = Self.processes(matching: "hostile.py hang-prepare")
            if before.isEmpty { Thread.sleep(forTimeInterval: 0.05) }
        }
        #expect(!before.isEmpty)
        kill(p.process.processIdentifier, SIGTERM)
        p.process.waitUntilExit()
        #expect(p.process.terminationStatus == 130)
        // The plugin is killed by bench before it exits; allow the kernel a moment to reap it.
        let gone = Date().addingTimeInterval(5)
        while !Self.processes(matching: "hostile.py hang-prepare").filter({ before.contains($0) }).isEmpty,
            Date() < gone
        {
            Thread.sleep(forTimeInterval: 0.05)
        }
        #expect(Self.processes(matching: "hostile.py hang-prepare").filter { before.contains($0) }.isEmpty)
        #expect(try ResultSet(path: out.path).rows.contains { $0.backend == "h100" })
    }

    @Test("kill -9 of bench while a plugin hangs in prepare: the kernel kills the plugin too (parent-death signal)")
    func pluginDiesWithBench() throws {
        let dir = try temporaryDirectory()
        let p = try BenchBinary.locate().start([
            "run", "--suite", "matmul", "--quick", "--dtype", "fp32", "--case", "M=64,", "--backend",
            "plugin:\(Self.hostile)", "--plugin-arg", "hang-prepare", "--out", dir.appendingPathComponent("k.csv").path,
        ])
        var plugin: [Int32] = []
        let deadline = Date().addingTimeInterval(20)
        while plugin.isEmpty, Date() < deadline {
            plugin = Self.processes(matching: "hostile.py hang-prepare").filter {
                Self.parent(of: $0) == p.process.processIdentifier
            }
            if plugin.isEmpty { Thread.sleep(forTimeInterval: 0.05) }
        }
        #expect(!plugin.isEmpty)
        kill(p.process.processIdentifier, SIGKILL)
        p.process.waitUntilExit()
        let gone = Date().addingTimeInterval(5)
        while plugin.contains(where: { kill($0, 0) == 0 && Self.parent(of: $0) != nil }), Date() < gone {
            Thread.sleep(forTimeInterval: 0.05)
        }
        #expect(!plugin.contains { Self.processes(matching: "hostile.py hang-prepare").contains($0) })
    }

    @Test(
        "a plugin's child in a new session, and a double-forked daemon, are killed with the plugin at its timeout",
        arguments: ["escape", "daemon"])
    func detachedChildrenKilled(mode: String) throws {
        let tag = "bench-test-\(mode)-\(UUID().uuidString)"
        let dir = try temporaryDirectory()
        let r = try BenchBinary.locate().run([
            "run", "--suite", "matmul", "--quick", "--dtype", "fp32", "--case", "M=64,", "--backend",
            "plugin:\(Self.hostile)", "--plugin-arg", "\(mode)=\(tag)", "--case-timeout", "2", "--out",
            dir.appendingPathComponent("e.csv").path,
        ])
        #expect(r.status == 1, "stderr: \(r.stderr)")  // the case's row is an error: prepare timed out
        let gone = Date().addingTimeInterval(5)
        while !Self.processes(matching: tag).isEmpty, Date() < gone { Thread.sleep(forTimeInterval: 0.05) }
        let left = Self.processes(matching: tag)
        for pid in left { kill(pid, SIGKILL) }
        #expect(left.isEmpty, "\(mode): \(left.count) process(es) outlived bench")
    }

    /// The parent pid of `pid`, or `nil` when it is gone.
    static func parent(of pid: Int32) -> Int32? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return fields.count > 1 ? Int32(fields[1]) : nil
    }

    @Test(
        "fuzzed plugin replies (fixed seeds): never a crash, never exit 2 once running, every file readable, no non-finite number"
    )
    func fuzzedReplies() throws {
        var errorRows = 0
        for seed in 1...(8 * fuzzScale()) {
            let (r, rows, dir) = try run("fuzz=\(seed)", backends: "h100,plugin:\(Self.hostile)")
            #expect(r.status == 0 || r.status == 1, "seed \(seed): status \(r.status), stderr: \(r.stderr)")
            #expect(!r.stderr.contains("Fatal error"))
            #expect(rows.count == 4, "seed \(seed)")  // read back by ResultSet: every file is readable
            #expect(rows.allSatisfy { $0.nonFiniteColumn() == nil })
            errorRows += rows.filter { $0.status.isFailure }.count
            #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("h.json").path))
        }
        #expect(errorRows > 0)
        if fuzzScale() > 1 { print("plugin reply fuzz: \(8 * fuzzScale()) runs, \(errorRows) error rows") }
    }

    /// Pids whose command line contains `text`.
    static func processes(matching text: String) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { Int32($0) }.filter { pid in
            guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
            let cmd = String(decoding: data.map { $0 == 0 ? 32 : $0 }, as: UTF8.self)
            return cmd.contains(text)
        }
    }
}
