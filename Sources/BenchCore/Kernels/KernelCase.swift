import Foundation

/// One benchmark case: a kernel, a dtype and its parameters in documented order.
///
/// Its identifier has the grammar `<kernel>/<dtype>/<params>`, where `<params>`
/// is `name=value` pairs joined by `,` in the kernel's documented order, e.g.
/// `gemm/fp32/M=2048,N=4096,K=1024`. Peers and plugins reproduce it byte for byte.
public struct KernelCase: Hashable, Sendable, CustomStringConvertible {
    /// The kernel name, e.g. `gemm`.
    public var kernel: String
    /// The element type.
    public var dtype: DType
    /// Parameters in the kernel's documented order.
    public var parameters: [Parameter]

    /// One `name=value` parameter of a case.
    public struct Parameter: Hashable, Sendable {
        public var name: String
        public var value: String
        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    public init(kernel: String, dtype: DType, parameters: [Parameter]) {
        self.kernel = kernel
        self.dtype = dtype
        self.parameters = parameters
    }

    /// The `<params>` part of the id, also written to the CSV `shape` column.
    public var shape: String {
        parameters.map { "\($0.name)=\($0.value)" }.joined(separator: ",")
    }

    /// The full case id, `<kernel>/<dtype>/<params>`.
    public var id: String { "\(kernel)/\(dtype.rawValue)/\(shape)" }

    public var description: String { id }

    /// The value of parameter `name`, or `nil` when the case has none.
    public subscript(name: String) -> String? {
        parameters.first { $0.name == name }?.value
    }

    /// The integer value of parameter `name`, or `nil` when absent or not an integer.
    public func integer(_ name: String) -> Int? {
        self[name].flatMap { Int($0) }
    }

    /// Parses a case id written in the documented grammar.
    ///
    /// Only the grammar is checked here; whether the kernel knows these
    /// parameters is the kernel specification's job (``KernelSpec/validate(_:)``).
    public init(parsing id: String) throws(CaseError) {
        let parts = id.split(separator: "/", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, !parts[1].isEmpty else {
            throw .malformedID(id, reason: "expected <kernel>/<dtype>/<params>")
        }
        var parameters: [Parameter] = []
        if !parts[2].isEmpty {
            for pair in parts[2].split(separator: ",", omittingEmptySubsequences: false) {
                let nv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                guard nv.count == 2, !nv[0].isEmpty, !nv[1].isEmpty else {
                    throw .malformedID(id, reason: "parameter '\(pair)' is not name=value")
                }
                parameters.append(Parameter(String(nv[0]), String(nv[1])))
            }
        }
        self.init(kernel: String(parts[0]), dtype: DType(rawValue: String(parts[1])), parameters: parameters)
    }
}

/// Errors in case ids, shapes and case selection.
public enum CaseError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The id does not follow `<kernel>/<dtype>/<params>`.
    case malformedID(String, reason: String)
    /// No kernel of this name exists.
    case unknownKernel(String, known: [String])
    /// The kernel does not support this dtype.
    case unsupportedDType(String, kernel: String, known: [DType])
    /// A parameter is missing, unknown, out of order or out of range.
    case invalidParameter(caseID: String, reason: String)
    /// The case's buffers would not fit in memory.
    case tooLarge(caseID: String, bytes: Int, available: Int)

    public var description: String {
        switch self {
        case .malformedID(let id, let reason):
            "invalid case id '\(id)': \(reason)"
        case .unknownKernel(let k, let known):
            "unknown kernel '\(k)' (known: \(known.joined(separator: ", ")))"
        case .unsupportedDType(let d, let kernel, let known):
            "kernel '\(kernel)' has no dtype '\(d)' (known: \(known.map(\.rawValue).joined(separator: ", ")))"
        case .invalidParameter(let id, let reason):
            "invalid case '\(id)': \(reason)"
        case .tooLarge(let id, let bytes, let available):
            "case '\(id)' needs \(formatBytes(bytes)) of buffers but only \(formatBytes(available)) of memory is available; refused before allocating"
        }
    }
}
