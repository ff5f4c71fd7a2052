#!/usr/bin/env python3
"""Regenerates the bench compare fixtures in this folder (run it on purpose only).

Samples are deterministic: a fixed LCG-based jitter of ±0.5% around a base time.
"""
import csv, json, math, os

V1 = ("schema_version,run_id,timestamp,suite,case_id,kernel,dtype,shape,backend,backend_kind,device,threads,status,"
      "samples,median_s,p10_s,p90_s,ci_low_s,ci_high_s,flops,bytes,tflops,throughput,throughput_unit,"
      "price_usd_per_hour,usd_per_pflop,usd_per_million_units,notes").split(",")
COLUMNS = V1 + ["mfu", "tokens_per_step"]
HERE = os.path.dirname(os.path.abspath(__file__))


def jitter(seed, n, spread=0.005):
    x, out = seed, []
    for _ in range(n):
        x = (x * 6364136223846793005 + 1442695040888963407) % 2**64
        out.append(1 + spread * ((x >> 11) / 2**53 * 2 - 1))
    return out


def order_stat_ci(s):
    # 95% binomial order-statistic CI for n = 30: ranks 10 and 21 (coverage 0.957).
    s = sorted(s)
    return s[9], s[20]


def percentile(s, p):
    s = sorted(s)
    h = (len(s) - 1) * p
    lo = int(math.floor(h)); hi = min(lo + 1, len(s) - 1)
    return s[lo] + (h - lo) * (s[hi] - s[lo])


CASES = [("gemm/fp32/M=64,N=64,K=64", "cpu-blas", 1.0e-3), ("gemm/fp32/M=64,N=64,K=64", "cpu-swift", 1.5e-3),
         ("gemm/fp64/M=64,N=64,K=64", "cpu-blas", 2.0e-3)]


def row(run_id, case, backend, base, factor, seed, status="ok", cpu="Test CPU"):
    kernel, dtype, shape = case.split("/")
    m, n, k = (int(p.split("=")[1]) for p in shape.split(","))
    flops = 2 * m * n * k
    samples = [base * factor * j for j in jitter(seed, 30)] if status == "ok" else []
    r = dict.fromkeys(COLUMNS, "")
    r.update(schema_version=1, run_id=run_id, timestamp="2026-11-26T00:00:00Z", suite="matmul", case_id=case,
             kernel=kernel, dtype=dtype, shape=shape, backend=backend, backend_kind="measured",
             device=f"{cpu} ({'OpenBLAS SkylakeX' if backend == 'cpu-blas' else 'native Swift avx512'})",
             threads=2, status=status, samples=len(samples), flops=flops, bytes=12 * m * n, throughput_unit="calls/s",
             notes="fixture, with a comma")
    if samples:
        med = percentile(samples, 0.5)
        lo, hi = order_stat_ci(samples)
        r.update(median_s=repr(med), p10_s=repr(percentile(samples, 0.1)), p90_s=repr(percentile(samples, 0.9)),
                 ci_low_s=repr(lo), ci_high_s=repr(hi), tflops=repr(flops / med / 1e12), throughput=repr(1 / med))
    return r, samples


def write(name, rows, sidecar=True, cpu="Test CPU", core="SkylakeX", run_id=None):
    path = os.path.join(HERE, name + ".csv")
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=COLUMNS, lineterminator="\n")
        w.writeheader()
        for r, _ in rows:
            w.writerow(r)
    if sidecar:
        env = {"cpu_model": cpu, "cpu_flags": ["avx512f"], "logical_cores": 2, "threads": 2, "memory_bytes": 1 << 34,
               "os": "Debian", "kernel": "Linux 6", "swift_version": "6.3.1", "compiled_isa": "avx512",
               "kernel_variant": "test", "blas": {"library": "OpenBLAS", "config": "OpenBLAS 0.3.21", "core_name": core,
               "coretype_override": core, "kernel_vector_bits": 512, "warning": ""}, "harness_version": "0.1.0",
               "git_commit": "fixture", "command_line": ["bench"], "peak": [], "noise": None}
        side = {"schema_version": 1, "run_id": run_id or rows[0][0]["run_id"], "csv_file": name + ".csv", "suite": "matmul",
                "started_at": "2026-11-26T00:00:00Z", "finished_at": "2026-11-26T00:01:00Z", "interrupted": False,
                "environment": env,
                "rows": [{"suite": "matmul", "case_id": r["case_id"], "backend": r["backend"], "threads": 2,
                          "status": r["status"], "samples_s": s, "calls_per_sample": 1, "warmup_calls": 3,
                          "stop_reason": "precision"} for r, s in rows]}
        with open(os.path.join(HERE, name + ".json"), "w") as f:
            json.dump(side, f, indent=1)


base_id, cand_id = "00000000-0000-0000-0000-0000000000b0", "00000000-0000-0000-0000-0000000000c0"
write("baseline", [row(base_id, c, b, t, 1.0, 11 + i) for i, (c, b, t) in enumerate(CASES)])
write("same", [row(cand_id, c, b, t, 1.0, 101 + i) for i, (c, b, t) in enumerate(CASES)])
# cpu-blas fp32 10% slower; cpu-swift 10% faster; fp64 unchanged.
slower = [row(cand_id, c, b, t, f, 201 + i) for i, ((c, b, t), f) in enumerate(zip(CASES, [1.10, 1 / 1.10, 1.0]))]
write("regressed", slower)
write("regressed_nosidecar", slower, sidecar=False)
write("other_host", [row(cand_id, c, b, t, 1.0, 301 + i, cpu="Other CPU") for i, (c, b, t) in enumerate(CASES)], cpu="Other CPU")
write("new_missing", [row(cand_id, c, b, t, 1.0, 401 + i) for i, (c, b, t) in enumerate(CASES[:2])]
      + [row(cand_id, "gemm/fp32/M=128,N=128,K=128", "cpu-blas", 8e-3, 1.0, 499)])
write("failed", [row(cand_id, c, b, t, 1.0, 501 + i, status="verify_failed" if i == 0 else "ok") for i, (c, b, t) in enumerate(CASES)])
write("sidecar_mismatch", [row(cand_id, c, b, t, 1.0, 601 + i) for i, (c, b, t) in enumerate(CASES)],
      run_id="ffffffff-0000-0000-0000-000000000000")
