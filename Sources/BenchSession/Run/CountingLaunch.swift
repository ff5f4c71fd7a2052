import BenchCore
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Starts `bench run --measure counts` again under valgrind's callgrind, with the pinned
/// conditions that make counts repeat (docs/ci.md#counts):
/// - a copy of bench without debug info (valgrind 3.19 cannot read this toolchain's DWARF 5);
/// - instrumentation off at start, switched on only around the counted calls;
/// - the pinned cache model (``CacheModel/pinned``), ASLR off, OpenBLAS on `Haswell` with one
///   thread.
///
/// ``CountingPool`` starts one counted process per row; each writes its row, which the pool
/// reads back.
public struct CountingLaunch {
    /// The environment variable naming the dump-file prefix: set, the process counts.
    public static let dumpVariable = "BENCH_CALLGRIND_OUT"
    /// The environment variable carrying valgrind's version to the counted process.
    public static let versionVariable = "BENCH_VALGRIND_VERSION"

    /// The scratch folder: the stripped copy, the dumps and valgrind's log.
    public let directory: URL
    let valgrind: String
    let version: String
    let executable: URL

    /// Whether this process is the counted one (started by a launch, under valgrind).
    public static func isCountedProcess(_ environment: [String: String]) -> Bool {
        environment[dumpVariable] != nil && Valgrind.isRunning
    }

    /// Checks what counting needs, cheapest first, and makes the stripped copy.
    ///
    /// - Throws: ``SessionError`` with the fix: an AVX-512 build, valgrind or objcopy missing.
    public static func prepare(environment: [String: String]) throws(SessionError) -> CountingLaunch {
        if HostProbe.compiledISA == "avx512" {
            throw .option(
                flag: "--measure",
                reason:
                    "counts: this bench is built for AVX-512, which valgrind 3.19 cannot execute; build with BENCH_ISA=avx2 scripts/build and run the binary it prints"
            )
        }
        let path = environment["PATH"] ?? "/usr/bin:/bin"
        guard let valgrind = Self.which("valgrind", path: path) else {
            throw .option(
                flag: "--measure", reason: "counts needs valgrind, which is not installed: apt-get install valgrind")
        }
        guard let objcopy = Self.which("objcopy", path: path) else {
            throw .option(
                flag: "--measure", reason: "counts needs objcopy, which is not installed: apt-get install binutils")
        }
        guard let version = Self.output(of: valgrind, ["--version"]), version.hasPrefix("valgrind-") else {
            throw .option(
                flag: "--measure", reason: "counts: '\(valgrind) --version' did not answer; reinstall valgrind")
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "bench-counts-\(UUID().uuidString.prefix(8))")
        let original = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        let copy = directory.appendingPathComponent(original.lastPathComponent)
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: false)
            // The copy finds its resource bundles and build record beside it, as the original does.
            let siblings = try FileManager.default.contentsOfDirectory(
                atPath: original.deletingLastPathComponent().path)
            for name in siblings where name.hasSuffix(".resources") || name == "bench.buildinfo.json" {
                try FileManager.default.createSymbolicLink(
                    at: directory.appendingPathComponent(name),
                    withDestinationURL: original.deletingLastPathComponent().appendingPathComponent(name))
            }
        } catch {
            try? FileManager.default.removeItem(at: directory)
            throw .input("--measure counts: cannot set up \(directory.path): \(error.localizedDescription)")
        }
        guard Self.output(of: objcopy, ["--strip-debug", original.path, copy.path]) != nil else {
            try? FileManager.default.removeItem(at: directory)
            throw .input("--measure counts: objcopy --strip-debug \(original.path) failed")
        }
        return CountingLaunch(directory: directory, valgrind: valgrind, version: version, executable: copy)
    }

    /// The OpenBLAS core type the counted processes run: one valgrind executes (no AVX-512).
    public static let blasCoreType = "Haswell"

    /// valgrind's arguments for a process whose dump and log go into `folder`, then bench's.
    func arguments(_ benchArguments: [String], folder: URL) -> [String] {
        [
            valgrind, "--tool=callgrind", "--instr-atstart=no", "--collect-atstart=no", "--cache-sim=yes",
        ] + CacheModel.pinned.options + [
            "--callgrind-out-file=\(folder.appendingPathComponent("callgrind.out").path)",
            "--log-file=\(folder.appendingPathComponent("valgrind.log").path)", executable.path,
        ] + benchArguments
    }

    /// The variables the counted process keeps of this one's environment: what a run reads
    /// (bench's own, OpenBLAS's, the job engines' shard variables, the AWS region) and the
    /// basics. The rest (CI run ids, timestamps) would change the process's memory layout, and
    /// with it the simulated cache misses, from one CI run to the next.
    static func kept(_ name: String) -> Bool {
        ["PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "AWS_REGION", "AWS_DEFAULT_REGION", "JOB_COMPLETION_INDEX"]
            .contains(name) || ["BENCH_", "OPENBLAS_", "AWS_BATCH_", "SLURM_ARRAY_"].contains { name.hasPrefix($0) }
    }

    /// The counted process's environment: the pinned conditions on top of the kept variables.
    func environment(_ base: [String: String], folder: URL) -> [String: String] {
        var env = base.filter { Self.kept($0.key) }
        env[Self.dumpVariable] = folder.appendingPathComponent("callgrind.out").path
        env[Self.versionVariable] = version
        env["OPENBLAS_CORETYPE"] = Self.blasCoreType
        env["OPENBLAS_NUM_THREADS"] = "1"
        env["OMP_NUM_THREADS"] = "1"
        // Swift seeds its hash function per process; dictionary layouts, and so the heap's
        // addresses and the simulated caches' misses, would change from run to run.
        env["SWIFT_DETERMINISTIC_HASHING"] = "1"
        return env
    }

    static func which(_ name: String, path: String) -> String? {
        for dir in path.split(separator: ":") {
            let candidate = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// A program's standard output, or `nil` when it failed.
    static func output(of program: String, _ arguments: [String]) -> String? {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: program)
        p.arguments = arguments
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = FileHandle.nullDevice
        do { try p.run() } catch { return nil }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { return nil }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// A child process in its own process group (so a terminal's Ctrl-C reaches it once, through
/// this process), with the interrupt signals at their defaults.
final class ChildProcess: @unchecked Sendable {
    private let lock = NSLock()
    private var pid: pid_t = 0
    private var pending: Int32?

    /// Passes `sig` on to the child (or, before it starts, as soon as it does).
    func signal(_ sig: Int32) {
        lock.lock()
        defer { lock.unlock() }
        if pid > 0 { kill(pid, sig) } else { pending = sig }
    }

    /// Starts the program and waits for it: its exit status, 128 + the signal that ended it,
    /// or `nil` when it could not start (`errno` says why).
    func spawn(_ arguments: [String], environment: [String], output: String) -> Int32? {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // Standard output and error go to `output`, standard input is empty.
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for sig in InterruptHandler.signals { sigaddset(&defaults, sig) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP))
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup($0) } + [nil]
        defer { for p in argv + envp { free(p) } }
        var child: pid_t = 0
        lock.lock()
        let rc = posix_spawn(&child, arguments[0], &actions, &attributes, argv, envp)
        if rc == 0 {
            pid = child
            if let sig = pending { kill(child, sig) }
        }
        lock.unlock()
        guard rc == 0 else {
            errno = rc
            return nil
        }
        var status: Int32 = 0
        while waitpid(child, &status, 0) == -1 && errno == EINTR {}
        // WIFEXITED / WEXITSTATUS / WTERMSIG, which Swift does not import as macros.
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }
}
