import Foundation

/// A plugin's descendants, found in `/proc`, so that a child that left the plugin's process
/// group (`setsid`) is killed with it (docs/reliability.md#plugins).
enum ProcessTree {
    /// (pid, parent pid, session id) of every process, from `/proc/PID/stat`.
    static func table() -> [(pid: pid_t, parent: pid_t, session: pid_t)] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        var out: [(pid_t, pid_t, pid_t)] = []
        for name in names {
            guard let pid = pid_t(name), let stat = try? String(contentsOfFile: "/proc/\(name)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")")
            else { continue }
            // After "pid (comm) ": state, ppid, pgrp, session, ...
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 3, let parent = pid_t(fields[1]), let session = pid_t(fields[3]) else { continue }
            out.append((pid, parent, session))
        }
        return out
    }

    /// Every descendant of `root`, parents before children.
    static func descendants(of root: pid_t) -> [pid_t] {
        let table = table()
        var children: [pid_t: [pid_t]] = [:]
        for p in table { children[p.parent, default: []].append(p.pid) }
        var out: [pid_t] = []
        var queue = [root]
        while let next = queue.popLast() {
            for c in children[next] ?? [] where !out.contains(c) {
                out.append(c)
                queue.append(c)
            }
        }
        return out
    }

    /// SIGKILL to `pid`, its process group, and every descendant (stopped first, so none can
    /// fork away while the tree is walked).
    static func killAll(under pid: pid_t) {
        let tree = descendants(of: pid)
        for p in [pid] + tree { kill(p, SIGSTOP) }
        kill(-pid, SIGKILL)
        for p in [pid] + descendants(of: pid) + tree { kill(p, SIGKILL) }
    }

    /// Orphans of a plugin's children that bench adopted as their subreaper (a double fork into
    /// a new session): bench's children in another session than bench's, other than its live
    /// plugins, are not bench's own.
    static func killAdoptedOrphans() {
        let me = getpid(), mine = getsid(0)
        for p in table() where p.parent == me && p.session != mine && !PluginProcesses.isLive(p.pid) {
            kill(p.pid, SIGKILL)
            var status: Int32 = 0
            _ = waitpid(p.pid, &status, 0)
        }
    }
}
