import BenchCore
import BenchResults

extension Runner {
    /// The row's fixed columns; modeled, unsupported and unknown rows are finished here.
    func start(_ kernelCase: KernelCase, on backend: any Backend) -> RowStart {
        let spec = configuration.kernels.spec(named: kernelCase.kernel)
        var row = ResultRow(
            runID: context.runID, timestamp: context.timestamp, suite: configuration.suite.name,
            caseID: kernelCase.id, kernel: kernelCase.kernel, dtype: kernelCase.dtype,
            shape: kernelCase.shape, backend: backend.id, backendKind: backend.kind,
            device: backend.device, threads: configuration.threads, status: .ok,
            flops: spec?.flops(kernelCase) ?? 0, bytes: spec?.bytes(kernelCase) ?? 0,
            throughputUnit: spec?.throughputUnit ?? "calls/s")
        if backend.kind == .measured { row.host = configuration.host.name }
        let sidecar = SidecarRow(key: row.key, status: .ok)
        row.tokensPerStep = spec?.tokensPerStep(kernelCase)
        let modeled = backend as? any ModeledBackend
        row.catalogVersion = modeled?.catalogVersion
        guard let spec else {
            return .finished(finalize(row, sidecar, backend, .error, "unknown kernel \(kernelCase.kernel)"))
        }
        if let reason = backend.unsupportedReason(for: kernelCase) {
            return .finished(finalize(row, sidecar, backend, .unsupported, reason))
        }
        if let modeled {
            return .finished(modeledRow(row, sidecar, kernelCase, spec, on: modeled))
        }
        if let reason = tooLongReason(kernelCase, flops: row.flops, on: backend) {
            return .finished(finalize(row, sidecar, backend, .skipped, reason))
        }
        return .measuring(MeasuredRow(kernelCase: kernelCase, backend: backend, spec: spec, row: row, sidecar: sidecar))
    }
}
