import Dispatch
import Foundation

/// Catches SIGINT, SIGTERM and SIGHUP (a dropped ssh session) and runs a handler on a
/// dispatch queue.
///
/// An async-signal-safe C handler writes the signal's number to a pipe, and a dispatch read
/// source on the pipe calls `handler`. (A dispatch *signal* source needs the signal ignored or
/// blocked, and a process-directed signal that the kernel hands to a thread where it is ignored
/// is dropped: under load, a SIGTERM sent while bench waited on a plugin was lost now and then.)
public final class InterruptHandler: @unchecked Sendable {
    private var source: DispatchSourceRead?

    public init(_ handler: @escaping @Sendable (Int32) -> Void) {
        let fds = Self.pipe
        let source = DispatchSource.makeReadSource(fileDescriptor: fds.read, queue: .global())
        source.setEventHandler {
            var byte: UInt8 = 0
            while read(fds.read, &byte, 1) == 1 { handler(Int32(byte)) }
        }
        source.resume()
        self.source = source
        for sig in Self.signals {
            signal(sig) { s in
                var byte = UInt8(truncatingIfNeeded: s)
                _ = write(interruptPipeWrite, &byte, 1)
            }
        }
    }

    /// Stops catching; the default actions apply again.
    public func cancel() {
        for sig in Self.signals { signal(sig, SIG_DFL) }
        source?.cancel()
        source = nil
    }

    /// The signals that interrupt a run (and save its rows).
    public static let signals = [SIGINT, SIGTERM, SIGHUP]

    /// The self-pipe, made once per process, both ends non-blocking and closed on exec.
    static let pipe: (read: Int32, write: Int32) = {
        var fds: [Int32] = [-1, -1]
        guard Foundation.pipe(&fds) == 0 else { return (-1, -1) }
        for fd in fds {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        interruptPipeWrite = fds[1]
        return (fds[0], fds[1])
    }()
}

/// The pipe's write end, read by the C signal handler (a closure that captures nothing).
nonisolated(unsafe) private var interruptPipeWrite: Int32 = -1
