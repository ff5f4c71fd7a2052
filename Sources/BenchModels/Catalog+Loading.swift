/// Loading the catalog a command works with: the shipped one, an overlay, and `--assume`
/// items. Every command that needs a catalog (run, report, catalog, list, validate-model)
/// loads it here, without the run session.
extension Catalog {
    /// The shipped catalog with the overlay at `overlay` (if any) laid over it, and the
    /// `--assume` items applied to the built-in profiles' parameters.
    public static func load(overlay: String?, assumptions: ModelAssumptions = ModelAssumptions()) throws(CatalogError)
        -> Catalog
    {
        assumptions.applied(to: try shipped(overlaidWith: overlay), profiles: Profile.builtIn)
    }
}

extension ModelAssumptions {
    /// Parses `--assume [PROFILE:]KEY=VALUE` items for the built-in profiles; the error names
    /// the first bad item.
    public static func parse(_ items: [String]) throws(AssumptionError) -> ModelAssumptions {
        var assumptions = ModelAssumptions()
        for item in items { try assumptions.add(item, profiles: Profile.builtIn.map(\.id)) }
        return assumptions
    }
}
