// swift-tools-version: 6.1
//
// bench: a price-performance benchmark harness for ML training microkernels.
// CPU-specific code-generation flags are passed by scripts/build, never here,
// so this package stays usable as a versioned dependency.

import PackageDescription

let package = Package(
    name: "bench",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "bench", targets: ["bench"]),
        .library(name: "BenchCore", targets: ["BenchCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.0"),
    ],
    targets: [
        // MARK: System libraries and C support
        .systemLibrary(
            name: "CBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]
        ),
        .target(name: "CBenchSupport"),
        // oneDNN through dlopen: its headers are optional at build time, the library at run time.
        .target(name: "CBenchDNNL"),
        // Code for ISA extensions beyond the build's, chosen at run time from the CPU's flags:
        // cpu-swift's bf16 GEMM (AMX, avx512_bf16) and the peak probes of the widest ISA.
        .target(name: "CBenchWideISA"),

        // MARK: Compute runtime (worker pool, parallel loops, aligned buffers, vector math)
        .target(name: "BenchRuntime", dependencies: ["CBenchSupport"]),

        // MARK: Domain: kernel specs, suites, backend protocols, measurement, statistics, cost
        .target(name: "BenchCore", dependencies: ["CBenchSupport"]),

        // MARK: One reader for the JSON and YAML files users hand to bench
        .target(name: "BenchDataFile", dependencies: [.product(name: "Yams", package: "Yams")]),

        // MARK: Results: rows, the schema, CSV and sidecar codecs, merge and summarize
        .target(
            name: "BenchResults",
            dependencies: ["BenchCore"]
        ),

        // MARK: Comparison of result files, thresholds, the price-performance ranking
        .target(name: "BenchComparison", dependencies: ["BenchCore", "BenchResults", "BenchDataFile"]),

        // MARK: The run stage: rounds, rows, their MFU, energy and price
        .target(name: "BenchRun", dependencies: ["BenchCore", "BenchResults"]),

        // MARK: Training kernels (matmuls through a MatrixEngine) and the kernels' buffers
        .target(name: "BenchTraining", dependencies: ["BenchCore", "BenchRuntime", "CBenchSupport"]),

        // MARK: Modeled backends and the price catalog
        .target(
            name: "BenchModels",
            dependencies: ["BenchCore", "BenchDataFile"],
            resources: [
                .copy("Resources/catalog.json"), .copy("Resources/validation.json"), .copy("Resources/model-error.json"),
            ]
        ),

        // MARK: Whole training jobs projected from the kernel models (bench project)
        .target(
            name: "BenchProjection",
            dependencies: ["BenchCore", "BenchModels", "BenchDataFile", "BenchResults"],
            resources: [.copy("Resources/models.json"), .copy("Resources/jobs.json"), .copy("Resources/job-error.json")]
        ),

        // MARK: Out-of-process plugins
        .target(name: "BenchPlugins", dependencies: ["BenchCore", "BenchTraining", "CBenchSupport"]),

        // MARK: Backends
        .target(name: "BenchBLAS", dependencies: ["BenchCore", "BenchRuntime", "BenchTraining", "CBLAS"]),
        .target(
            name: "BenchSwiftKernels",
            dependencies: ["BenchCore", "BenchRuntime", "BenchTraining", "CBenchSupport", "CBenchWideISA"]),
        .target(name: "BenchDNNL", dependencies: ["BenchCore", "BenchRuntime", "BenchTraining", "CBenchDNNL"]),

        // MARK: The run pipeline (configuration, session, reporters, backend registry, fleets)
        .target(
            name: "BenchSession",
            dependencies: [
                "BenchCore", "BenchResults", "BenchComparison", "BenchRun", "BenchBLAS", "BenchSwiftKernels",
                "BenchDNNL", "BenchModels", "BenchPlugins",
            ]
        ),

        // MARK: The report (charts and tables from result files)
        .target(name: "BenchReport", dependencies: ["BenchCore", "BenchResults", "BenchComparison", "BenchModels"]),

        // MARK: Executable
        .executableTarget(
            name: "bench",
            dependencies: [
                "BenchCore", "BenchResults", "BenchComparison", "BenchRun", "BenchBLAS", "BenchSwiftKernels",
                "BenchModels", "BenchPlugins", "BenchSession", "BenchReport", "BenchProjection", "CBenchSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // MARK: Benchmarks (built with the package, run by scripts/perf-*)
        .target(name: "CAllocationCounter", path: "Benchmarks/CAllocationCounter"),
        .executableTarget(
            name: "bench-alloc-check",
            dependencies: [
                "BenchCore", "BenchBLAS", "BenchDNNL", "BenchSwiftKernels", "BenchTraining", "CAllocationCounter",
            ],
            path: "Benchmarks/AllocationCheck"
        ),
        .executableTarget(
            name: "bench-step-gemms", dependencies: ["BenchBLAS", "BenchCore", "BenchRuntime", "BenchSwiftKernels", "BenchTraining"],
            path: "Benchmarks/StepGEMMs"
        ),
        .executableTarget(name: "bench-fixture", dependencies: ["BenchTestSupport"], path: "Benchmarks/FixtureTool"),

        // MARK: Tests
        .target(
            name: "BenchTestSupport", dependencies: ["BenchCore", "BenchResults", "BenchRun", "BenchTraining"],
            path: "Tests/BenchTestSupport"),
        .testTarget(name: "BenchRuntimeTests", dependencies: ["BenchRuntime"]),
        .testTarget(
            name: "BenchCoreTests",
            dependencies: [
                "BenchCore", "BenchResults", "BenchComparison", "BenchRun", "BenchTraining", "BenchDataFile",
                "BenchTestSupport",
            ]
        ),
        .testTarget(name: "BenchSessionTests", dependencies: ["BenchSession", "BenchCore", "BenchResults", "BenchRun", "BenchSwiftKernels", "BenchTestSupport"]),
        .testTarget(
            name: "BenchKernelTests",
            dependencies: ["BenchCore", "BenchRuntime", "BenchTraining", "BenchBLAS", "BenchSwiftKernels", "BenchDNNL", "BenchModels",
                "BenchResults", "BenchSession", "BenchTestSupport", "BenchProjection", "BenchReport", "BenchComparison",
            ],
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "BenchCLITests", dependencies: ["BenchCore", "BenchResults", "BenchComparison", "BenchTestSupport"],
            exclude: ["Fixtures"]),
    ],
    swiftLanguageModes: [.v6]
)
