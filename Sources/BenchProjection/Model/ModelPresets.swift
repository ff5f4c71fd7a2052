import BenchDataFile
import Foundation

/// The sourced model presets shipped with bench (`Resources/models.json`).
public struct ModelPresets: Codable, Sendable {
    public var schemaVersion: Int
    public var description: String?
    public var models: [ModelConfig]

    enum CodingKeys: String, CodingKey { case schemaVersion = "schema_version", description, models }

    /// The shipped presets.
    public static func shipped() throws(ProjectionError) -> ModelPresets {
        guard let url = Bundle.module.url(forResource: "models", withExtension: "json") else {
            throw .badInput("models.json (bench's resource bundle) is not next to the binary")
        }
        switch DataFile.decode(ModelPresets.self, path: url.path) {
        case .success(let p): return p
        case .failure(let e): throw .badInput("models.json (bench's resource bundle): \(e)")
        }
    }

    /// The preset called `name` (case-insensitive), or a line naming the valid ones.
    public func model(named name: String) throws(ProjectionError) -> ModelConfig {
        guard let m = models.first(where: { $0.name.lowercased() == name.lowercased() }) else {
            throw .badInput(
                "unknown model '\(name)' (presets: \(models.map(\.name).joined(separator: ", ")); or --model-config FILE)"
            )
        }
        return m
    }
}
