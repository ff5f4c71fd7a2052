import BenchCore

/// What the prepared training cases share: a model that takes steps and reports its loss.
protocol TrainingModel: AnyObject {
    var kernelCase: KernelCase { get }
    var steps: Int { get }
    @discardableResult func step() -> Double
}

extension TrainingModel {
    /// One step; a non-finite loss makes the row `status=error` with the step number.
    func checkedStep() throws {
        let loss = step()
        guard loss.isFinite else {
            throw BackendError.nonFinite(caseID: kernelCase.id, detail: "loss is \(loss) at step \(steps)")
        }
    }
}

extension MLPStep: TrainingModel {}
extension TransformerBlockStep: TrainingModel {}
