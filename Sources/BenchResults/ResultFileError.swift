import BenchCore

/// Errors reading or writing result files (CSV and sidecar).
public enum ResultFileError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The output directory does not exist or is not a directory.
    case outputDirectoryMissing(path: String)
    /// A file could not be created, written or renamed.
    case cannotWrite(path: String, reason: String)
    /// A file could not be opened or read.
    case cannotRead(path: String, reason: String)
    /// The CSV is malformed at a given record (1-based, header = 1) and column.
    case invalid(path: String, record: Int, column: String?, reason: String)

    public var description: String {
        switch self {
        case .outputDirectoryMissing(let p): "output directory '\(p)' does not exist or is not a directory"
        case .cannotWrite(let p, let r): "cannot write '\(p)': \(r)"
        case .cannotRead(let p, let r): "cannot read '\(p)': \(r)"
        case .invalid(let p, let rec, let col, let r):
            "\(p): record \(rec)\(col.map { ", column \($0)" } ?? ""): \(r)"
        }
    }
}
