/// The harness version written in every sidecar and printed by `bench --version`.
public enum BenchVersion {
    public static let current = "0.1.0"
}
