/// Predicts a case's time on this host (a calibrated host model, `bench run --with-model`).
public protocol TimePredictor: Sendable {
    /// The predicted seconds per call and what bounds them, or `nil` when the model has no answer.
    func predict(_ kernelCase: KernelCase) -> ModeledEstimate?
}
