/// AWS region codes: from an offer file's `location` (older files have no `regionCode`), and
/// from an availability zone's name.
enum AWSRegions {
    /// The region of a Price List `location` name, e.g. "US East (N. Virginia)" → `us-east-1`.
    static func code(forLocation location: String?) -> String? {
        guard let location else { return nil }
        return locations[location]
    }

    /// The region of an availability zone (`us-east-1a` → `us-east-1`; a Local Zone such as
    /// `us-west-2-lax-1a` → `us-west-2`).
    static func region(ofZone zone: String) -> String? {
        guard let match = zone.firstMatch(of: /^([a-z]{2}(-gov)?-[a-z]+-[0-9]+)/) else { return nil }
        return String(match.1)
    }

    private static let locations: [String: String] = [
        "US East (N. Virginia)": "us-east-1", "US East (Ohio)": "us-east-2", "US West (N. California)": "us-west-1",
        "US West (Oregon)": "us-west-2", "Canada (Central)": "ca-central-1", "EU (Ireland)": "eu-west-1",
        "EU (London)": "eu-west-2", "EU (Paris)": "eu-west-3", "EU (Frankfurt)": "eu-central-1",
        "EU (Stockholm)": "eu-north-1", "EU (Milan)": "eu-south-1", "EU (Spain)": "eu-south-2",
        "Asia Pacific (Tokyo)": "ap-northeast-1", "Asia Pacific (Seoul)": "ap-northeast-2",
        "Asia Pacific (Osaka)": "ap-northeast-3", "Asia Pacific (Singapore)": "ap-southeast-1",
        "Asia Pacific (Sydney)": "ap-southeast-2", "Asia Pacific (Jakarta)": "ap-southeast-3",
        "Asia Pacific (Mumbai)": "ap-south-1", "Asia Pacific (Hyderabad)": "ap-south-2",
        "South America (Sao Paulo)": "sa-east-1", "AWS GovCloud (US-West)": "us-gov-west-1",
        "AWS GovCloud (US-East)": "us-gov-east-1",
    ]
}
