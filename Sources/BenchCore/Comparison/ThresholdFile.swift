import Foundation
import Yams

/// Reads `--thresholds` files: a JSON or YAML list of `{case: REGEX, metric: NAME, threshold: 5%}`.
///
/// YAML is a superset of JSON, so one decoder (Yams) reads both. `metric` is optional (all
/// metrics); `threshold` is `5%`, `0.05` or a number.
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

        struct Threshold: Decodable {
            var text: String
            init(from decoder: any Decoder) throws {
                let c = try decoder.singleValueContainer()
                if let d = try? c.decode(Double.self) { text = String(d) } else { text = try c.decode(String.self) }
            }
        }
    }

    public static func read(path: String) throws(ThresholdFile.Error) -> [ThresholdOverride] {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8)
        else {
            throw .unreadable(path: path)
        }
        let entries: [Entry]
        do {
            entries = try YAMLDecoder().decode([Entry].self, from: text)
        } catch {
            let detail = "\(error)".split(separator: "\n").first.map(String.init) ?? "\(error)"
            throw .syntax(path: path, detail: detail)
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
            guard let t = ComparisonOptions.parseThreshold(e.threshold.text) else {
                throw .invalidEntry(
                    path: path, index: i, reason: "threshold '\(e.threshold.text)' is not like 5% or 0.05")
            }
            do {
                result.append(try ThresholdOverride(pattern: e.case, metric: metric, threshold: t))
            } catch {
                throw .invalidEntry(path: path, index: i, reason: "case '\(e.case)' is not a valid regular expression")
            }
        }
        return result
    }
}
