import BenchResults
import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

extension InstanceMetadata {
    /// Asks the service at `endpoint`; the error is one line saying what failed.
    public static func fetch(
        endpoint: String = defaultEndpoint, requestTimeout: Double = 1, totalTimeout: Double = 3
    ) -> Result<InstanceMetadata, MetadataError> {
        let base = endpoint.hasSuffix("/") ? String(endpoint.dropLast()) : endpoint
        guard let root = URL(string: base), root.scheme == "http" || root.scheme == "https" else {
            return .failure(.init("AWS_EC2_METADATA_SERVICE_ENDPOINT is not an http(s) URL"))
        }
        // Messages name the endpoint without any user or password it carries.
        let shown = Self.redacted(root)
        let deadline = Date().addingTimeInterval(totalTimeout)
        func call(_ method: String, _ path: String, _ headers: [String: String]) -> Result<String, MetadataError> {
            let left = deadline.timeIntervalSinceNow
            guard left > 0 else { return .failure(.init("no answer within \(fixedSeconds(totalTimeout)) in all")) }
            let timeout = min(requestTimeout, left)
            var request = URLRequest(url: root.appendingPathComponent(path), timeoutInterval: timeout)
            request.httpMethod = method
            for (k, v) in headers { request.setValue(v, forHTTPHeaderField: k) }
            let box = ResponseBox()
            let done = DispatchSemaphore(value: 0)
            let task = URLSession.shared.dataTask(with: request) { data, response, error in
                box.set(data: data, status: (response as? HTTPURLResponse)?.statusCode, error: error)
                done.signal()
            }
            task.resume()
            guard done.wait(timeout: .now() + timeout) == .success else {
                task.cancel()
                return .failure(.init("\(method) \(path) at \(shown): no answer within \(fixedSeconds(timeout))"))
            }
            let (data, status, error) = box.get()
            if let error { return .failure(.init("\(method) \(path) at \(shown): \(error.localizedDescription)")) }
            guard let status, (200..<300).contains(status) else {
                return .failure(.init("\(method) \(path) at \(shown): HTTP \(status.map(String.init) ?? "?")"))
            }
            let text = String(decoding: data ?? Data(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard !text.isEmpty, text.count <= 256 else {
                return .failure(.init("\(method) \(path) at \(shown): an empty or oversized answer"))
            }
            return .success(text)
        }
        let token: String
        switch call("PUT", "latest/api/token", ["X-aws-ec2-metadata-token-ttl-seconds": "21600"]) {
        case .success(let t): token = t
        case .failure(let e): return .failure(e)
        }
        let auth = ["X-aws-ec2-metadata-token": token]
        let type: String
        switch call("GET", "latest/meta-data/instance-type", auth) {
        case .success(let t): type = t
        case .failure(let e): return .failure(e)
        }
        guard type.range(of: "^[a-z0-9][a-z0-9.-]{0,63}$", options: .regularExpression) != nil else {
            return .failure(.init("the instance type '\(type.prefix(64))' is not an EC2 instance type name"))
        }
        // Only well-formed values: what the service says reaches the terminal and the sidecar.
        let region = (try? call("GET", "latest/meta-data/placement/region", auth).get()).flatMap {
            $0.wholeMatch(of: /[a-z]{2}(-gov)?-[a-z]+-[0-9]{1,2}/) != nil ? $0 : nil
        }
        let life = (try? call("GET", "latest/meta-data/instance-life-cycle", auth).get()).flatMap {
            ["spot", "on-demand", "scheduled", "capacity-block"].contains($0) ? $0 : nil
        }
        return .success(InstanceMetadata(instanceType: type, region: region, lifeCycle: life, endpoint: shown))
    }

    /// The URL without its user and password.
    static func redacted(_ url: URL) -> String {
        guard url.user != nil || url.password != nil,
            var parts = URLComponents(url: url, resolvingAgainstBaseURL: false)
        else { return url.absoluteString }
        parts.user = nil
        parts.password = nil
        return (parts.string ?? "?") + " (credentials removed)"
    }

    static func fixedSeconds(_ s: Double) -> String { "\(String(format: "%.1f", s)) s" }
}

/// Why the metadata service gave no instance type (one line).
public struct MetadataError: Error, Equatable, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}

/// A URLSession callback's result, handed across threads.
private final class ResponseBox: @unchecked Sendable {
    private let lock = NSLock()
    private var data: Data?
    private var status: Int?
    private var error: (any Error)?

    func set(data: Data?, status: Int?, error: (any Error)?) {
        lock.lock()
        (self.data, self.status, self.error) = (data, status, error)
        lock.unlock()
    }

    func get() -> (Data?, Int?, (any Error)?) {
        lock.lock()
        defer { lock.unlock() }
        return (data, status, error)
    }
}
