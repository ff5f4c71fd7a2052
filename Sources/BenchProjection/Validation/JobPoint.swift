import BenchCore

/// One published end-to-end training figure (kind `job`; `Resources/jobs.json`,
/// docs/project.md#validation): a model trained on a device type with a stated layout.
public struct JobPoint: Codable, Sendable, Equatable {
    public struct Layout: Codable, Sendable, Equatable {
        /// Devices (chips) that ran the job.
        public var devices: Int
        public var tp: Int
        public var pp: Int
        public var dp: Int
        public var cp: Int?
        public var zero: Int?
        public var microBatch: Int?
        public var recompute: String?
        public var vp: Int?

        enum CodingKeys: String, CodingKey {
            case devices, tp, pp, dp, cp, zero, microBatch = "micro_batch", recompute, vp
        }
    }

    public struct Figure: Codable, Sendable, Equatable {
        public var value: Double
        /// `tokens/s/device` (the conversion in `conversion`).
        public var unit: String
    }

    public var id: String
    /// Always `job`: the kernel points live in the model's own validation set.
    public var kind: String
    /// The catalog device and the instance whose links it ran on.
    public var device: String
    public var instance: String
    public var sourceId: String
    /// Kernel-set sources from the same publisher's tables: left out with this one.
    public var relatedSources: [String]?
    public var split: String
    public var stack: String
    /// A preset's name, or the architecture itself.
    public var modelPreset: String?
    public var model: ModelConfig?
    /// `bf16`, `fp8` or `fp32` (the matmuls').
    public var precision: String
    public var seq: Int
    public var globalBatchTokens: Double
    public var layout: Layout
    public var published: Figure
    public var source: String
    public var date: String
    public var quote: String
    public var conversion: String

    enum CodingKeys: String, CodingKey {
        case id, kind, device, instance, sourceId = "source_id", relatedSources = "related_sources", split, stack
        case modelPreset = "model_preset", model, precision, seq, globalBatchTokens = "global_batch_tokens", layout
        case published, source, date, quote, conversion
    }

    public static let units = ["tokens/s/device"]
}

/// The job points shipped with bench.
public struct JobSet: Codable, Sendable, Equatable {
    public var schemaVersion: Int
    public var description: String?
    public var points: [JobPoint]

    enum CodingKeys: String, CodingKey { case schemaVersion = "schema_version", description, points }
}
