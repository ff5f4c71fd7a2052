import ArgumentParser
import BenchCore
import BenchModels
import BenchSession
import Foundation

/// `bench catalog`: the devices, instances and prices the modeled backends and costs use
/// (`show`, the default), and `import-prices` from AWS's own data.
struct CatalogCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "catalog",
        abstract: "List the catalog's devices, instances and prices; import prices from AWS's data.",
        subcommands: [CatalogShowCommand.self, ImportPricesCommand.self],
        defaultSubcommand: CatalogShowCommand.self)
}

/// `bench catalog [show]`: the catalog as tables (or JSON), its sources, or every price basis.
struct CatalogShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "List the catalog's devices and instances with their sourced specs and prices (the default).")

    @OptionGroup var options: CatalogOptions

    @Flag(help: "Also print every number's source and date.")
    var sources = false

    @Option(help: "table (default) or json (the loaded catalog, overlay included, in the catalog file format).")
    var format: String = "table"

    @Flag(
        help: "Show every price basis of every instance with its source, date and age (older than 180 days: flagged).")
    var prices = false

    func validate() throws {
        guard ["table", "json"].contains(format) else {
            throw ValidationError("--format takes table or json (got '\(format)')")
        }
    }

    func run() throws {
        let c: Catalog
        do { c = try Catalog.load(overlay: options.catalog) } catch { throw UsageError("\(error)") }
        if format == "json" {
            // The format --catalog reads: scripts read this, never the table.
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            do {
                print(String(decoding: try encoder.encode(c), as: UTF8.self))
            } catch {
                throw UsageError("catalog: cannot encode: \(error)")
            }
            return
        }
        if prices {
            print(PriceTable.render(c, now: Date()))
            return
        }
        let pricing = options.pricing.name
        print(
            "catalog \(c.catalogVersion) (schema \(c.schemaVersion), \(c.currency)); modeled profiles: \(Profile.builtIn.map { "\($0.id)=\($0.device)@\($0.instance)" }.joined(separator: ", "))"
        )
        var devices: [[String]] = [
            [
                "device", "kind", "fp32", "tf32", "bf16", "fp8", "memory", "bandwidth", "TDP", "idle", "attention",
                "step eff.",
            ]
        ]
        for d in c.devices {
            func peak(_ t: DType) -> String { d.peakDenseTflops[t].map { fixed($0.value, 1) } ?? "-" }
            devices.append([
                d.name, d.kind, peak("fp32"), peak("tf32"), peak("bf16"), peak("fp8"),
                d.memoryGb.map { "\(fixed($0.value, 0)) \($0.unit)" } ?? "-",
                d.memoryBandwidthGbPerS.map { "\(fixed($0.value, 0)) \($0.unit)" } ?? "-",
                d.tdpWatts.map { "\(fixed($0.value, 0)) W\($0.isAssumption ? " (est.)" : "")" } ?? "-",
                d.idleWatts.map { "\(fixed($0.value, 0)) W" } ?? "-",
                d.model?.attention?.value ?? "unfused", fixed(d.model?.stepEfficiency?.value ?? 1, 2),
            ])
        }
        print("\ndevices (dense peak TFLOP/s; sparse peaks are never used):")
        print(TextTable.render(devices, rightAligned: [2, 3, 4, 5, 6, 7, 8, 9, 11]))
        print("\nmodel assumptions a run may change with --assume [PROFILE:]KEY=VALUE (docs/models.md):")
        print(
            TextTable.render(
                [["key", "values", "what it changes"]] + ModelAssumptions.keys.map { [$0.name, $0.range, $0.meaning] },
                rightAligned: []))
        var instances: [[String]] = [
            [
                "instance", "device", "count", "vCPUs", "region", "USD/hour", "basis", "USD/hour per device",
                "link GB/s", "network Gbit/s",
            ]
        ]
        for inst in c.instances {
            let p = c.price(of: inst, basis: pricing)
            instances.append([
                inst.name, inst.device, "\(inst.deviceCount)", inst.vcpus.map(String.init) ?? "-", inst.region,
                p.map { fixed($0.price.usdPerHour, 4) } ?? "none", p?.basis ?? "-",
                p.map { fixed($0.price.usdPerHour / Double(inst.deviceCount), 4) } ?? "-",
                inst.interconnect?.deviceLinkBytesPerSecond.map { fixed(2 * $0 / 1e9, 0) } ?? "-",
                inst.interconnect?.networkGbps.map { plainNumber($0.value) } ?? "-",
            ])
        }
        print("\ninstances (\(pricing) prices; another basis is used when \(pricing) has none):")
        print(TextTable.render(instances, rightAligned: [2, 3, 5, 7, 8, 9]))
        print(
            "link: device to device (NVLink, NeuronLink), two-way per device in GB/s (GiB figures converted); network: the instance's EFA; bench project uses both (docs/project.md#communication)"
        )
        if sources {
            print("\nsources:")
            for d in c.devices {
                for (t, f) in d.peakDenseTflops.sorted(by: { $0.key < $1.key }) {
                    print("  \(d.name) \(t) \(f.value) \(f.unit): \(f.source) (\(f.date))")
                }
                for (name, f) in [("tdp_watts", d.tdpWatts), ("idle_watts", d.idleWatts)] {
                    guard let f else { continue }
                    print(
                        "  \(d.name) \(name) \(f.value) \(f.unit): \(f.source) (\(f.date))\(f.note.map { "; \($0)" } ?? "")"
                    )
                }
            }
            for inst in c.instances {
                for (b, p) in inst.prices.sorted(by: { $0.key < $1.key }) {
                    print("  \(inst.name) \(b) $\(p.usdPerHour)/h: \(p.source) (\(p.date))")
                }
                let links = [
                    ("link", inst.interconnect?.deviceLinkGbPerS), ("network", inst.interconnect?.networkGbps),
                ]
                for case let (name, f?) in links {
                    print("  \(inst.name) \(name) \(plainNumber(f.value)) \(f.unit): \(f.source) (\(f.date))")
                }
            }
        }
    }
}
