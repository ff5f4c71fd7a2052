#!/usr/bin/env python3
"""CUDA (PyTorch) backend plugin for bench -- EXAMPLE, UNTESTED (scripts/plugins/README.md).

    bench run --suite matmul --backend plugin:scripts/plugins/cuda_backend.py \
        [--plugin-arg --device-index --plugin-arg 0] [--plugin-arg --price-hint --plugin-arg 3.90]

Never run on a GPU by this repository's CI or authors: check it with the conformance run of
docs/plugin-protocol.md before trusting its rows. Backend id ``cuda``; ``gemm`` in fp32 (TF32
off: its 10 mantissa bits would fail bench's fp32 tolerance) and bf16 (fp32 accumulation, inputs
rounded to bf16; bench has no bf16 reference yet and reports those rows ``unsupported``) as
``torch.matmul(A, B, out=C)``. Inputs are generated on the host (plugin_common) and copied to
the GPU once in ``prepare``; samples are timed with CUDA events; ``threads`` is ignored. Refuses
the handshake (one stderr line, exit 3) without numpy and torch or without a CUDA device.
"""

from __future__ import annotations

import argparse
import os
import re
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
import plugin_common as plc  # noqa: E402

BACKEND_ID = "cuda"
INSTALL = "pip install torch numpy (a CUDA build of torch: https://pytorch.org/get-started/locally/)"

np = None
torch = None


class GemmCase(plc.PreparedCase):
    def __init__(self, case_id: str, m: int, n: int, k: int, dtype, device):
        self.device = device
        a = plc.uniform(case_id, "A", (m, k), np.float32)  # exact in fp32; rounded once to bf16 below
        b = plc.uniform(case_id, "B", (k, n), np.float32)
        self.a = torch.from_numpy(a).to(device=device, dtype=dtype)
        self.b = torch.from_numpy(b).to(device=device, dtype=dtype)
        self.c = torch.full((m, n), float("nan"), device=device, dtype=dtype)
        torch.matmul(self.a, self.b, out=self.c)  # warm cuBLAS (handle, workspace, kernel choice)
        torch.cuda.synchronize(device)
        self.c.fill_(float("nan"))  # so that a first run that writes nothing fails verification

    def run(self, iterations: int, calls_per_sample: int) -> list[float]:
        start = torch.cuda.Event(enable_timing=True)
        end = torch.cuda.Event(enable_timing=True)
        a, b, c = self.a, self.b, self.c
        samples = []
        with torch.cuda.device(self.device):
            torch.cuda.synchronize()
            for _ in range(iterations):
                start.record()
                for _ in range(calls_per_sample):
                    torch.matmul(a, b, out=c)
                end.record()
                end.synchronize()
                samples.append(start.elapsed_time(end) / 1e3 / calls_per_sample)  # ms -> s per call
        return samples

    def outputs(self) -> dict:
        return {"C": self.c.float().cpu().numpy()}

    def teardown(self) -> None:
        self.a = self.b = self.c = None
        torch.cuda.empty_cache()


class CudaBackend(plc.Backend):
    backend_id = BACKEND_ID
    kernels = ("gemm",)
    dtypes = ("fp32", "bf16")

    def __init__(self, index: int, price: float | None):
        self.index, self.price = index, price
        self.device_obj = torch.device("cuda", index)
        self.dtypes_map = {"fp32": torch.float32, "bf16": torch.bfloat16}
        torch.backends.cuda.matmul.allow_tf32 = False  # true fp32 (see the module docstring)
        torch.backends.cudnn.allow_tf32 = False

    def device(self) -> str:
        name = torch.cuda.get_device_name(self.index)
        return f"{name} (CUDA {torch.version.cuda}, PyTorch {torch.__version__}, cuBLAS; fp32 without TF32)"

    def price_hint(self) -> float | None:
        return self.price

    def catalog_device(self) -> str | None:
        # The bench catalog's id for the GPUs it models, from the CUDA device name
        # (e.g. "NVIDIA H100 80GB HBM3" → h100); None for any other GPU.
        name = torch.cuda.get_device_name(self.index).upper()
        if "A100" in name:
            return "a100-40gb" if "40GB" in name else "a100"
        for model in ("H200", "H100", "B200", "A10G", "L4"):
            if re.search(rf"\b{model}\b", name):  # whole words: "L4" is not "L40S"
                return model.lower()
        return None

    def prepare(self, req: dict) -> plc.PreparedCase:
        case = plc.Case.of(req)
        m, n, k = case.M, case.N, case.K
        dtype = self.dtypes_map[req["dtype"]]
        size = torch.tensor([], dtype=dtype).element_size()
        need = (m * k + k * n + m * n) * size
        free, _total = torch.cuda.mem_get_info(self.index)
        if need > free:
            raise plc.failure(f"case '{req['case_id']}' needs {need / 2**30:.2f} GiB of GPU memory, "
                              f"{free / 2**30:.2f} GiB free; refused before allocating")
        try:
            return GemmCase(req["case_id"], m, n, k, dtype, self.device_obj)
        except torch.cuda.OutOfMemoryError as e:
            torch.cuda.empty_cache()
            raise plc.failure(f"CUDA out of memory: {str(e).splitlines()[0]}") from None


def make_backend() -> CudaBackend:
    global np, torch
    ap = argparse.ArgumentParser(prog="cuda_backend.py", add_help=False)
    ap.add_argument("--device-index", type=int, default=0)
    ap.add_argument("--price-hint", type=float, default=None)
    try:
        args, unknown = ap.parse_known_args()
    except SystemExit:  # argparse has printed why on stderr
        raise plc.Unavailable("cuda plugin: bad plugin arguments (known: --device-index N, --price-hint USD)") from None
    if unknown:
        raise plc.Unavailable(f"cuda plugin: unknown plugin argument(s) {' '.join(unknown)} "
                              "(known: --device-index N, --price-hint USD)")
    missing = plc.missing_modules(["numpy", "torch"])
    if missing:
        raise plc.Unavailable(f"cuda plugin: Python module(s) {', '.join(missing)} not importable by "
                              f"{sys.executable}; install with: {INSTALL}")
    import numpy
    import torch as _torch

    np, torch = numpy, _torch
    if not torch.cuda.is_available():
        raise plc.Unavailable(f"cuda plugin: PyTorch {torch.__version__} (CUDA build: {torch.version.cuda or 'no'}) "
                              "sees no CUDA device; run it on a machine with an NVIDIA GPU and driver")
    if not 0 <= args.device_index < torch.cuda.device_count():
        raise plc.Unavailable(f"cuda plugin: --device-index {args.device_index} but only "
                              f"{torch.cuda.device_count()} CUDA device(s)")
    return CudaBackend(args.device_index, args.price_hint)


if __name__ == "__main__":
    plc.main(make_backend, BACKEND_ID)
