/// What the EC2 instance metadata service said about this host (`--host-instance auto`), as
/// the sidecar records it. Fetching it is the session's (`InstanceMetadata+Fetch.swift`).
///
/// IMDSv2, as the AWS SDKs speak it: a `PUT /latest/api/token` with
/// `X-aws-ec2-metadata-token-ttl-seconds`, then `GET`s of `/latest/meta-data/instance-type`,
/// `placement/region` and `instance-life-cycle` with the token in `X-aws-ec2-metadata-token`.
/// The endpoint is `http://169.254.169.254` unless `AWS_EC2_METADATA_SERVICE_ENDPOINT` says
/// otherwise (as the SDKs allow). Each request may take 1 s and all of them 3 s: off EC2 the
/// address does not answer, and a run must not wait on it.
public struct InstanceMetadata: Codable, Sendable, Equatable {
    public var instanceType: String
    /// e.g. `us-east-1`; `nil` when the service did not say.
    public var region: String?
    /// `spot` or `on-demand` (IMDS's `instance-life-cycle`); `nil` when the service did not say.
    public var lifeCycle: String?
    /// The endpoint asked.
    public var endpoint: String

    public static let defaultEndpoint = "http://169.254.169.254"

    enum CodingKeys: String, CodingKey {
        case instanceType = "instance_type", region, lifeCycle = "life_cycle", endpoint
    }

    public init(instanceType: String, region: String?, lifeCycle: String?, endpoint: String) {
        self.instanceType = instanceType
        self.region = region
        self.lifeCycle = lifeCycle
        self.endpoint = endpoint
    }
}
