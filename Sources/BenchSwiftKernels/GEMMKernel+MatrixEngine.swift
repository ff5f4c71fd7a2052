import BenchTraining

/// The native GEMM serves every matmul of a training step.
extension GEMMKernel: MatrixEngine {}
