import CBenchSupport
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Errors talking to a plugin: each names the plugin and what went wrong.
public enum PluginError: Error, Equatable, Sendable, CustomStringConvertible {
    case notExecutable(path: String)
    case spawnFailed(path: String, reason: String)
    case timeout(plugin: String, waitingFor: String, seconds: Double)
    case exited(plugin: String, waitingFor: String, status: String)
    case oversized(plugin: String, limit: Int)
    case malformed(plugin: String, detail: String)
    case protocolViolation(plugin: String, detail: String)
    case versionMismatch(plugin: String, got: Int)

    public var description: String {
        switch self {
        case .notExecutable(let p): "plugin '\(p)' does not exist or is not executable"
        case .spawnFailed(let p, let r): "plugin '\(p)' could not be started: \(r)"
        case .timeout(let p, let w, let s):
            "plugin '\(p)' did not answer \(w) within \(s) s; its process group was killed"
        case .exited(let p, let w, let st): "plugin '\(p)' exited (\(st)) while bench waited for \(w)"
        case .oversized(let p, let l): "plugin '\(p)' sent a line longer than \(l) bytes"
        case .malformed(let p, let d): "plugin '\(p)' sent malformed JSON: \(d)"
        case .protocolViolation(let p, let d): "plugin '\(p)' broke the protocol: \(d)"
        case .versionMismatch(let p, let v):
            "plugin '\(p)' speaks protocol version \(v); bench speaks \(PluginProtocol.versions.map(String.init).joined(separator: " and "))"
        }
    }
}

/// A plugin child process in its own process group, with line-based JSON I/O over pipes.
final class PluginProcess {
    let path: String
    let pid: pid_t
    private let input: Int32
    private let output: Int32
    private var buffer: [UInt8] = []
    private var reaped = false

    /// Starts `path` with `arguments`; its stderr is appended to `logPath`.
    init(path: String, arguments: [String], logPath: String) throws(PluginError) {
        self.path = path
        guard access(path, X_OK) == 0 else { throw .notExecutable(path: path) }
        var toChild: [Int32] = [0, 0], fromChild: [Int32] = [0, 0]
        guard pipe(&toChild) == 0, pipe(&fromChild) == 0 else {
            throw .spawnFailed(path: path, reason: String(cString: strerror(errno)))
        }
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        defer { for p in argv { free(p) } }
        // Forked by bench's spawner thread: its own process group, killed by the kernel if bench
        // dies (even by SIGKILL), stderr appended to the log without following a link.
        var error: Int32 = 0
        let fds = toChild + fromChild
        let child = bench_spawn_plugin(
            path, argv, environ, toChild[0], fromChild[1], logPath, fds, Int32(fds.count), &error)
        close(toChild[0])
        close(fromChild[1])
        guard child > 0 else {
            close(toChild[1])
            close(fromChild[0])
            throw .spawnFailed(path: path, reason: String(cString: strerror(error)))
        }
        pid = child
        PluginProcesses.started(child)
        input = toChild[1]
        output = fromChild[0]
        _ = fcntl(input, F_SETFD, FD_CLOEXEC)
        _ = fcntl(output, F_SETFD, FD_CLOEXEC)
    }

    deinit { terminate() }

    /// Writes one JSON object and a newline, keys in the value's order. A dead plugin shows up
    /// as an error (SIGPIPE is ignored).
    func send(_ request: JSONValue, waitingFor what: String) throws(PluginError) {
        guard let text = request.json else {
            throw .protocolViolation(plugin: path, detail: "bench could not encode a request")
        }
        var bytes = [UInt8](text.utf8)
        bytes.append(0x0A)
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { write(input, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .exited(plugin: path, waitingFor: what, status: exitStatus())
            }
            offset += n
        }
    }

    /// Reads one line (at most `PluginProtocol.maxLineBytes`) within `timeout` seconds and parses it.
    func receive(timeout: Double, waitingFor what: String) throws(PluginError) -> [String: JSONValue] {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if let newline = buffer.firstIndex(of: 0x0A) {
                let line = Array(buffer[..<newline])
                buffer.removeSubrange(...newline)
                guard let dict = JSONValue.object(parsing: line) else {
                    let preview = String(decoding: line.prefix(80), as: UTF8.self)
                    throw .malformed(
                        plugin: path, detail: "'\(preview)\(line.count > 80 ? "…" : "")' while waiting for \(what)")
                }
                return dict
            }
            if buffer.count > PluginProtocol.maxLineBytes {
                throw .oversized(plugin: path, limit: PluginProtocol.maxLineBytes)
            }
            let remaining = deadline.timeIntervalSinceNow
            if remaining <= 0 {
                terminate()
                throw .timeout(plugin: path, waitingFor: what, seconds: timeout)
            }
            var pfd = pollfd(fd: output, events: Int16(POLLIN), revents: 0)
            let ready = poll(&pfd, 1, Int32(min(remaining * 1000, 1000).rounded(.up)))
            if ready < 0 && errno != EINTR { throw .exited(plugin: path, waitingFor: what, status: exitStatus()) }
            if ready <= 0 { continue }
            var chunk = [UInt8](repeating: 0, count: 65536)
            let n = chunk.withUnsafeMutableBytes { read(output, $0.baseAddress, $0.count) }
            if n == 0 { throw .exited(plugin: path, waitingFor: what, status: exitStatus()) }
            if n > 0 { buffer.append(contentsOf: chunk[..<n]) }
        }
    }

    /// The child's exit status, reaping it (waits at most ~1 s, then kills the group).
    func exitStatus() -> String {
        if reaped { return "already reaped" }
        var status: Int32 = 0
        for _ in 0..<100 {
            let r = waitpid(pid, &status, WNOHANG)
            if r == pid {
                reaped = true
                let code = (status >> 8) & 0xFF, signal = status & 0x7F
                return signal != 0 ? "killed by signal \(signal)" : "status \(code)"
            }
            usleep(10_000)
        }
        terminate()
        return "still running; killed"
    }

    /// Kills the plugin's whole process group and reaps the plugin. Idempotent.
    func terminate() {
        if reaped { return }
        ProcessTree.killAll(under: pid)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        ProcessTree.killAdoptedOrphans()
        reaped = true
        PluginProcesses.reaped(pid)
        close(input)
        close(output)
    }

    /// Asks the plugin to exit and reaps it (killing the group if it does not within 5 s).
    func shutdown() {
        if reaped { return }
        try? send(PluginRequest.shutdown.value, waitingFor: "shutdown")
        var status: Int32 = 0
        for _ in 0..<500 {
            if waitpid(pid, &status, WNOHANG) == pid {
                reaped = true
                PluginProcesses.reaped(pid)
                kill(-pid, SIGKILL)  // any children it left behind
                ProcessTree.killAdoptedOrphans()
                close(input)
                close(output)
                return
            }
            usleep(10_000)
        }
        terminate()
    }
}

/// Constants of the plugin protocol (docs/plugin-protocol.md).
public enum PluginProtocol {
    /// The newest version, which bench's `hello` names.
    public static let version = 2
    /// Every version bench accepts in a handshake.
    public static let versions = [1, 2]
    /// The kernels version 1 defines; a version-1 plugin's other kernels are `unsupported`.
    public static let version1Kernels: Set<String> = ["gemm", "mlp_step"]
    public static let maxLineBytes = 16 << 20
    public static let handshakeTimeout = 10.0
}

/// Every plugin process group this process started and has not reaped yet, so an exit path
/// that cannot wait for the plugins (Ctrl-C while a plugin hangs) still kills them all.
public enum PluginProcesses {
    private static let live = Mutex<Set<pid_t>>([])

    static func started(_ pid: pid_t) { live.withLock { _ = $0.insert(pid) } }
    static func reaped(_ pid: pid_t) { live.withLock { _ = $0.remove(pid) } }
    static func isLive(_ pid: pid_t) -> Bool { live.withLock { $0.contains(pid) } }

    /// Kills the process group of every live plugin (SIGKILL) and reaps what has exited.
    /// Safe to call from a signal-handling queue while another thread talks to a plugin.
    public static func killAll() {
        let pids = live.withLock { Array($0) }
        for pid in pids {
            ProcessTree.killAll(under: pid)
            var status: Int32 = 0
            _ = waitpid(pid, &status, 0)
        }
        ProcessTree.killAdoptedOrphans()
    }
}
