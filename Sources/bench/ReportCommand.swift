import ArgumentParser
import BenchCore
import BenchModels
import BenchReport
import BenchResults
import Foundation

/// `bench report`: one self-contained HTML page (or a Markdown summary) from result files.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract:
            "Write one self-contained HTML report (price-performance, roofline, comparison, history) from result CSVs.",
        discussion: """
            FILEs are one run, merged fleet runs, or several runs of one suite on one host (the \
            history view). Every file needs its sidecar. docs/report.md explains each chart.
            """)

    @Argument(help: "Result CSVs (with their sidecars).")
    var files: [String]

    @Option(help: "A baseline CSV: adds the comparison view (bench compare's verdicts) against the newest file.")
    var baseline: String?

    @Option(
        help:
            "Output file (default: the first CSV's name with .html, or .md for markdown; markdown without --out goes to standard output)."
    )
    var out: String?

    @Option(help: "html (the page) or markdown (a short summary for CI job summaries).")
    var format: String = "html"

    @OptionGroup var catalog: CatalogOptions

    func validate() throws {
        if files.isEmpty { throw ValidationError("give at least one result CSV") }
        if format != "html" && format != "markdown" {
            throw ValidationError("--format takes html or markdown (got '\(format)')")
        }
        if let out,
            let input = OutputFile.collision(
                output: out, writesSidecar: false, inputs: files + [baseline].compactMap { $0 })
        {
            throw ValidationError("--out '\(out)' is the input '\(input)'; the report would replace it")
        }
    }

    func run() throws { try removingTemporaryFilesOnInterrupt { try work() } }

    /// The command's work; an interrupt or a failure removes what it had begun to write.
    func work() throws {
        let input: ReportInput
        do {
            input = try ReportInput.load(
                files: files, baseline: try baseline.map(ReportInput.read), catalogOverlay: catalog.catalog)
        } catch {
            throw UsageError("\(error)")
        }
        let text =
            format == "markdown"
            ? MarkdownReport.render(input) : HTMLReport.render(input, generatedAt: Timestamp.iso(Date()))
        if format == "markdown", out == nil {
            print(text, terminator: "")
            return
        }
        let path =
            out ?? (files[0].hasSuffix(".csv") ? String(files[0].dropLast(4)) : files[0])
            + (format == "markdown" ? ".md" : ".html")
        do {
            try OutputFile.write(Data(text.utf8), to: path)
        } catch {
            throw UsageError("\(error)")
        }
        print("report: \(path)")
    }
}
