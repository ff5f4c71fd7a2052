import BenchCore
import BenchRuntime
import Foundation

/// `softmax_xent_fwd_bwd`: logits = 4·uniform(`logits`), target of row r = ⌊(uniform(`targets`)+1)/2·V⌋.
final class PreparedSoftmaxCrossEntropy<T: NativeScalar>: StatelessOutputCase {
    let kernelCase: KernelCase, rows: Int, vocabulary: Int, threads: Int
    let logits: AlignedBuffer<T>, work: AlignedBuffer<T>, targets: AlignedBuffer<Int32>, rowLoss: AlignedBuffer<Double>
    var loss = Double.nan

    init(_ c: KernelCase, threads: Int) {
        kernelCase = c
        (rows, vocabulary, self.threads) = (c.integer("T") ?? 0, c.integer("V") ?? 0, threads)
        logits = AlignedBuffer(count: rows * vocabulary, repeating: 0)
        var g = SplitMix64(seed: InputSeed.seed(caseID: c.id, operand: "logits"))
        for i in 0..<logits.count { logits.base[i] = Self.logit(g.nextUniform()) }
        work = AlignedBuffer(count: rows * vocabulary, repeating: 0)
        targets = AlignedBuffer(count: rows, repeating: 0)
        g = SplitMix64(seed: InputSeed.seed(caseID: c.id, operand: "targets"))
        for r in 0..<rows { targets.base[r] = Int32(Self.target(g.nextUniform(), vocabulary: vocabulary)) }
        rowLoss = AlignedBuffer(count: rows, repeating: 0)
    }

    func run() throws {
        // The kernel works in place, so each call starts from a fresh copy of the logits (counted as its read).
        Elementwise.copy(logits.base, to: work.base, count: rows * vocabulary, threads: threads)
        loss = SoftmaxCrossEntropy.forwardBackward(
            logits: work.base, targets: targets.base, rows: rows, vocabulary: vocabulary,
            rowLoss: rowLoss.base, threads: threads)
    }

    /// A logit from a generator value: `4·uniform`, in the dtype.
    static func logit(_ uniform: Double) -> T { T(4 * uniform) }
    /// A target class from a generator value: `⌊(uniform + 1)/2 · V⌋`, at most V − 1.
    static func target(_ uniform: Double, vocabulary: Int) -> Int {
        min(vocabulary - 1, Int((uniform + 1) / 2 * Double(vocabulary)))
    }
}

extension PreparedSoftmaxCrossEntropy: OutputReading {
    /// `loss` (T) and `dlogits` (T×V).
    func value(at e: OutputEntry) -> Double {
        switch e.tensor {
        case "loss": rowLoss.base[e.column]
        case "dlogits": Double(work.base[e.row * vocabulary + e.column])
        default: .nan
        }
    }
}

extension PreparedSoftmaxCrossEntropy: KernelReference {
    static var kernel: String { "softmax_xent_fwd_bwd" }

    /// For rows 0 and T−1: the row's loss (`loss`, a vector of T) and its gradient row (`dlogits`, T×V).
    static func verificationEntries(_ c: KernelCase) -> [OutputEntry] {
        let rows = c.integer("T") ?? 0
        return Set([0, rows - 1]).sorted().flatMap { r in
            [OutputEntry("loss", 0, r)] + columns(c, row: r).map { OutputEntry("dlogits", r, $0) }
        }
    }

    /// Most gradient columns a row's check reads: a plugin's verify request and reply stay far
    /// under the protocol's 16 MiB line cap at any V (issue 29 #23: V = 2²⁰ asked for 44 MB).
    static var columnLimit: Int { 16_384 }

    /// The `dlogits` columns checked in row `r`: all of them up to ``columnLimit``, else
    /// ``columnLimit`` evenly spaced ones plus the row's target and the last column.
    static func columns(_ c: KernelCase, row r: Int) -> [Int] {
        let vocabulary = c.integer("V") ?? 0
        guard vocabulary > columnLimit else { return Array(0..<vocabulary) }
        var tg = SplitMix64(seed: InputSeed.seed(caseID: c.id, operand: "targets"), skipping: r)
        var picked = Set((0..<columnLimit).map { $0 * vocabulary / columnLimit })
        picked.insert(target(tg.nextUniform(), vocabulary: vocabulary))
        picked.insert(vocabulary - 1)
        return picked.sorted()
    }

    /// Every call computes the same outputs: fp64 from the regenerated logits and targets,
    /// bound `8·V·u` for a loss and `8·V·u·(|ref| + 1/T)` for a gradient entry.
    static func check(_ c: KernelCase, entries: [OutputEntry], values: [Double], calls: Int) -> Verification {
        if let mismatch = Verification.countMismatch(entries, values) { return mismatch }
        let (rows, vocabulary) = (c.integer("T") ?? 0, c.integer("V") ?? 0)
        let u = T.dtype.unitRoundoff ?? 1e-16
        var rowReference: [Int: (loss: Double, gradient: [Double])] = [:]
        func reference(_ r: Int) -> (loss: Double, gradient: [Double]) {
            if let cached = rowReference[r] { return cached }
            var g = SplitMix64(seed: InputSeed.seed(caseID: c.id, operand: "logits"), skipping: r * vocabulary)
            let l = (0..<vocabulary).map { _ in Double(logit(g.nextUniform())) }
            var tg = SplitMix64(seed: InputSeed.seed(caseID: c.id, operand: "targets"), skipping: r)
            let t = target(tg.nextUniform(), vocabulary: vocabulary)
            let mx = l.max() ?? 0
            let e = l.map { Foundation.exp($0 - mx) }
            let z = e.reduce(0, +)
            let result = (
                -Foundation.log(e[t] / z), (0..<vocabulary).map { (e[$0] / z - ($0 == t ? 1 : 0)) / Double(rows) }
            )
            rowReference[r] = result
            return result
        }
        var tally = ErrorTally()
        for (e, got) in zip(entries, values) {
            switch e.tensor {
            case "loss" where e.row == 0 && (0..<rows).contains(e.column):
                tally.check("\(e)", got: got, reference: reference(e.column).loss, bound: 8 * Double(vocabulary) * u)
            case "dlogits" where (0..<rows).contains(e.row) && (0..<vocabulary).contains(e.column):
                let ref = reference(e.row).gradient[e.column]
                tally.check(
                    "\(e)", got: got, reference: ref, bound: 8 * Double(vocabulary) * u * (abs(ref) + 1 / Double(rows)))
            default: return .failed("no reference for \(e)")
            }
        }
        return tally.verification("rows 0 and T-1 of the loss and gradient vs fp64, |err| <= 8*V*u*(|ref|+1/T)")
    }
}
