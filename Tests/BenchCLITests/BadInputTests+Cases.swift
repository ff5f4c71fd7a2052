import Foundation

/// Each bad `bench run` input and the words its one line must contain.
extension BadInputTests {
    static let cases: [([String], String)] = [
        (["run", "--suite", "nosuch"], "unknown suite 'nosuch' (valid: matmul"),
        (["run", "--backend", "cpu-blas,gpu9"], "unknown backend 'gpu9' (valid: cpu-blas, cpu-swift"),
        (["run", "--dtype", "fp4"], "unknown dtype 'fp4' (valid: bf16, fp32, fp64, fp8)"),
        (["run", "--case", "gemm/(fp32"], "is not a valid regular expression"),
        // Catastrophic backtracking (issue 29, item 11): refused in one line, not a hang.
        (["run", "--case", "((((.*)*)*)*)*Z"], "takes too long to match"),
        (["run", "--case", "^(.+)+X$"], "takes too long to match"),
        (["run", "--case", "^conv/"], "matches no case of suite matmul"),
        (["run", "--threads", "0"], "--threads must be at least 1"),
        (["run", "--threads", "-3"], "--threads"),
        (["run", "--threads", "abc"], "abc"),
        (["run", "--budget", "0"], "--budget must be a positive number"),
        (["run", "--budget", "-1"], "--budget"),
        (["run", "--min-samples", "2"], "--min-samples must be at least 6"),
        (["run", "--out", "/nonexistent-dir-bench/x.csv"], "directory '/nonexistent-dir-bench' does not exist"),
        (["run", "--add-case", "gemm/fp64/M=40000,N=40000,K=40000"], "refused before allocating"),
        (["run", "--add-case", "gemm/fp32/M=0,N=1,K=1"], "M=0 must be positive"),
        (
            ["run", "--suite", "training", "--add-case", "mlp_step/fp32/B=4,D=8,H=16,opt=lion"],
            "unknown optimizer 'lion' (valid: sgd, adamw)"
        ),
        (["run", "--suite", "training", "--add-case", "mlp_step/fp32/B=0,D=8,H=16,opt=sgd"], "B=0 must be positive"),
        (
            ["run", "--suite", "training", "--add-case", "mlp_step/fp32/B=60000,D=60000,H=60000,opt=sgd"],
            "refused before allocating"
        ),
        (["run", "--host-instance", "z9.mega"], "unknown instance 'z9.mega'"),
        (["run", "--price", "p9.huge=3"], "unknown instance 'p9.huge'"),
        (["run", "--price", "p5.48xlarge=-3"], "expected INSTANCE=USD with a price in [0.000001, 10000]"),
        // Values that pass "positive and finite" but overflow later (issue 29, item 15).
        (["run", "--price", "p5.48xlarge=1e300"], "expected INSTANCE=USD with a price in [0.000001, 10000]"),
        (["run", "--host-price", "1e308"], "--host-price must be a positive number of USD per hour in"),
        (["run", "--host-price", "1e-320"], "--host-price must be a positive number of USD per hour in"),
        (["run", "--assume", "memory_efficiency=5e-324"], "memory_efficiency=5e-324 is out of range"),
        // The same, found by scripts/hostile-probe: subnormal or unbounded times and thresholds.
        (["run", "--budget", "5e-324"], "--budget must be a positive number of seconds up to 86400"),
        (["run", "--budget", "1e308"], "--budget must be a positive number of seconds up to 86400"),
        (["run", "--case-timeout", "1e-320"], "--case-timeout must be a positive number of seconds up to 604800"),
        (["run", "--case-timeout", "1e308"], "--case-timeout must be a positive number of seconds up to 604800"),
        (
            ["run", "--max-case-seconds", "-1"],
            "--max-case-seconds must be 0 (no limit) or a number of seconds up to 604800"
        ),
        (
            ["run", "--max-case-seconds", "nan"],
            "--max-case-seconds must be 0 (no limit) or a number of seconds up to 604800"
        ),
        (["run", "--baseline", "a.csv", "--threshold", "5e-324"], "'5e-324' is not a threshold like 5%"),
        (["compare", "a.csv", "b.csv", "--threshold", "1e308"], "'1e308' is not a threshold like 5%"),
        (["compare", "a.csv", "b.csv", "--alpha", "5e-324"], "--alpha must be between 0 and 1, and not subnormal"),
        (
            ["project", "--model", "gpt2-124m", "--instances", "p5.48xlarge", "--tokens", "1e308"],
            "--tokens must be a number of tokens from 1 to 1e16"
        ),
        (["run", "--pricing", "cheap"], "unknown basis 'cheap'"),
        (["run", "--host-price", "0"], "--host-price must be a positive number"),
        (["run", "--catalog", "/nonexistent/catalog.json"], "cannot read the file"),
        (["run", "--baseline", "/nonexistent/base.csv"], "--baseline: '/nonexistent/base.csv' does not exist"),
        (["run", "--blas-coretype", "Pentium9"], "unknown core type 'Pentium9'"),
        (["run", "--frobnicate"], "frobnicate"),
        (["list", "--suite", "nosuch"], "unknown suite 'nosuch'"),
        // Negative numbers reach their own rule, not "Missing value".
        (["run", "--threads", "-1"], "--threads must be at least 1 (got -1)"),
        (["run", "--budget", "-1"], "--budget must be a positive number of seconds up to 86400, a day (got -1.0)"),
        (
            ["run", "--host-price", "-1"],
            "--host-price must be a positive number of USD per hour in [0.000001, 10000] (got -1.0)"
        ),
        (["run", "--min-samples", "200000"], "--min-samples 200000 is above the sample cap of 100000"),
        (["run", "--threads", "100000"], "more than 4× this machine's"),
        (["run", "--out", ""], "the path is empty"),
        (["run", "--rounds", "0"], "'0' is not a number of rounds (a whole number from 1 to 1000)"),
        (["run", "--rounds", "-2"], "'-2' is not a number of rounds"),
        (["run", "--rounds", "many"], "'many' is not a number of rounds"),
        (["run", "--rounds", "1001"], "'1001' is not a number of rounds"),
        (["run", "--preset", "nightly"], "unknown preset 'nightly' (valid: full, quick, ci)"),
        (["run", "--preset", "ci"], "--quick and --preset ci ask for two case lists; give one"),
        (["list", "--preset", "nightly"], "unknown preset 'nightly'"),
        (["merge", "a.csv", "b.csv", "--out", "m.csv", "--prefer", "oldest"], "--prefer takes 'latest' or 'rounds'"),
        (
            ["run", "--backend", "modeled", "--assume", "colour=red"],
            "--assume: unknown key 'colour' (valid: attention"
        ),
        (["run", "--backend", "modeled", "--assume", "attention=sometimes"], "attention=sometimes is out of range"),
        (["run", "--backend", "modeled", "--assume", "step_efficiency=2"], "step_efficiency=2 is out of range"),
        (["run", "--backend", "modeled", "--assume", "tpu9:attention=fused"], "unknown profile 'tpu9'"),
        (["validate-model", "--assume", "matmul_efficiency=0"], "matmul_efficiency=0 is out of range"),
        (["validate-model", "--points", "/nonexistent/points.json"], "validation set '/nonexistent/points.json'"),
        (["validate-model", "--format", "xml"], "--format takes text, markdown or csv"),
    ]
}
