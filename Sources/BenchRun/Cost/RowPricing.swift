import BenchCore
import BenchResults

extension ResultRow {
    /// Prices the row at `quote`: the hourly price always, and for an `ok` row with a speed,
    /// dollars per PFLOP, per million units and performance per dollar (``CostMetrics``).
    mutating func price(at quote: PriceQuote, status: RowStatus) {
        priceUSDPerHour = quote.usdPerHour
        guard status == .ok, let t = tflops, t > 0, let q = throughput, q > 0 else { return }
        let cost = CostMetrics(usdPerHour: quote.usdPerHour, tflops: t, throughput: q)
        usdPerPFLOP = cost.usdPerPFLOP
        usdPerMillionUnits = cost.usdPerMillionUnits
        perfPerDollar = cost.perfPerDollar
    }
}

extension Runner {
    /// Prices `row` with its backend's quote and returns the note that goes with it: the
    /// quote's source, or for an unpriced measured row how to price it.
    func price(_ row: inout ResultRow, on backend: any Backend, status: RowStatus) -> String? {
        // Counted rows have no time, so nothing to price.
        if configuration.countingRecord != nil, backend.kind == .measured { return nil }
        if let quote = configuration.prices[backend.id] {
            row.price(at: quote, status: status)
            return quote.note.isEmpty ? nil : quote.note
        }
        if backend.kind == .measured, status == .ok { return "no price: pass --host-instance NAME or --host-price USD" }
        return nil
    }
}
