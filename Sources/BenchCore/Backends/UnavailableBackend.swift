/// A backend that was asked for but could not start (a plugin that failed its handshake or
/// claimed an id that is taken): every case on it becomes an `error` row with the reason, and
/// the run goes on with the other backends.
public final class UnavailableBackend: Backend {
    public let id: BackendID
    public let kind = BackendKind.measured
    public let device: String
    /// Every dtype, so each case reaches ``prepare(_:threads:)`` and gets its error row.
    public let dtypes: [DType] = DType.known
    /// Why the backend is unavailable, one line.
    public let reason: String

    public init(id: BackendID, device: String, reason: String) {
        self.id = id
        self.device = device
        self.reason = reason
    }

    public func unsupportedReason(for kernelCase: KernelCase) -> String? { nil }

    public func prepare(_ kernelCase: KernelCase, threads: Int) throws -> any PreparedCase {
        throw BackendError.failed(reason)
    }
}
