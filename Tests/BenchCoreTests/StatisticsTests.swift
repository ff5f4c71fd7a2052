import BenchCore
import Testing

@Suite("Statistics")
struct StatisticsTests {
    @Test("median and type-7 percentiles match hand-computed values")
    func percentiles() {
        let s = Summary([5, 1, 4, 2, 3, 10, 6, 8, 7, 9])
        #expect(s.count == 10)
        #expect(s.median == 5.5)
        // h = 9·0.1 = 0.9 → 1 + 0.9·(2−1); h = 9·0.9 = 8.1 → 9 + 0.1·(10−9)
        #expect(abs(s.p10 - 1.9) < 1e-12)
        #expect(abs(s.p90 - 9.1) < 1e-12)
        #expect(Summary([3, 1, 2]).median == 2)
    }

    @Test(
        "the 95% median CI uses binomial order statistics",
        arguments: [
            // n, lower rank, upper rank, coverage = 1 − 2·P(B ≤ j−1)
            (6, 1, 6, 1 - 2.0 / 64),
            (10, 2, 9, 1 - 22.0 / 1024),
            (20, 6, 15, 0.9586105346679688),
        ])
    func medianCIRanks(n: Int, lower: Int, upper: Int, coverage: Double) throws {
        let r = try #require(MedianCI.ranks(count: n))
        #expect(r.lower == lower)
        #expect(r.upper == upper)
        #expect(abs(r.coverage - coverage) < 1e-9)
    }

    @Test("fewer than 6 samples give no 95% CI")
    func tooFewSamples() {
        #expect(MedianCI.ranks(count: 5) == nil)
        #expect(Summary([1, 2, 3, 4, 5]).confidenceInterval == nil)
    }

    @Test("the CI of 10 samples spans the 2nd to 9th order statistics")
    func ciValues() throws {
        let s = Summary((1...10).map(Double.init))
        let ci = try #require(s.confidenceInterval)
        #expect(ci == 2...9)
        #expect(try #require(s.relativeCIHalfWidth) == 3.5 / 5.5)
    }

    @Test("the large-n approximation stays within one rank of the exact walk")
    func largeN() throws {
        let approx = try #require(MedianCI.ranks(count: 2001))
        let exact = try #require(MedianCI.ranks(count: 2000))
        #expect(abs(approx.lower - exact.lower) <= 1)
        #expect(approx.coverage >= 0.949)
    }

    @Test("normal quantile matches known values")
    func quantile() {
        #expect(abs(MedianCI.normalQuantile(0.975) - 1.959963984540054) < 1e-8)
        #expect(abs(MedianCI.normalQuantile(0.5)) < 1e-12)
    }
}
