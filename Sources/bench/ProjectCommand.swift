import ArgumentParser
import BenchCore
import BenchModels
import BenchProjection
import BenchResults
import Foundation

/// `bench project`: a whole training job's time, dollars and memory per instance type.
struct ProjectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "project",
        abstract: "Project a training job (a model, a token budget) onto instance types: time, $, memory and layout.",
        discussion: """
            The step is built from the same kernel models as the suites (the modeled profiles), \
            with tensor, pipeline, data and context parallel communication over the catalog's links, \
            and a memory account per rank; --parallel auto picks, per instance type, the layout that \
            fits and costs least per token. --from uses measured rows of the model's own block \
            instead of the modeled compute. Every formula and its source: docs/project.md. \
            Exit 2 for bad input (one line, nothing written).
            """)

    @Option(
        help:
            "A preset: gpt2-124m, gpt2-1.5b, bert-large, llama-2-7b/13b/70b, llama-3.1-8b/70b/405b, gpt-3-175b, mpt-7b, mpt-30b."
    )
    var model: String?

    @Option(name: .customLong("model-config"), help: "A Hugging Face config.json instead of a preset.")
    var modelConfig: String?

    @Option(parsing: .unconditional, help: "Tokens to train on (e.g. 1e12).")
    var tokens: String

    @Option(help: "Sequence length (default: the model's).")
    var seq: Int?

    @Option(
        name: .customLong("global-batch"),
        help: "Sequences per optimizer step (default: the model's published batch, else 4Mi tokens).")
    var globalBatch: Int?

    @Option(
        help:
            "Instance types as TYPE[:NODES], comma-separated (default: every catalog instance type; NODES default: the fewest that fit)."
    )
    var instances: String?

    @Option(help: "auto (default), or tp=,pp=,vp=,dp=,cp=,zero=,mb=,recompute= (dp defaults to the ranks left).")
    var parallel: String = "auto"

    @Option(help: "The matmuls' dtype: bf16 (default) or fp8.")
    var dtype: String = "bf16"

    @Option(
        name: .customLong("assume"), parsing: .unconditionalSingleValue,
        help: ArgumentHelp(
            "Change a modelling choice (repeatable): the job's overlap, tp_overlap, comm_efficiency, collective_latency_us, memory_reserve, or any bench run --assume key.",
            valueName: "KEY=VALUE"))
    var assume: [String] = []

    @Option(name: .customLong("max-days"), help: "Without NODES: the fewest nodes that train within this many days.")
    var maxDays: Double?

    @Option(
        name: .customLong("from"),
        help: "A bench run results CSV whose measured rows of this model's block replace the modeled compute.")
    var from: String?

    @Option(help: "With --from: the measured backend whose rows to use (default: the only one in the file).")
    var backend: String?

    @Option(
        name: .customLong("host-memory-gib"),
        help: "With --from and instance 'host': the measured machine's memory (default: this machine's).")
    var hostMemoryGiB: Double?

    @Option(
        name: .customLong("host-network-gbps"),
        help: "With --from and instance 'host': its network, for more than one node.")
    var hostNetworkGbps: Double?

    @Option(name: .customLong("host-price"), help: "With --from and instance 'host': its price in USD per hour.")
    var hostPrice: Double?

    @Flag(name: .customLong("print-cases"), help: "Print the bench run line that measures what --from needs, and exit.")
    var printCases = false

    @Option(help: "table (default), csv, json or markdown.")
    var format: String = "table"

    @Option(help: "Write the output here instead of standard output.")
    var out: String?

    @OptionGroup var catalogOptions: CatalogOptions

    @Option(help: "Override one instance's price: INSTANCE=USD per hour (repeatable).", transform: PriceOverride.parse)
    var price: [PriceOverride] = []

    func validate() throws {
        guard (model == nil) != (modelConfig == nil) else {
            throw ValidationError("give --model NAME or --model-config FILE (one of them)")
        }
        guard ["table", "csv", "json", "markdown"].contains(format) else {
            throw ValidationError("--format takes table, csv, json or markdown (got '\(format)')")
        }
        if let s = seq, !(1...1_048_576).contains(s) {
            throw ValidationError("--seq must be in 1...1048576 (got \(s))")
        }
        if let g = globalBatch, !(1...1 << 30).contains(g) {
            throw ValidationError("--global-batch must be in 1...\(1 << 30) sequences (got \(g))")
        }
        if let d = maxDays, !(d.isFinite && d > 0) { throw ValidationError("--max-days must be a positive number") }
        if backend != nil && from == nil && !printCases {
            throw ValidationError("--backend needs --from or --print-cases")
        }
        for (name, v) in [
            ("--host-memory-gib", hostMemoryGiB), ("--host-network-gbps", hostNetworkGbps), ("--host-price", hostPrice),
        ] {
            guard let v else { continue }
            guard v.isFinite, v > 0, v < 1e7 else { throw ValidationError("\(name) must be a positive number") }
            guard from != nil else { throw ValidationError("\(name) needs --from") }
        }
    }

    func run() throws {
        let request: JobRequest
        let catalog: Catalog
        let modelAssumptions: [String]
        do {
            (request, catalog, modelAssumptions) = try makeRequest()
        } catch let e as ProjectionError {
            throw UsageError("\(e)")
        }
        if printCases {
            do {
                print(try MeasuredBlocks.runLine(request: request, backend: backend))
            } catch { throw UsageError("\(error)") }
            return
        }
        var measured: MeasuredTimes?
        if let path = from {
            do {
                let set = try ResultSet(path: path)
                measured = try MeasuredBlocks.times(rows: set.rows, request: request, backend: backend, file: path)
            } catch let e as ResultFileError {
                throw UsageError("--from: \(e)")
            } catch {
                throw UsageError("\(error)")
            }
        }
        let book: PriceBook
        do {
            var overrides: [String: Double] = [:]
            for o in price { overrides[o.instance] = o.usdPerHour }
            book = try PriceBook(
                catalog: catalog, basis: catalogOptions.pricing.name, overrides: overrides, hostInstance: nil,
                hostPrice: nil)
        } catch { throw UsageError("\(error)") }
        let memory = hostMemoryGiB ?? Double(ProcessInfo.processInfo.physicalMemory) / 1_073_741_824
        let projector = Projector(
            catalog: catalog, prices: book, errors: JobErrorTable.shipped(), measured: measured,
            host: HostMachine(memoryGiB: memory, networkGbps: hostNetworkGbps, usdPerHour: hostPrice))
        let projections: [InstanceProjection]
        do { projections = try projector.project(request) } catch { throw UsageError("\(error)") }
        let report = ProjectionReport(
            request: request, projections: projections, catalogVersion: catalog.catalogVersion,
            assumptions: assume + modelAssumptions)
        let text = try ProjectionTables.render(report, format: format)
        if let out {
            // Inputs are never outputs: the results file, its sidecar and the model config.
            let clash =
                OutputFile.collision(output: out, writesSidecar: false, inputs: from.map { [$0] } ?? [])
                ?? modelConfig.flatMap { OutputFile.collision(output: out, writesSidecar: false, inputs: [$0]) }
            if let clash {
                throw UsageError("--out \(out) is an input (\(clash)); choose another file")
            }
            do {
                try OutputFile.checkReplaceable(out)
                try OutputFile.write(Data(text.utf8), to: out)
            } catch { throw UsageError("--out: \(error)") }
            printError("bench: wrote \(out)")
        } else {
            print(text, terminator: "")
        }
    }

    /// The request, the catalog (with the device-model assumptions applied) and those items.
    func makeRequest() throws -> (JobRequest, Catalog, [String]) {
        var job = JobAssumptions()
        var deviceItems: [String] = []
        for item in assume {
            guard let eq = item.firstIndex(of: "=") else {
                throw ProjectionError.badInput("--assume '\(item)' is not KEY=VALUE")
            }
            let key = String(item[..<eq]), value = String(item[item.index(after: eq)...])
            if try !job.set(key, value) { deviceItems.append(item) }
        }
        let modelAssumptions: ModelAssumptions
        do { modelAssumptions = try ModelAssumptions.parse(deviceItems) } catch {
            let jobKeys = JobAssumptions.keys.map(\.name).joined(separator: ", ")
            throw ProjectionError.badInput("--assume: \(error); or a job key: \(jobKeys)")
        }
        let catalog: Catalog
        do { catalog = try Catalog.load(overlay: catalogOptions.catalog, assumptions: modelAssumptions) } catch {
            throw ProjectionError.badInput("\(error)")
        }
        var config: ModelConfig
        if let name = model {
            config = try ModelPresets.shipped().model(named: name)
        } else {
            config = try ModelConfig.huggingFace(path: modelConfig ?? "")
        }
        if let s = seq { config.seq = s }
        if let p = config.problem { throw ProjectionError.badInput("model \(config.name): \(p)") }
        // 10¹⁶ is 600 times the largest published run (Llama 3: 15T tokens); past it the dollars
        // and days stop being numbers a Double holds.
        guard let budget = Double(tokens), budget >= 1, budget <= 1e16 else {
            throw ProjectionError.badInput("--tokens must be a number of tokens from 1 to 1e16 (got '\(tokens)')")
        }
        let dt = DType(rawValue: dtype)
        guard [.bf16, .fp8, .fp32].contains(dt) else {
            throw ProjectionError.badInput("--dtype takes bf16, fp8 or fp32 (got '\(dtype)')")
        }
        let sequences =
            globalBatch
            ?? JobRequest.sequences(
                forBatchTokens: config.globalBatchTokens ?? ModelConfig.defaultGlobalBatchTokens, sequence: config.seq)
        var list: [(name: String, nodes: Int?)] = []
        if let text = instances {
            for item in text.split(separator: ",", omittingEmptySubsequences: false) {
                let parts = item.split(separator: ":", maxSplits: 1).map(String.init)
                guard let name = parts.first, !name.isEmpty else {
                    throw ProjectionError.badInput("--instances: an empty item in '\(text)'")
                }
                var nodes: Int?
                if parts.count == 2 {
                    guard let n = Int(parts[1]), (1...100_000).contains(n) else {
                        throw ProjectionError.badInput(
                            "--instances \(item): NODES must be a whole number in 1...100000")
                    }
                    nodes = n
                }
                list.append((name, nodes))
            }
        } else {
            list = catalog.instances.map { ($0.name, nil) }
        }
        if parallel != "auto" { _ = try ParallelLayout.parse(parallel, ranks: nil) }
        let request = JobRequest(
            model: config, tokens: budget, sequence: config.seq, globalSequences: sequences, dtype: dt,
            instances: list, layout: parallel == "auto" ? nil : parallel, assumptions: job, maxDays: maxDays)
        return (request, catalog, deviceItems)
    }
}
