import BenchResults
import Foundation

extension ProjectionReport {
    /// The rows as RFC 4180 CSV (`--format csv`): the columns of ``Row/columns``, full-precision
    /// numbers, text guarded against spreadsheet formulas (docs/project.md#usage).
    public func csv() -> String {
        func q(_ s: String) -> String {
            let t = CSVFormulaGuard.neutralized(s)
            return t.contains(where: { ",\"\n\r".contains($0) })
                ? "\"" + t.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : t
        }
        func d(_ v: Double?) -> String { v.map { "\($0)" } ?? "" }
        var out = Row.columns.joined(separator: ",") + "\n"
        for x in rows {
            let cells: [String] = [
                q(x.rank), q(x.instance), q(x.device), "\(x.nodes)", "\(x.devices)", q(x.layout ?? ""),
                d(x.stepSeconds),
                d(x.computeSeconds), d(x.communicationSeconds), d(x.bubbleSeconds), d(x.optimizerSeconds),
                d(x.tokensPerSecond), d(x.mfu), d(x.usdPerHour), d(x.usdPerMillionTokens), d(x.usdPerMillionTokensLow),
                d(x.usdPerMillionTokensHigh), d(x.days), d(x.daysLow), d(x.daysHigh), d(x.usdTotal),
                d(x.memoryNeededGiB), d(x.memoryCapacityGiB), q(x.computeSource), q(x.notes),
            ]
            out += cells.joined(separator: ",") + "\n"
        }
        return out
    }

    /// Reads the rows of a file written with `--format csv`; a wrong header, field count or
    /// number is one line naming the record.
    public static func rows(csvPath path: String) throws(ProjectionError) -> [Row] {
        var reader: CSVRecords
        do { reader = try CSVRecords(path: path) } catch { throw .badInput("'\(path)': cannot read it") }
        func bad(_ record: Int, _ reason: String) -> ProjectionError {
            .badInput("'\(path)': record \(record): \(reason)")
        }
        var record = 1
        do {
            guard try reader.next() == Row.columns else { throw bad(1, "not a bench project CSV (header differs)") }
            var out: [Row] = []
            while let f = try reader.next() {
                record += 1
                if f == [""] { continue }
                guard f.count == Row.columns.count else {
                    throw bad(record, "\(f.count) fields where the header has \(Row.columns.count)")
                }
                func int(_ i: Int) throws(ProjectionError) -> Int {
                    guard let v = Int(f[i]), v >= 0 else {
                        throw bad(record, "\(Row.columns[i]) '\(f[i])' is not a count")
                    }
                    return v
                }
                func num(_ i: Int) throws(ProjectionError) -> Double? {
                    if f[i].isEmpty { return nil }
                    guard let v = Double(f[i]), v.isFinite else {
                        throw bad(record, "\(Row.columns[i]) '\(f[i])' is not a finite number")
                    }
                    return v
                }
                func text(_ i: Int) -> String { CSVFormulaGuard.restored(f[i]) }
                out.append(
                    Row(
                        rank: text(0), instance: text(1), device: text(2), nodes: try int(3), devices: try int(4),
                        layout: f[5].isEmpty ? nil : text(5), stepSeconds: try num(6), computeSeconds: try num(7),
                        communicationSeconds: try num(8), bubbleSeconds: try num(9), optimizerSeconds: try num(10),
                        tokensPerSecond: try num(11), mfu: try num(12), usdPerHour: try num(13),
                        usdPerMillionTokens: try num(14), usdPerMillionTokensLow: try num(15),
                        usdPerMillionTokensHigh: try num(16), days: try num(17), daysLow: try num(18),
                        daysHigh: try num(19), usdTotal: try num(20), memoryNeededGiB: try num(21),
                        memoryCapacityGiB: try num(22), computeSource: text(23), notes: text(24)))
            }
            return out
        } catch let e as ProjectionError {
            throw e
        } catch {
            throw bad(record + 1, "\(error)")
        }
    }
}
