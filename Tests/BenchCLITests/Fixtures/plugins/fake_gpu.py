#!/usr/bin/env python3
"""Test fixture: a fake GPU that behaves like scripts/plugins/cuda_backend.py on an H100, for the
plugin tests and scripts/device-acceptance. Its TIMES ARE MODELED, NOT MEASURED (test use only).

Arithmetic is a GPU's, emulated with NumPy at the entries bench verifies (no matrix is formed, so
8192³ costs milliseconds): fp32 with fp32 accumulation; with ``--tf32`` the fp32 inputs rounded to
TF32 (10 mantissa bits) as cuBLAS does when TF32 is allowed; bf16 inputs rounded to nearest even,
fp32 accumulation, a bf16 output. Times: ``2·M·N·K / (0.75 · peak) + 4 µs`` with the H100 SXM's
dense peaks (fp32 67, TF32 494.7, bf16 989.4 TFLOP/s), jittered by ±0.2%.

Arguments (``--plugin-arg``): ``--device-index N``, ``--price-hint USD`` (default 6.88, one H100's
share of a p5.48xlarge; 0: none), ``--tf32``, ``--catalog-device ID`` (default h100),
``--device-share X`` (the handshake's ``device_share``), and the acceptance
hooks ``--preflight`` (one JSON line about the device) and ``--time CASE_ID`` (an independent
timing: one JSON line with ``median_s``), as cuda_backend.py has them.
"""

import argparse
import json
import os
import sys

sys.dont_write_bytecode = True
ROOT = os.path.dirname(os.path.realpath(__file__))
sys.path.insert(0, os.path.join(ROOT, "../../../../scripts/plugins"))
import numpy as np  # noqa: E402

import plugin_common as plc  # noqa: E402

PEAKS = {"fp32": 67e12, "tf32": 494.7e12, "bf16": 989.4e12}


def uniforms_at(seed: int, index):
    """The generator's values at element indices ``index`` (any order), as float64."""
    z = (np.asarray(index, dtype=np.uint64) + np.uint64(1)) * np.uint64(0x9E3779B97F4A7C15) + np.uint64(seed)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return ((z ^ (z >> np.uint64(31))) >> np.uint64(40)).astype(np.float64) * 2.0**-23 - 1


def rounded(x, bits: int):
    """float32 ``x`` rounded to nearest even keeping ``bits`` mantissa bits (7: bf16, 10: TF32)."""
    u = np.asarray(x, dtype=np.float32).view(np.uint32)
    drop = np.uint32(23 - bits)
    half = np.uint32((1 << (23 - bits - 1)) - 1)
    return ((u + half + ((u >> drop) & np.uint32(1))) & ~np.uint32((1 << (23 - bits)) - 1)).view(np.float32)


def model_seconds(case_id: str, m: int, n: int, k: int, mode: str, draw: int) -> float:
    jitter = 1 + 0.002 * (uniforms_at(plc.fnv1a64(case_id + "#time"), [draw])[0])
    return (2.0 * m * n * k / (0.75 * PEAKS[mode]) + 4e-6) * jitter


class FakeGemm(plc.PreparedCase):
    def __init__(self, case: plc.Case, tf32: bool):
        self.case, self.tf32, self.draws = case, tf32, 0
        self.mode = "tf32" if tf32 and case.dtype == "fp32" else case.dtype
        if case.dtype == "fp32":
            self.notes = f"fp32 matmul precision {'tf32' if tf32 else 'ieee'} (read back)"

    def run(self, iterations, calls_per_sample):
        c = self.case
        self.draws += iterations
        return [model_seconds(c.id, c.M, c.N, c.K, self.mode, self.draws - i) for i in range(iterations)]

    def values(self, entries):
        c = self.case
        seed_a, seed_b = plc.fnv1a64(c.id + "#A"), plc.fnv1a64(c.id + "#B")
        out = []
        for e in entries:
            _, i, j = e if len(e) == 3 else ["C", *e]
            if not (0 <= i < c.M and 0 <= j < c.N):
                raise ValueError(f"verify entry {e!r} is outside C ({c.M}x{c.N})")
            a = uniforms_at(seed_a, np.arange(i * c.K, (i + 1) * c.K)).astype(np.float32)
            b = uniforms_at(seed_b, np.arange(c.K) * c.N + j).astype(np.float32)
            if self.mode != "fp32":
                bits = 10 if self.mode == "tf32" else 7
                a, b = rounded(a, bits), rounded(b, bits)
            v = np.dot(a, b)  # float32 accumulation
            out.append(float(rounded(v, 7)) if self.mode == "bf16" else float(v))
        return out


class FakeGPU(plc.Backend):
    backend_id = "fake-gpu"
    kernels = ("gemm",)
    dtypes = ("fp32", "bf16")

    def __init__(self, args):
        self.args = args

    def device(self):
        return f"Fake NVIDIA H100 80GB HBM3 (test fixture, modeled times; fp32 {'TF32' if self.args.tf32 else 'ieee'})"

    def price_hint(self):
        return self.args.price_hint if self.args.price_hint > 0 else None

    def device_share(self):
        return self.args.device_share

    def catalog_device(self):
        return self.args.catalog_device

    def prepare(self, req):
        return FakeGemm(plc.Case.of(req), self.args.tf32)


def main() -> int:
    ap = argparse.ArgumentParser(prog="fake_gpu.py")
    ap.add_argument("--device-index", type=int, default=0)
    ap.add_argument("--price-hint", type=float, default=6.88)
    ap.add_argument("--tf32", action="store_true")
    ap.add_argument("--catalog-device", default="h100")
    ap.add_argument("--device-share", type=float, default=1.0)
    ap.add_argument("--preflight", action="store_true")
    ap.add_argument("--time", metavar="CASE_ID")
    args = ap.parse_args()
    if args.device_index != 0:
        sys.stderr.write(f"fake_gpu: --device-index {args.device_index} but only 1 CUDA device(s)\n")
        return plc.EXIT_UNAVAILABLE
    if args.preflight:
        print(json.dumps({"device": "Fake NVIDIA H100 80GB HBM3", "catalog_device": args.catalog_device,
                          "driver": "fake", "persistence_mode": "Enabled", "clocks_mhz": {"sm": 1980, "memory": 2619},
                          "torch": "fake", "torch_import_s": 0.0, "cuda_init_s": 0.0,
                          "fp32_matmul_precision": "tf32" if args.tf32 else "ieee", "tf32_allowed": args.tf32}))
        return 0
    if args.time:
        c = plc.Case.parse(args.time)
        mode = "tf32" if args.tf32 and c.dtype == "fp32" else c.dtype
        print(json.dumps({"case_id": c.id, "method": "modeled (fake device)",
                          "median_s": model_seconds(c.id, c.M, c.N, c.K, mode, 10**6)}))
        return 0
    plc.main(lambda: FakeGPU(args), "fake_gpu")


if __name__ == "__main__":
    sys.exit(main())
