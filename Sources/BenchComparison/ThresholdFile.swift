import BenchCore
import BenchDataFile
import BenchResults
import Foundation

/// Reads `--thresholds` files: a JSON or YAML list of `{case: REGEX, metric: NAME, threshold: 5%}`.
///
/// Read through ``DataFile`` (JSON or YAML). `metric` is optional (all metrics); `threshold`
/// is `5%`, `0.05` or a number, kept as the fraction it means.
public enum ThresholdFile {
    /// Errors in a thresholds file, each naming the file and entry.
    public enum Error: Swift.Error, CustomStringConvertible {
        case unreadable(path: String)
        case syntax(path: String, detail: String)
        case invalidEntry(path: String, index: Int, reason: String)

        public var description: String {
            switch self {
            case .unreadable(let p): "--thresholds '\(p)': cannot read the file"
            case .syntax(let p, let d): "--thresholds '\(p)': not a list of {case, metric, threshold} entries: \(d)"
            case .invalidEntry(let p, let i, let r): "--thresholds '\(p)': entry \(i + 1): \(r)"
            }
        }
    }

    struct Entry: Decodable {
        var `case`: String
        var metric: String?
        var threshold: Threshold

        /// The threshold as a fraction, or the text that is not one.
        struct Threshold: Decodable {
            var fraction: Result<Double, Invalid>
            struct Invalid: Swift.Error { var text: String }

            init(from decoder: any Decoder) throws {
                let c = try decoder.singleValueContainer()
                if let d = try? c.decode(Double.self) {
                    fraction = ComparisonOptions.isThreshold(d) ? .success(d) : .failure(Invalid(text: "\(d)"))
                } else {
                    let text = try c.decode(String.self)
                    fraction =
                        ComparisonOptions.parseThreshold(text).map { .success($0) } ?? .failure(Invalid(text: text))
                }
            }
        }
    }

    public static func read(path: String) throws(ThresholdFile.Error) -> [ThresholdOverride] {
        let entries: [Entry]
        switch DataFile.decode([Entry].self, path: path) {
        case .success(let e): entries = e
        case .failure(.unreadable): throw .unreadable(path: path)
        case .failure(let failure): throw .syntax(path: path, detail: failure.description)
        }
        var result: [ThresholdOverride] = []
        for (i, e) in entries.enumerated() {
            var metric: Metric?
            if let name = e.metric {
                guard let m = Metric(rawValue: name) else {
                    throw .invalidEntry(
                        path: path, index: i,
                        reason:
                            "unknown metric '\(name)' (valid: \(Metric.all.map(\.rawValue).joined(separator: ", ")))")
                }
                metric = m
            }
            let t: Double
            switch e.threshold.fraction {
            case .success(let f): t = f
            case .failure(let invalid):
                throw .invalidEntry(path: path, index: i, reason: "threshold '\(invalid.text)' is not like 5% or 0.05")
            }
            do {
                result.append(try ThresholdOverride(pattern: e.case, metric: metric, threshold: t))
            } catch {
                throw .invalidEntry(path: path, index: i, reason: "case: \(error)")
            }
        }
        return result
    }
}
