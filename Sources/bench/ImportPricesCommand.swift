import ArgumentParser
import BenchModels
import BenchResults
import Foundation

/// `bench catalog import-prices`: AWS's price data, downloaded by the user, into a catalog
/// overlay for `--catalog` (docs/catalog.md, "Prices from AWS's own data").
struct ImportPricesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import-prices",
        abstract: "Import EC2 offer files, Savings Plans offer files and spot price history into a catalog overlay.",
        discussion: """
            FILEs are read offline (bench never downloads them): the EC2 Price List offer file of a \
            region, the Savings Plans offer file of that region, and 'aws ec2 \
            describe-spot-price-history --output json' output. Exit 2, with nothing written, on any \
            bad file.
            """)

    @Argument(help: "The downloaded files (their kind is read from their content).")
    var files: [String]

    @Option(help: "The overlay to write (JSON, the format --catalog reads).")
    var out: String

    @Option(
        name: .customLong("instance"),
        help: "Only this instance type (repeatable; default: every type the catalog knows).")
    var instances: [String] = []

    @Option(help: "The region to import, required when the files cover several.")
    var region: String?

    @Option(help: "A catalog overlay whose instances (and devices) the import may price too.")
    var catalog: String?

    func validate() throws {
        if files.isEmpty { throw ValidationError("give at least one downloaded price file") }
        for input in files + [catalog].compactMap({ $0 }) where OutputFile.isSame(out, input) {
            throw ValidationError("--out '\(out)' is the input '\(input)'; the import would replace it")
        }
    }

    func run() throws { try removingTemporaryFilesOnInterrupt { try work() } }

    /// The command's work; an interrupt or a failure removes what it had begun to write.
    func work() throws {
        let base: Catalog
        do { base = try Catalog.load(overlay: catalog) } catch { throw UsageError("\(error)") }
        let imported: PriceImport
        do {
            imported = try PriceImport(
                PriceImport.Request(files: files, instanceTypes: instances, region: region, catalog: base))
            // The overlay must load as --catalog will load it.
            try base.overlaid(with: imported.overlay).validate(path: out)
        } catch {
            throw UsageError("\(error)")
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        do {
            try OutputFile.write(try encoder.encode(imported.overlay) + Data("\n".utf8), to: out)
        } catch {
            throw UsageError("\(error)")
        }
        for line in imported.lines { print(line) }
        print("overlay: \(out) (catalog version \(imported.overlay.catalogVersion)); use it with --catalog \(out)")
    }
}
