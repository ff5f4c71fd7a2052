import BenchCore
import BenchModels
import BenchResults

extension ReportInput {
    /// Why a report's input cannot be read (one line each).
    public enum LoadError: Error, Sendable, CustomStringConvertible {
        case file(ResultFileError)
        case noSidecar(path: String)
        case catalog(CatalogError)

        public var description: String {
            switch self {
            case .file(let e): "\(e)"
            case .noSidecar(let path):
                "\(path): no sidecar (\(path.hasSuffix(".csv") ? String(path.dropLast(4)) : path).json): the report needs the run's environment and samples"
            case .catalog(let e): "\(e)"
            }
        }
    }

    /// Reads the files of a report (`bench report`, `bench run --report`) and the catalog it
    /// draws ceilings and prices from. Every file needs its sidecar; `baseline` may be one
    /// already read (bench run reads its baseline once, before measuring).
    public static func load(files: [String], baseline: ResultSet?, catalogOverlay: String?) throws(LoadError)
        -> ReportInput
    {
        let catalog: Catalog
        do { catalog = try Catalog.load(overlay: catalogOverlay) } catch { throw .catalog(error) }
        let sets: [ResultSet]
        do { sets = try ResultSet.load(files) } catch { throw .file(error) }
        for set in sets { _ = try withSidecar(set) }
        return ReportInput(sets: sets, baseline: try baseline.map(withSidecar), catalog: catalog)
    }

    /// Reads a result file for a report.
    public static func read(_ path: String) throws(LoadError) -> ResultSet {
        do { return try ResultSet(path: path) } catch { throw .file(error) }
    }

    private static func withSidecar(_ set: ResultSet) throws(LoadError) -> ResultSet {
        guard set.sidecar != nil else { throw .noSidecar(path: set.path) }
        return set
    }
}
