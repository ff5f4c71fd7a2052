#!/usr/bin/env python3
"""CUDA (PyTorch) backend plugin for bench -- EXAMPLE, not run on a GPU by this repository's CI
(scripts/plugins/README.md; scripts/device-acceptance checks it on your GPU in minutes).

    bench run --suite matmul --backend plugin:scripts/plugins/cuda_backend.py \
        [--plugin-arg plugin:cuda_backend=--device-index --plugin-arg plugin:cuda_backend=0] \
        [--plugin-arg plugin:cuda_backend=--price-hint --plugin-arg plugin:cuda_backend=3.90]
    scripts/plugins/cuda_backend.py --preflight            # one JSON line: device, clocks, TF32
    scripts/plugins/cuda_backend.py --time CASE_ID         # an independent CUDA-graph timing

Backend id ``cuda``; ``gemm`` as ``torch.matmul(A, B, out=C)`` in fp32 (TF32 off: set, then read
back, with ``torch.backends.cuda.matmul.fp32_precision`` where PyTorch has it, else the legacy
``allow_tf32``; every fp32 row's notes say what was read back, and a case refuses to run if TF32
is still on) and bf16 (inputs rounded to bf16, fp32 accumulation, bf16 output: what bench's bf16
rule expects). Inputs are generated on the host (plugin_common) and copied once in ``prepare``.
A sample replays a CUDA graph of back-to-back matmuls between two CUDA events, so small shapes
time the GPU, not Python's launch rate. The handshake answers at once from the driver's device
name (/proc/driver/nvidia or nvidia-smi); ``import torch`` and CUDA start-up happen at the first
``prepare`` (within ``--case-timeout``, default 60 s). Refuses the handshake (one stderr line,
exit 3) without numpy, without a CUDA build of torch or without an NVIDIA GPU and driver.
"""

from __future__ import annotations

import argparse
import glob
import importlib.util
import json
import os
import re
import subprocess
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
try:
    import plugin_common as plc
except ImportError as e:  # the protocol's one-line refusal, not a traceback
    sys.stderr.write(f"cuda plugin: cannot import plugin_common next to it ({e})\n")
    sys.exit(3)

BACKEND_ID = "cuda"
INSTALL = "pip install torch numpy (a CUDA build of torch: https://pytorch.org/get-started/locally/)"
GRAPH_CALLS = 32  # matmuls per captured graph
np = torch = None


def gpu_names() -> list[str]:
    """The driver's GPU names, without CUDA: /proc/driver/nvidia, else nvidia-smi."""
    names = []
    for path in sorted(glob.glob("/proc/driver/nvidia/gpus/*/information")):
        with open(path, encoding="utf-8", errors="replace") as f:
            names += [line.split(":", 1)[1].strip() for line in f if line.startswith("Model:")]
    if names:
        return names
    try:
        out = subprocess.run(["nvidia-smi", "--query-gpu=name", "--format=csv,noheader"], capture_output=True,
                             text=True, timeout=8)
        return [n.strip() for n in out.stdout.splitlines() if n.strip()] if out.returncode == 0 else []
    except (OSError, subprocess.TimeoutExpired):
        return []


def catalog_id(name: str) -> str | None:
    """bench's catalog id for a CUDA device name ("NVIDIA H100 80GB HBM3" → h100), else None."""
    name = name.upper()
    if "A100" in name:
        return "a100-40gb" if "40GB" in name else "a100"
    return next((m.lower() for m in ("H200", "H100", "B200", "A10G", "L4") if re.search(rf"\b{m}\b", name)), None)


def start_torch(index: int) -> dict:
    """Imports torch, starts CUDA on the device, turns TF32 off and reads the setting back."""
    global np, torch
    t0 = time.perf_counter()
    import numpy
    import torch as _torch

    np, torch = numpy, _torch
    t1 = time.perf_counter()
    torch.cuda.init()
    torch.zeros(1, device=f"cuda:{index}")
    t2 = time.perf_counter()
    matmul = torch.backends.cuda.matmul
    if hasattr(matmul, "fp32_precision"):  # PyTorch >= 2.9
        matmul.fp32_precision = "ieee"
        how, value = "torch.backends.cuda.matmul.fp32_precision", matmul.fp32_precision
    else:
        matmul.allow_tf32 = False
        torch.set_float32_matmul_precision("highest")
        how, value = "torch.backends.cuda.matmul.allow_tf32", "tf32" if matmul.allow_tf32 else "ieee"
    return {"torch": torch.__version__, "cuda": torch.version.cuda, "torch_import_s": round(t1 - t0, 3),
            "cuda_init_s": round(t2 - t1, 3), "fp32_matmul_precision": value, "read_back_from": how,
            "tf32_allowed": value != "ieee"}


class GemmCase(plc.PreparedCase):
    def __init__(self, case: plc.Case, dtype, device, started: dict):
        m, n, k = case.M, case.N, case.K
        a = plc.uniform(case.id, "A", (m, k), np.float32)  # exact in fp32; rounded once to bf16 below
        b = plc.uniform(case.id, "B", (k, n), np.float32)
        self.device, self.graphs = device, {}
        self.a = torch.from_numpy(a).to(device=device, dtype=dtype)
        self.b = torch.from_numpy(b).to(device=device, dtype=dtype)
        self.c = torch.full((m, n), float("nan"), device=device, dtype=dtype)
        self.stream = torch.cuda.Stream(device)
        torch.matmul(self.a, self.b, out=self.c)  # warm cuBLAS (handle, workspace, kernel choice)
        torch.cuda.synchronize(device)
        self.c.fill_(float("nan"))  # so that a first run that writes nothing fails verification
        how = "CUDA graph replay"
        try:
            self.graph(1)
        except RuntimeError as e:  # capture unsupported here: back-to-back launches on one stream
            self.graphs, how = None, f"back-to-back launches (graph capture failed: {str(e).splitlines()[0]})"
        precision = (f"fp32 matmul precision {started['fp32_matmul_precision']} (read back from "
                     f"{started['read_back_from']}); " if case.dtype == "fp32" else "")
        self.notes = f"{precision}PyTorch {started['torch']}, CUDA {started['cuda']}; timed by {how}"

    def graph(self, calls: int):
        """A captured graph of ``calls`` back-to-back matmuls (cached per count)."""
        if calls not in self.graphs:
            g = torch.cuda.CUDAGraph()
            with torch.cuda.graph(g, stream=self.stream):
                for _ in range(calls):
                    torch.matmul(self.a, self.b, out=self.c)
            self.graphs[calls] = g
        return self.graphs[calls]

    def launch(self, calls: int) -> None:
        if self.graphs is None:
            for _ in range(calls):
                torch.matmul(self.a, self.b, out=self.c)
            return
        full, rest = divmod(calls, GRAPH_CALLS)
        for _ in range(full):
            self.graph(GRAPH_CALLS).replay()
        if rest:
            self.graph(rest).replay()

    def run(self, iterations: int, calls_per_sample: int) -> list[float]:
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        samples = []
        with torch.cuda.device(self.device), torch.cuda.stream(self.stream):
            self.stream.synchronize()
            for _ in range(iterations):
                start.record(self.stream)
                self.launch(calls_per_sample)
                end.record(self.stream)
                end.synchronize()
                samples.append(start.elapsed_time(end) / 1e3 / calls_per_sample)  # ms -> s per call
        return samples

    def outputs(self) -> dict:
        return {"C": self.c.float().cpu().numpy()}

    def teardown(self) -> None:
        self.a = self.b = self.c = self.graphs = None
        torch.cuda.empty_cache()


class CudaBackend(plc.Backend):
    backend_id = BACKEND_ID
    kernels = ("gemm",)
    dtypes = ("fp32", "bf16")

    def __init__(self, index: int, name: str, price: float | None):
        self.index, self.name, self.price, self.started = index, name, price, None

    def device(self) -> str:
        return f"{self.name} (cuBLAS via PyTorch; fp32 without TF32)"

    def price_hint(self) -> float | None:
        return self.price

    def catalog_device(self) -> str | None:
        return catalog_id(self.name)

    def prepare(self, req: dict) -> plc.PreparedCase:
        case = plc.Case.of(req)
        if self.started is None:
            try:
                self.started = start_torch(self.index)
            except Exception as e:
                raise plc.failure(f"PyTorch/CUDA start-up failed: {type(e).__name__}: {str(e)[:300]}") from None
            plc.log(f"started: {json.dumps(self.started)}")
        if case.dtype == "fp32" and self.started["tf32_allowed"]:
            raise plc.failure(f"TF32 is still on after turning it off (read back {self.started['fp32_matmul_precision']})")
        dtype = {"fp32": torch.float32, "bf16": torch.bfloat16}[case.dtype]
        need = (case.M * case.K + case.K * case.N + case.M * case.N) * torch.tensor([], dtype=dtype).element_size()
        free, _total = torch.cuda.mem_get_info(self.index)
        if need > free:
            raise plc.failure(f"case '{case.id}' needs {need / 2**30:.2f} GiB of GPU memory, "
                              f"{free / 2**30:.2f} GiB free; refused before allocating")
        try:
            return GemmCase(case, dtype, torch.device("cuda", self.index), self.started)
        except torch.cuda.OutOfMemoryError as e:
            torch.cuda.empty_cache()
            raise plc.failure(f"CUDA out of memory: {str(e).splitlines()[0]}") from None


def torch_has_cuda() -> bool | None:
    """Whether the installed torch is a CUDA build, read from torch/version.py without importing
    torch (seconds); None when torch is not installed."""
    spec = importlib.util.find_spec("torch")
    if spec is None:
        return None
    try:
        with open(os.path.join(spec.submodule_search_locations[0], "version.py"), encoding="utf-8") as f:
            return re.search(r"^cuda\s*(?::[^=]*)?=\s*None", f.read(), re.M) is None
    except (OSError, TypeError, IndexError):
        return True  # cannot tell: let the first prepare say


def preflight(index: int, name: str) -> dict:
    """Device, driver, clocks and persistence mode (nvidia-smi), then PyTorch start-up and TF32."""
    info = {"device": name, "catalog_device": catalog_id(name)}
    fields = "driver_version,persistence_mode,clocks.sm,clocks.max.sm,clocks.mem,power.limit,temperature.gpu"
    try:
        out = subprocess.run(["nvidia-smi", "-i", str(index), f"--query-gpu={fields}", "--format=csv,noheader"],
                             capture_output=True, text=True, timeout=15).stdout.strip()
        info.update(dict(zip(fields.split(","), (v.strip() for v in out.split(",")))))
    except (OSError, subprocess.TimeoutExpired) as e:
        info["nvidia_smi"] = f"unavailable: {e}"
    info.update(start_torch(index))
    return info


def independent_time(index: int, case_id: str) -> dict:
    """Median seconds per call of CASE_ID from 10 samples of 3 replays of a 32-matmul CUDA graph,
    written here without bench's protocol: the plugin's medians must agree."""
    start_torch(index)
    case = plc.Case.parse(case_id)
    g = GemmCase(case, {"fp32": torch.float32, "bf16": torch.bfloat16}[case.dtype], torch.device("cuda", index),
                 {"fp32_matmul_precision": "", "read_back_from": "", "torch": "", "cuda": ""})
    g.run(3, GRAPH_CALLS)  # warm-up
    samples = sorted(g.run(10, 3 * GRAPH_CALLS))
    return {"case_id": case.id, "method": "CUDA graph replay", "median_s": (samples[4] + samples[5]) / 2}


def device_name(args, unknown: list[str]) -> str:
    """The GPU's name, or ``plc.Unavailable`` naming the missing piece (checked without CUDA)."""
    if unknown:
        raise plc.Unavailable(f"cuda plugin: unknown plugin argument(s) {' '.join(unknown)} "
                              "(known: --device-index N, --price-hint USD)")
    missing = plc.missing_modules(["numpy"]) + plc.missing_modules(["torch"], import_them=False)
    if missing:
        raise plc.Unavailable(f"cuda plugin: Python module(s) {', '.join(missing)} not found for "
                              f"{sys.executable}; install with: {INSTALL}")
    if torch_has_cuda() is False:
        raise plc.Unavailable(f"cuda plugin: the installed torch is a CPU-only build; install with: {INSTALL}")
    names = gpu_names()
    if not names:
        raise plc.Unavailable("cuda plugin: no NVIDIA GPU or driver found (/proc/driver/nvidia, nvidia-smi)")
    if not 0 <= args.device_index < len(names):
        raise plc.Unavailable(f"cuda plugin: --device-index {args.device_index} but only {len(names)} GPU(s)")
    return names[args.device_index]


def main() -> int:
    ap = argparse.ArgumentParser(prog="cuda_backend.py")
    ap.add_argument("--device-index", type=int, default=0)
    ap.add_argument("--price-hint", type=float, default=None)
    ap.add_argument("--preflight", action="store_true")
    ap.add_argument("--time", metavar="CASE_ID")
    args, unknown = ap.parse_known_args()
    if not (args.preflight or args.time):
        plc.main(lambda: CudaBackend(args.device_index, device_name(args, unknown), args.price_hint), BACKEND_ID)
    try:
        name = device_name(args, unknown)
    except plc.Unavailable as e:
        sys.stderr.write(f"{e}\n")
        return plc.EXIT_UNAVAILABLE
    print(json.dumps(preflight(args.device_index, name) if args.preflight else independent_time(args.device_index, args.time)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
