import BenchResults
import BenchTestSupport
import Foundation
import Testing

/// A new directory with `name` planted in it as a link to a file holding `keep`, and that file.
func plantedLink(_ name: String) throws -> (dir: URL, victim: URL) {
    let dir = try temporaryDirectory()
    let victim = dir.appendingPathComponent("victim.txt")
    try "keep\n".write(to: victim, atomically: true, encoding: .utf8)
    try FileManager.default.createSymbolicLink(at: dir.appendingPathComponent(name), withDestinationURL: victim)
    return (dir, victim)
}

/// Issue 29's defects, each run against the real binary.
@Suite("Hardening, second round: data loss, crashes and lost output")
struct HardeningRound2Tests {
    static let compareFixtures = PluginTests.root.appendingPathComponent("Tests/BenchCLITests/Fixtures/compare")

    /// Runs `bench ARGS` through the shell with `redirections` (e.g. `>/dev/full`, `2>&-`).
    func shell(_ arguments: [String], _ redirections: String) throws -> BenchBinary.Result {
        let bench = try BenchBinary.locate().url.path
        let quoted = ([bench] + arguments).map { "'\($0.replacingOccurrences(of: "'", with: "'\\''"))'" }
        return try BenchBinary(url: URL(fileURLWithPath: "/bin/sh")).run([
            "-c", quoted.joined(separator: " ") + " " + redirections,
        ])
    }

    @Test("output that cannot be written (> /dev/full, a closed stdout) is exit 2 with one line, never a silent 0")
    func unwritableStdout() throws {
        let args = [
            "compare", Self.compareFixtures.appendingPathComponent("baseline.csv").path,
            Self.compareFixtures.appendingPathComponent("same.csv").path,
        ]
        // validate-model writes more than stdio's buffer: its first writes fail before the end.
        for arguments in [args, ["validate-model", "--no-cross-validation"]] {
            for redirection in [">/dev/full", ">&-"] {
                let r = try shell(arguments, redirection)
                #expect(r.status == 2, "\(arguments[0]) \(redirection): \(r.stderr)")
                #expect(
                    r.stderr.contains("standard output:") && r.stderr.contains("the output is lost"), "\(r.stderr)")
            }
        }
    }

    @Test("a --baseline with a header and no rows is refused before the run measures or writes anything")
    func emptyBaseline() throws {
        let dir = try temporaryDirectory()
        let header = try String(
            contentsOf: Self.compareFixtures.appendingPathComponent("baseline.csv"), encoding: .utf8
        ).split(separator: "\n")[0]
        let baseline = dir.appendingPathComponent("empty.csv")
        try (header + "\n").write(to: baseline, atomically: true, encoding: .utf8)
        let r = try BenchBinary.locate().run([
            "run", "--quick", "--backend", "h100", "--baseline", baseline.path, "--out",
            dir.appendingPathComponent("o.csv").path,
        ])
        #expect(r.status == 2, "\(r.stderr)")
        #expect(r.stderr.contains("header only, no rows to compare"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("o.csv").path))
    }

    @Test("an unwritable or closed stderr never kills bench: the error path exits 2, not SIGILL")
    func unwritableStderr() throws {
        for redirection in ["2>/dev/full", "2>&-"] {
            let r = try shell(["run", "--suite", "nosuch"], redirection)
            #expect(r.status == 2, "\(redirection)")
        }
    }

    @Test("a planted symlink as the lock file is refused, and its target is untouched")
    func lockSymlink() throws {
        let (dir, victim) = try plantedLink(".o.csv.lock")
        let r = try BenchBinary.locate().run([
            "run", "--quick", "--backend", "h100", "--out", dir.appendingPathComponent("o.csv").path,
        ])
        #expect(r.status == 2, "\(r.stderr)")
        #expect(try String(contentsOf: victim, encoding: .utf8) == "keep\n")
    }

    @Test("a planted symlink as the plugin log gets none of the plugin's stderr")
    func pluginLogSymlink() throws {
        let (dir, victim) = try plantedLink("o.plugin-hang.log")
        // The hang fixture writes a line to its stderr on its first run.
        let hang = PluginTests.fixtures.appendingPathComponent("hang.py").path
        _ = try BenchBinary.locate().run([
            "run", "--quick", "--dtype", "fp32", "--case", "M=64,", "--backend", "plugin:\(hang)", "--case-timeout",
            "1",
            "--out", dir.appendingPathComponent("o.csv").path,
        ])
        #expect(try String(contentsOf: victim, encoding: .utf8) == "keep\n")
    }

    @Test("SIGHUP (a dropped ssh session) saves every finished row and the sidecar like SIGINT, exit 130")
    func hangup() throws {
        let dir = try temporaryDirectory()
        let out = dir.appendingPathComponent("hup.csv")
        let marker = dir.appendingPathComponent("round2")
        let hostile = PluginTests.fixtures.appendingPathComponent("hostile.py").path
        let p = try BenchBinary.locate().start([
            "run", "--quick", "--backend", "plugin:\(hostile),h100", "--dtype", "fp32", "--rounds", "2",
            "--plugin-arg", "hang-again=\(marker.path)", "--out", out.path,
        ])
        let deadline = Date().addingTimeInterval(60)
        while !FileManager.default.fileExists(atPath: marker.path), Date() < deadline, p.process.isRunning {
            Thread.sleep(forTimeInterval: 0.05)
        }
        kill(p.process.processIdentifier, SIGHUP)
        p.process.waitUntilExit()
        let err = String(decoding: p.err.fileHandleForReading.readAllRetryingInterrupts(), as: UTF8.self)
        #expect(p.process.terminationStatus == 130, "\(err)")
        let set = try ResultSet(path: out.path)
        #expect(set.rows.contains { $0.backend == "h100" && $0.status == .ok })
        #expect(set.sidecar?.interrupted == true)
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent(".hup.csv.lock").path))
    }
}

/// Issue 29, item 21: messages that said the wrong thing, or said too much.
@Suite("Hardening: messages")
struct MessageTests {
    @Test("a negative --threshold or --alpha is refused as a bad value, not a missing one")
    func negativeValues() throws {
        let fixtures = HardeningRound2Tests.compareFixtures
        let files = [
            fixtures.appendingPathComponent("baseline.csv").path, fixtures.appendingPathComponent("same.csv").path,
        ]
        for (flag, message) in [
            ("--threshold", "is not a threshold like 5% or 0.05"), ("--alpha", "--alpha must be between 0 and 1"),
        ] {
            let r = try BenchBinary.locate().run(["compare"] + files + [flag, "-0.1"])
            #expect(r.status == 2)
            #expect(r.stderr.contains(message) && !r.stderr.contains("Missing value"), "\(r.stderr)")
        }
    }

    @Test("a thresholds entry whose pattern backtracks exponentially is refused in one line, not run for seconds")
    func slowThresholdPattern() throws {
        let dir = try temporaryDirectory()
        let file = dir.appendingPathComponent("t.yaml")
        try "- {case: \"((((.*)*)*)*)*Z\", threshold: 5%}\n".write(to: file, atomically: true, encoding: .utf8)
        let fixtures = HardeningRound2Tests.compareFixtures
        let r = try BenchBinary.locate().run([
            "compare", fixtures.appendingPathComponent("baseline.csv").path,
            fixtures.appendingPathComponent("same.csv").path, "--thresholds", file.path,
        ])
        #expect(r.status == 2)
        #expect(r.stderr.contains("entry 1: case:") && r.stderr.contains("takes too long to match"), "\(r.stderr)")
    }

    @Test("control characters in a value never reach the terminal (ESC, BEL become U+FFFD)")
    func controlCharacters() throws {
        let r = try BenchBinary.locate().run(["run", "--suite", "x\u{1B}[31mred\u{07}"])
        #expect(r.status == 2)
        #expect(!r.stderr.contains("\u{1B}") && !r.stderr.contains("\u{07}") && r.stderr.contains("\u{FFFD}"))
    }

    @Test("credentials in AWS_EC2_METADATA_SERVICE_ENDPOINT are never echoed")
    func endpointCredentials() throws {
        let dir = try temporaryDirectory()
        let r = try BenchBinary.locate().run(
            [
                "run", "--quick", "--backend", "h100", "--host-instance", "auto", "--out",
                dir.appendingPathComponent("o.csv").path,
            ], environment: ["AWS_EC2_METADATA_SERVICE_ENDPOINT": "http://user:s3cret@127.0.0.1:9"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("--host-instance auto: no instance metadata"), "\(r.stderr)")
        #expect(!r.stderr.contains("s3cret") && !r.stdout.contains("s3cret"))
    }
}

/// Issue 29, item 18: a merge that fails or is interrupted leaves nothing behind.
@Suite("Hardening: no leftovers")
struct LeftoverTests {
    @Test("a merge that cannot write (a file-size limit) exits 2 and leaves no partial file and no lock")
    func failedMerge() throws {
        let dir = try temporaryDirectory()
        let fixtures = HardeningRound2Tests.compareFixtures
        let bench = try BenchBinary.locate().url.path
        let r = try BenchBinary(url: URL(fileURLWithPath: "/bin/sh")).run([
            "-c",
            "ulimit -f 2; '\(bench)' merge '\(fixtures.appendingPathComponent("baseline.csv").path)' '\(fixtures.appendingPathComponent("new_missing.csv").path)' --prefer latest --out '\(dir.appendingPathComponent("m.csv").path)'",
        ])
        #expect(r.status == 2, "\(r.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
    }
}
