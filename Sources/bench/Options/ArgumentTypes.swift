import ArgumentParser
import BenchComparison
import BenchCore
import BenchModels
import BenchResults

// Typed values of the command line, each parsed once: the commands get these types, never
// strings to parse again. `parse` throws a `ValidationError` naming the value and the rule;
// options use it as their transform so that message is what the user sees.

/// A relative threshold, written `5%` or `0.05`.
struct Threshold: ExpressibleByArgument, Sendable {
    var fraction: Double

    init(fraction: Double) { self.fraction = fraction }

    init?(argument: String) {
        guard let v = ComparisonOptions.parseThreshold(argument) else { return nil }
        fraction = v
    }

    static func parse(_ text: String) throws -> Threshold {
        guard let t = Threshold(argument: text) else {
            throw ValidationError("'\(text)' is not a threshold like 5% or 0.05 (zero, or from 1e-300 up to 10000%)")
        }
        return t
    }
}

/// `INSTANCE=USD`: one instance's price per hour for this run.
struct PriceOverride: ExpressibleByArgument, Sendable {
    var instance: String
    var usdPerHour: Double

    init?(argument: String) {
        let parts = argument.split(separator: "=", maxSplits: 1)
        guard parts.count == 2, let v = Double(parts[1]), Catalog.usdPerHourRange.contains(v) else { return nil }
        instance = String(parts[0])
        usdPerHour = v
    }

    static func parse(_ text: String) throws -> PriceOverride {
        guard let p = PriceOverride(argument: text) else {
            throw ValidationError(
                "'\(text)': expected INSTANCE=USD with a price in \(Catalog.usdPerHourText) USD per hour")
        }
        return p
    }
}

/// A pricing basis of the catalog (`on-demand`, `spot`, …).
struct PricingBasis: ExpressibleByArgument, Sendable {
    var name: String

    init?(argument: String) {
        guard Catalog.pricingFallback.contains(argument) else { return nil }
        name = argument
    }

    static func parse(_ text: String) throws -> PricingBasis {
        guard let b = PricingBasis(argument: text) else {
            throw ValidationError("unknown basis '\(text)' (valid: \(Catalog.pricingFallback.joined(separator: ", ")))")
        }
        return b
    }
}

/// A comma-separated list of dtypes; which ones a suite knows is checked against the kernels.
struct DTypeList: ExpressibleByArgument, Sendable {
    var dtypes: [DType]

    init?(argument: String) {
        dtypes = argument.split(separator: ",", omittingEmptySubsequences: false)
            .map { DType(rawValue: $0.trimmingCharacters(in: .whitespaces)) }
    }
}

/// A positive number of seconds.
struct Seconds: ExpressibleByArgument, Sendable {
    var value: Double

    init?(argument: String) {
        guard let v = Double(argument), v > 0, v.isFinite else { return nil }
        value = v
    }

    static func parse(_ text: String) throws -> Seconds {
        guard let s = Seconds(argument: text) else {
            throw ValidationError("must be a positive number of seconds (got \(text))")
        }
        return s
    }
}

extension Metric: ExpressibleByArgument {
    public init?(argument: String) { self.init(rawValue: argument) }

    static func parse(_ text: String) throws -> Metric {
        guard let m = Metric(rawValue: text) else {
            throw ValidationError(
                "unknown metric '\(text)' (valid: \(Metric.all.map(\.rawValue).joined(separator: ", ")))")
        }
        return m
    }
}

extension ReportFormat: ExpressibleByArgument {
    static func parse(_ text: String) throws -> ReportFormat {
        guard let f = ReportFormat(rawValue: text) else {
            throw ValidationError(
                "unknown format '\(text)' (valid: \(ReportFormat.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        return f
    }
}

/// `--preset`: which case list of the suite, and its measurement defaults.
extension SuitePreset: ExpressibleByArgument {
    public init?(argument: String) { self.init(rawValue: argument) }

    static func parse(_ text: String) throws -> SuitePreset {
        guard let p = SuitePreset(rawValue: text) else {
            throw ValidationError(
                "unknown preset '\(text)' (valid: \(SuitePreset.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        return p
    }
}

/// `--rounds`: a whole number of rounds, 1 to ``MeasurementPolicy/roundCap``.
struct Rounds: ExpressibleByArgument, Sendable {
    var count: Int

    init?(argument: String) {
        guard let n = Int(argument), n >= 1, n <= MeasurementPolicy.roundCap else { return nil }
        count = n
    }

    static func parse(_ text: String) throws -> Rounds {
        guard let r = Rounds(argument: text) else {
            throw ValidationError(
                "'\(text)' is not a number of rounds (a whole number from 1 to \(MeasurementPolicy.roundCap))")
        }
        return r
    }
}
