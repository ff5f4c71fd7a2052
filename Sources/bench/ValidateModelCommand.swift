import ArgumentParser
import BenchCore
import BenchModels
import BenchResults
import BenchSession
import Foundation

/// `bench validate-model`: the modeled profiles against published measurements.
struct ValidateModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate-model",
        abstract:
            "Reproduce every published point of the validation set with the modeled profiles and print the errors.",
        discussion: """
            Error = modeled throughput / published throughput − 1 (positive: the model is faster \
            than the hardware measured). Each source is wholly calibration or wholly held-out; the \
            headline is leave-one-source-out: every source predicted by a model refitted without \
            it. --fit derives the fitted parameters from the calibration sources. docs/models.md \
            has the tables and the targets. Exit 1 with --check when a target is missed.
            """)

    @Option(help: "A validation-set file (JSON or YAML; default: the one shipped with bench).")
    var points: String?

    @Option(help: "A catalog file (JSON or YAML) that adds to or overrides the shipped one.")
    var catalog: String?

    @Option(
        name: .customLong("assume"), parsing: .unconditionalSingleValue,
        help: ArgumentHelp("Change a modelling choice (repeatable), as in bench run.", valueName: "[PROFILE:]KEY=VALUE")
    )
    var assume: [String] = []

    @Option(help: "text (default), markdown (the tables in docs/models.md) or csv.")
    var format: String = "text"

    @Flag(help: "Exit 1 when a target (docs/models.md) is missed.")
    var check = false

    @Flag(help: "Fit every fitted parameter on the calibration sources and validate the fitted catalog.")
    var fit = false

    @Option(
        name: .customLong("fit-out"),
        help: ArgumentHelp(
            "With --fit: write the fitted devices (catalog-fit.json, a --catalog overlay) and the intervals (model-error.json) to this directory.",
            valueName: "DIR"))
    var fitOut: String?

    @Flag(name: .customLong("no-cross-validation"), help: "Skip the leave-one-source-out refits (faster).")
    var noCrossValidation = false

    @Option(
        help:
            "kernel (default: the validation set's kernel and step points) or job (whole training jobs, bench project)."
    )
    var kind: String = "kernel"

    @Option(
        name: .customLong("intervals-out"),
        help: ArgumentHelp(
            "With --kind job: write the job intervals (job-error.json) from the leave-one-source-out errors to this directory.",
            valueName: "DIR"))
    var intervalsOut: String?

    func validate() throws {
        guard ["kernel", "job"].contains(kind) else {
            throw ValidationError("--kind takes kernel or job (got '\(kind)')")
        }
        if kind == "job" && (fit || fitOut != nil) {
            throw ValidationError("--fit fits the kernel model: use it with --kind kernel")
        }
        if intervalsOut != nil && (kind != "job" || noCrossValidation) {
            throw ValidationError("--intervals-out needs --kind job and the leave-one-source-out errors")
        }
        guard ["text", "markdown", "csv"].contains(format) else {
            throw ValidationError("--format takes text, markdown or csv (got '\(format)')")
        }
        if fitOut != nil && !fit { throw ValidationError("--fit-out needs --fit") }
        if fitOut != nil && noCrossValidation {
            throw ValidationError(
                "--fit-out writes intervals from the leave-one-source-out refits: drop --no-cross-validation")
        }
    }

    func run() throws {
        let assumptions: ModelAssumptions
        do { assumptions = try ModelAssumptions.parse(assume) } catch { throw UsageError("--assume: \(error)") }
        var catalog: Catalog
        do {
            catalog = try Catalog.load(overlay: self.catalog, assumptions: assumptions)
        } catch {
            throw UsageError("\(error)")
        }
        if kind == "job" { return try runJobs(catalog: catalog) }
        let set: ValidationSet
        do {
            set = try points.map { path throws(ValidationSetError) in try ValidationSet.load(path: path) } ?? .shipped()
            try set.validate(path: points ?? "validation.json", catalog: catalog)
        } catch {
            throw UsageError("\(error)")
        }
        var fits: [ModelFit.DeviceFit] = []
        if fit {
            do { (catalog, fits) = try ModelFit.fitCalibration(set: set, catalog: catalog) } catch {
                throw UsageError("\(error)")
            }
        }
        let validation: ModelValidation
        do {
            validation = try ModelValidation(set: set, catalog: catalog, crossValidate: !noCrossValidation)
        } catch {
            throw UsageError("\(error)")
        }
        if fit, format == "text" { print(ValidationTables.fitted(fits), terminator: "") }
        print(
            ValidationTables.render(validation, format: format, catalogVersion: catalog.catalogVersion), terminator: "")
        if let dir = fitOut, let cv = validation.crossValidation {
            try writeFit(catalog: catalog, fits: fits, crossValidation: cv, to: dir)
        }
        if check, !validation.failures.isEmpty {
            for line in validation.failures { printError("bench: check failed: \(line)") }
            throw ExitCode(1)
        }
    }

    /// Writes `catalog-fit.json` (the fitted devices as an overlay) and `model-error.json`.
    func writeFit(
        catalog: Catalog, fits: [ModelFit.DeviceFit], crossValidation cv: SourceCrossValidation, to dir: String
    )
        throws
    {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDir), isDir.boolValue else {
            throw UsageError("--fit-out: '\(dir)' is not a directory")
        }
        let names = Set(fits.flatMap { $0.profiles.map(\.device) })
        let overlay = Catalog(
            schemaVersion: catalog.schemaVersion, catalogVersion: "fit", currency: catalog.currency,
            devices: catalog.devices.filter { names.contains($0.name) }, instances: [])
        let table = ErrorTable(predictions: cv.predictions, catalogVersion: catalog.catalogVersion)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        do {
            try OutputFile.write(try encoder.encode(overlay) + Data("\n".utf8), to: "\(dir)/catalog-fit.json")
            try OutputFile.write(try encoder.encode(table) + Data("\n".utf8), to: "\(dir)/model-error.json")
        } catch let e as ResultFileError {
            throw UsageError("\(e)")
        }
        printError("bench: wrote \(dir)/catalog-fit.json and \(dir)/model-error.json")
    }
}
