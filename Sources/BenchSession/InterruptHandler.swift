import Dispatch
import Foundation

/// Catches SIGINT and SIGTERM and runs a handler on a dispatch queue.
public final class InterruptHandler: @unchecked Sendable {
    private var sources: [DispatchSourceSignal] = []

    public init(_ handler: @escaping @Sendable (Int32) -> Void) {
        for sig in [SIGINT, SIGTERM] {
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
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
    }
}

/// Carries a value the compiler cannot prove Sendable into a signal handler;
/// the caller guarantees it is safe (immutable or internally locked).
final class UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
