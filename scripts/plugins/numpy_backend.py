#!/usr/bin/env python3
"""NumPy backend plugin for bench (protocol version 1, docs/plugin-protocol.md).

    bench run --suite training --backend cpu-blas,plugin:scripts/plugins/numpy_backend.py

Backend id ``numpy``; kernels ``gemm`` (``np.matmul(A, B, out=C)``) and ``mlp_step`` (the
NumPy peer's hand-written step, scripts/peers/numpy_peer.py); dtypes fp32 and fp64. Inputs come
from the case id through the peers' vectorised SplitMix64/FNV-1a generator
(scripts/peers/peer_common.py), so they are bit-identical to bench's; the mlp_step initial
state is docs/training-kernels.md's. BLAS threads follow each prepare's ``threads`` through
``threadpoolctl`` (NumPy's element-wise work is single-threaded). Samples are timed with
``time.perf_counter`` around ``calls_per_sample`` back-to-back calls.

Needs numpy and threadpoolctl in the interpreter that runs it (``#!/usr/bin/env python3``, or
``plugin:`` a wrapper that runs another interpreter): without them the plugin answers the
hello with one stderr line naming ``pip install numpy threadpoolctl`` and exits with status 3.
"""

from __future__ import annotations

import os
import sys

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
import plugin_common as plc  # noqa: E402

BACKEND_ID = "numpy"
INSTALL = "pip install numpy threadpoolctl"

np = None
pc = None  # scripts/peers/peer_common.py
peer = None  # scripts/peers/numpy_peer.py
threadpool_limits = None


class GemmCase(plc.PreparedCase):
    """``C[M×N] = A[M×K]·B[K×N]``, row-major, C overwritten by every call."""

    def __init__(self, case_id: str, m: int, n: int, k: int, dtype, threads: int):
        self.threads = threads
        self.a = pc.uniform(case_id, "A", (m, k), dtype)
        self.b = pc.uniform(case_id, "B", (k, n), dtype)
        self.c = np.full((m, n), np.nan, dtype)  # NaN until the first call writes it
        self.calls = 0

    def _call(self):
        return np.matmul(self.a, self.b, out=self.c)

    def run(self, iterations: int, calls_per_sample: int) -> list[float]:
        with threadpool_limits(limits=self.threads, user_api="blas"):
            samples = plc.time_samples(self._call, iterations, calls_per_sample)
        self.calls += iterations * calls_per_sample
        return samples

    def verify(self, entries):
        if self.calls == 0:
            raise RuntimeError("verify before the first run: C has not been computed")
        m, n = self.c.shape
        pairs = plc.check_entries(entries, m, n, "C")
        return [float(self.c[i, j]) for i, j in pairs]

    def teardown(self) -> None:
        self.a = self.b = self.c = None


class MLPCase(plc.PreparedCase):
    """The NumPy peer's ``mlp_step`` (state carried from call to call, as training does)."""

    def __init__(self, case, threads: int):
        self.threads = threads
        self.model = peer.NumpyMLP(case)
        self.loss = None

    def _check(self, _result) -> None:
        if not np.isfinite(self.loss):
            raise RuntimeError(f"loss is {self.loss} at step {self.model.step_count}")

    def _call(self):
        self.loss = self.model.step()

    def run(self, iterations: int, calls_per_sample: int) -> list[float]:
        with threadpool_limits(limits=self.threads, user_api="blas"):
            return plc.time_samples(self._call, iterations, calls_per_sample, after_sample=self._check)

    def verify(self, entries):
        if self.model.step_count == 0:
            raise RuntimeError("verify before the first run: no forward pass yet")
        out = self.model.out  # the latest forward pass's output (B×D)
        b, d = out.shape
        pairs = plc.check_entries(entries, b, d, "out")
        return [float(out[i, j]) for i, j in pairs]

    def teardown(self) -> None:
        self.model = None


class NumpyBackend(plc.Backend):
    backend_id = BACKEND_ID
    kernels = ("gemm", "mlp_step")
    dtypes = ("fp32", "fp64")

    def __init__(self) -> None:
        self.np_dtypes = {"fp32": np.float32, "fp64": np.float64}

    def device(self) -> str:
        return f"{pc.cpu_model()} (NumPy {np.__version__}, {pc.blas_label(pc.blas_info())})"

    def prepare(self, req: dict) -> plc.PreparedCase:
        threads, case_id = req["threads"], req["case_id"]
        dtype = self.np_dtypes[req["dtype"]]
        if req["kernel"] == "gemm":
            m, n, k = plc.parse_gemm(req)
            need = (m * k + k * n + m * n) * np.dtype(dtype).itemsize
            avail = pc.available_memory_bytes()
            if avail and need > avail:
                raise plc.failure(f"case '{case_id}' needs {pc.format_bytes(need)} of buffers but only "
                                  f"{pc.format_bytes(avail)} of memory is available; refused before allocating")
            return GemmCase(case_id, m, n, k, dtype, threads)
        plc.check_case_id(req)
        try:
            case = pc.parse_case(case_id)
            case.check_memory()
        except pc.CaseError as e:
            raise plc.failure(str(e)) from None
        if not isinstance(case, pc.MLPCase):
            raise plc.unsupported(f"'{case_id}' is not an mlp_step case")
        return MLPCase(case, threads)


def make_backend() -> NumpyBackend:
    global np, pc, peer, threadpool_limits
    missing = plc.missing_modules(["numpy", "threadpoolctl"])
    if missing:
        raise plc.Unavailable(f"numpy plugin: Python module(s) {', '.join(missing)} not importable by "
                              f"{sys.executable}; install with: {INSTALL}")
    import numpy
    from threadpoolctl import threadpool_limits as limits

    np, threadpool_limits = numpy, limits
    peers_dir = plc.add_peers_to_path()
    try:
        import numpy_peer
        import peer_common
    except Exception as e:
        raise plc.Unavailable(f"numpy plugin: cannot import the NumPy peer from {peers_dir} "
                              f"({type(e).__name__}: {e})") from None
    pc, peer = peer_common, numpy_peer
    return NumpyBackend()


if __name__ == "__main__":
    plc.main(make_backend, BACKEND_ID)
