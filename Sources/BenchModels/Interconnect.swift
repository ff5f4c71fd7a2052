/// An instance's links: device to device inside it, and its network to other instances.
public struct Interconnect: Codable, Sendable, Equatable {
    /// The device-to-device link (NVLink, NeuronLink) per device, two-way total.
    public var deviceLinkGbPerS: Fact?
    /// The instance's network (EFA) in Gbit/s, all cards together.
    public var networkGbps: Fact?

    public init(deviceLinkGbPerS: Fact?, networkGbps: Fact?) {
        (self.deviceLinkGbPerS, self.networkGbps) = (deviceLinkGbPerS, networkGbps)
    }

    enum CodingKeys: String, CodingKey {
        case deviceLinkGbPerS = "device_link_gb_per_s", networkGbps = "network_gbps"
    }

    /// One direction of the device link per device, bytes per second (half the two-way total).
    public var deviceLinkBytesPerSecond: Double? {
        guard let f = deviceLinkGbPerS else { return nil }
        return f.value * (f.unit == "GiB/s" ? 1_073_741_824 : 1e9) / 2
    }

    /// The instance's network, bytes per second.
    public var networkBytesPerSecond: Double? { networkGbps.map { $0.value * 1e9 / 8 } }
}
