import Dispatch
import Foundation

/// Catches SIGINT, SIGTERM and SIGHUP (a dropped ssh session) and runs a handler on a
/// dispatch queue.
public final class InterruptHandler: @unchecked Sendable {
    private var sources: [DispatchSourceSignal] = []

    public init(_ handler: @escaping @Sendable (Int32) -> Void) {
        for sig in Self.signals {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { handler(sig) }
            source.resume()
            sources.append(source)
        }
    }

    /// Stops catching; the default actions apply again.
    public func cancel() {
        for s in sources { s.cancel() }
        sources = []
        for sig in Self.signals { signal(sig, SIG_DFL) }
    }

    /// The signals that interrupt a run (and save its rows).
    public static let signals = [SIGINT, SIGTERM, SIGHUP]
}
