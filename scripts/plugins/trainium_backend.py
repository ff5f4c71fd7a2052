#!/usr/bin/env python3
"""AWS Trainium (torch-neuronx / PyTorch-XLA) backend plugin for bench -- EXAMPLE, UNTESTED
(scripts/plugins/README.md).

    bench run --suite matmul --case-timeout 900 --backend plugin:scripts/plugins/trainium_backend.py \
        [--plugin-arg --price-hint --plugin-arg 0.67]

Never run on a Trainium instance by this repository's CI or authors: check it with the
conformance run of docs/plugin-protocol.md before trusting its rows. Backend id ``trainium``;
``gemm`` in fp32 and bf16 on one NeuronCore: ``torch.matmul`` on XLA tensors and
``xm.mark_step()`` per call, ``xm.wait_device_ops()`` per sample (the host's lazy-tensor tracing
is part of each call). ``prepare`` compiles with neuronx-cc (minutes the first time, hence the
``--case-timeout``). fp32 must not be auto-cast to bf16, so ``--auto-cast=none`` is added to
``NEURON_CC_FLAGS`` unless it sets ``--auto-cast`` already; ``XLA_USE_BF16`` /
``XLA_DOWNCAST_BF16`` must not be set. bf16 inputs are rounded from fp32 (bench has no bf16
reference yet and reports those rows ``unsupported``). ``threads`` is ignored. Refuses the
handshake (one stderr line, exit 3) without the Neuron SDK's Python packages or without
``/dev/neuron*``.
"""

from __future__ import annotations

import argparse
import glob
import importlib.metadata
import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
import plugin_common as plc  # noqa: E402

BACKEND_ID = "trainium"
INSTALL = ("use the AWS Neuron DLAMI, or pip install torch-neuronx neuronx-cc numpy "
           "--extra-index-url=https://pip.repos.neuron.amazonaws.com")

np = None
torch = None
xm = None


def _version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "?"


class GemmCase(plc.PreparedCase):
    def __init__(self, case_id: str, m: int, n: int, k: int, dtype, device):
        a = plc.uniform(case_id, "A", (m, k), np.float32)  # exact in fp32; rounded once to bf16 below
        b = plc.uniform(case_id, "B", (k, n), np.float32)
        self.a = torch.from_numpy(a).to(dtype).to(device)
        self.b = torch.from_numpy(b).to(dtype).to(device)
        xm.mark_step()
        # Compile (neuronx-cc) and run the graph once, outside any sample.
        warm = torch.matmul(self.a, self.b)
        xm.mark_step()
        xm.wait_device_ops()
        del warm
        self.c = None

    def _call(self):
        self.c = torch.matmul(self.a, self.b)
        xm.mark_step()
        return self.c

    def run(self, iterations: int, calls_per_sample: int) -> list[float]:
        return plc.time_samples(self._call, iterations, calls_per_sample, sync=lambda _c: xm.wait_device_ops())

    def outputs(self) -> dict:
        return {"C": self.c.cpu().float().numpy()}  # one transfer of C

    def teardown(self) -> None:
        self.a = self.b = self.c = None
        xm.mark_step()


class TrainiumBackend(plc.Backend):
    backend_id = BACKEND_ID
    kernels = ("gemm",)
    dtypes = ("fp32", "bf16")

    def __init__(self, price: float | None, neuron_devices: list[str]):
        self.price = price
        self.neuron_devices = neuron_devices
        self.device_obj = None  # created at the first prepare (starts the Neuron runtime)

    def device(self) -> str:
        return (f"AWS Neuron, 1 NeuronCore ({len(self.neuron_devices)} Neuron device(s) present; "
                f"torch-neuronx {_version('torch-neuronx')}, neuronx-cc {_version('neuronx-cc')}, "
                f"torch-xla {_version('torch-xla')}; NEURON_CC_FLAGS={os.environ.get('NEURON_CC_FLAGS', '')!r})")

    def price_hint(self) -> float | None:
        return self.price

    def _start(self) -> None:
        global np, torch, xm
        if self.device_obj is not None:
            return
        import numpy
        import torch as _torch
        import torch_neuronx  # noqa: F401  (registers the Neuron backend of torch_xla)
        import torch_xla.core.xla_model as _xm

        np, torch, xm = numpy, _torch, _xm
        self.device_obj = xm.xla_device()
        plc.log(f"XLA device {self.device_obj} ({xm.xla_device_hw(self.device_obj)})")

    def prepare(self, req: dict) -> plc.PreparedCase:
        case = plc.Case.of(req)
        m, n, k = case.M, case.N, case.K
        try:
            self._start()
        except Exception as e:
            raise plc.failure(f"cannot start the Neuron XLA device: {type(e).__name__}: {e}") from None
        dtype = {"fp32": torch.float32, "bf16": torch.bfloat16}[req["dtype"]]
        try:
            return GemmCase(req["case_id"], m, n, k, dtype, self.device_obj)
        except (RuntimeError, MemoryError) as e:  # compile and device-memory failures
            first = str(e).splitlines()[0] if str(e) else ""
            raise plc.failure(f"{type(e).__name__}: {first}") from None


def make_backend() -> TrainiumBackend:
    ap = argparse.ArgumentParser(prog="trainium_backend.py", add_help=False)
    ap.add_argument("--price-hint", type=float, default=None)
    try:
        args, unknown = ap.parse_known_args()
    except SystemExit:  # argparse has printed why on stderr
        raise plc.Unavailable("trainium plugin: bad plugin arguments (known: --price-hint USD)") from None
    if unknown:
        raise plc.Unavailable(f"trainium plugin: unknown plugin argument(s) {' '.join(unknown)} (known: --price-hint USD)")
    # Present without importing: torch_xla/torch_neuronx take seconds to import and start the
    # Neuron runtime; that happens at the first prepare, not within the 10 s handshake.
    missing = plc.missing_modules(["numpy", "torch", "torch_xla", "torch_neuronx"], import_them=False)
    if missing:
        raise plc.Unavailable(f"trainium plugin: Neuron SDK Python module(s) {', '.join(missing)} not found for "
                              f"{sys.executable}; {INSTALL}")
    devices = sorted(glob.glob("/dev/neuron[0-9]*"))
    if not devices:
        raise plc.Unavailable("trainium plugin: no Neuron device (/dev/neuron*) on this machine; "
                              "run it on a Trainium (trn1/trn2) instance with the Neuron driver loaded")
    for var in ("XLA_USE_BF16", "XLA_DOWNCAST_BF16"):
        if os.environ.get(var, "0") not in ("", "0"):
            plc.log(f"warning: {var} is set: fp32 tensors become bf16 and fp32 rows will fail verification")
    flags = os.environ.get("NEURON_CC_FLAGS", "")
    if "--auto-cast" not in flags:
        os.environ["NEURON_CC_FLAGS"] = f"{flags} --auto-cast=none".strip()
    else:
        plc.log(f"NEURON_CC_FLAGS sets --auto-cast ({flags!r}); fp32 matmuls may run in bf16")
    return TrainiumBackend(args.price_hint, devices)


if __name__ == "__main__":
    plc.main(make_backend, BACKEND_ID)
