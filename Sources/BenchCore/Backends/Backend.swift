/// The identifier of a backend, as written in the CSV `backend` column.
///
/// An open set (plugins bring their own ids), so a struct with static members.
public struct BackendID: RawRepresentable, Hashable, Sendable, Comparable, Codable, CustomStringConvertible,
    ExpressibleByStringLiteral
{
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { rawValue = value }
    public static func < (l: BackendID, r: BackendID) -> Bool { l.rawValue < r.rawValue }

    /// GEMM through OpenBLAS's CBLAS interface.
    public static let cpuBLAS = BackendID("cpu-blas")
    /// The native Swift kernels, no BLAS.
    public static let cpuSwift = BackendID("cpu-swift")

    public var description: String { rawValue }
}

/// Whether a backend's figures were measured on real hardware or computed by a model.
public enum BackendKind: String, Sendable, Codable, CaseIterable {
    case measured
    case modeled
}

/// Something that can run benchmark cases.
///
/// Backends are registered explicitly by the executable (see `BackendRegistry`).
public protocol Backend: AnyObject {
    /// The id written in the `backend` column.
    var id: BackendID { get }
    /// Measured or modeled.
    var kind: BackendKind { get }
    /// A one-line description of the device, written in the `device` column.
    var device: String { get }
    /// The dtypes this backend can compute in.
    var dtypes: [DType] { get }
    /// Why this backend cannot run `kernelCase`, or `nil` when it can.
    func unsupportedReason(for kernelCase: KernelCase) -> String?
    /// Allocates and initialises everything the case needs, with `threads` workers.
    func prepare(_ kernelCase: KernelCase, threads: Int) throws -> any PreparedCase
    /// Releases what the backend holds (a plugin's child process) at the end of a run.
    func shutdown()
}

extension Backend {
    public func shutdown() {}

    /// The default check: the dtype must be one of ``dtypes``.
    public func dtypeUnsupportedReason(for kernelCase: KernelCase) -> String? {
        dtypes.contains(kernelCase.dtype)
            ? nil
            : "\(id) has no \(kernelCase.dtype) (supports \(dtypes.map(\.rawValue).joined(separator: ", ")))"
    }
}

/// A measured backend that stands for accelerator devices outside this process (a plugin):
/// which catalog device it runs on, and its own price, if it said.
///
/// Its rows are priced per device and their MFU is taken against that device's catalog peak,
/// never the host CPU's (see `docs/models.md#pricing`).
public protocol DeviceBackend: Backend {
    /// The catalog device the backend runs on (the handshake's `catalog_device`), if named.
    var catalogDevice: String? { get }
    /// The backend's price of the devices one of its rows uses, in USD per hour (the
    /// handshake's `price_hint_usd_per_hour`), if given.
    var priceHintUSDPerHour: Double? { get }
    /// The share of ``catalogDevice`` one row uses, in (0, 1] (the handshake's `device_share`;
    /// e.g. 0.5 for one of a Trainium1 chip's two NeuronCores): MFU is taken against that share
    /// of the device's peak and a host price is divided down to it.
    var deviceShare: Double { get }
}

extension DeviceBackend {
    public var deviceShare: Double { 1 }
}

/// A case ready to run: buffers allocated, inputs generated.
public protocol PreparedCase: AnyObject {
    /// Runs the kernel once. Must not allocate in the hot path.
    func run() throws
    /// Checks the output of the latest ``run()`` against an fp64 reference.
    func verify() -> Verification
    /// Frees the case's resources once its row is finished.
    func teardown()
    /// Seconds per sample spent outside the timed samples (a plugin's protocol exchanges),
    /// written in the `plugin_overhead_s` column; `nil` when the case has no such cost.
    var overheadSecondsPerSample: Double? { get }
    /// What the backend said about how it set the case up (a plugin's `prepared` notes, e.g.
    /// the fp32 matmul precision it read back), added to the row's notes; `nil` when nothing.
    var preparedNotes: String? { get }
}

extension PreparedCase {
    public func teardown() {}
    public var overheadSecondsPerSample: Double? { nil }
    public var preparedNotes: String? { nil }
}

/// A prepared case that times itself on its device's clock (an out-of-process plugin).
public protocol SelfTimedCase: PreparedCase {
    /// `count` samples, each the mean seconds per call of `callsPerSample` back-to-back calls.
    func samples(count: Int, callsPerSample: Int) throws -> [Double]
}

/// Errors a backend raises while preparing or running a case.
public enum BackendError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The backend does not implement this kernel.
    case unsupportedKernel(backend: String, kernel: String)
    /// Memory for the case's buffers could not be allocated.
    case allocationFailed(caseID: String, bytes: Int)
    /// The computation produced NaN or infinity.
    case nonFinite(caseID: String, detail: String)
    /// The backend cannot run this case (a plugin said so); the row is `unsupported`.
    case unsupported(String)
    /// Anything else, with a one-line reason.
    case failed(String)

    public var description: String {
        switch self {
        case .unsupportedKernel(let b, let k): "backend \(b) does not implement kernel \(k)"
        case .allocationFailed(let id, let bytes): "could not allocate \(formatBytes(bytes)) for \(id)"
        case .nonFinite(let id, let detail): "non-finite values in \(id): \(detail)"
        case .unsupported(let reason): reason
        case .failed(let reason): reason
        }
    }
}
