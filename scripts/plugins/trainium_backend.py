#!/usr/bin/env python3
"""AWS Trainium (torch-neuronx / PyTorch-XLA) backend plugin for bench -- EXAMPLE, UNTESTED
(scripts/plugins/README.md).

    bench run --suite matmul --case-timeout 900 --backend plugin:scripts/plugins/trainium_backend.py \
        [--plugin-arg plugin:trainium_backend=--price-hint --plugin-arg plugin:trainium_backend=0.67] \
        [--plugin-arg plugin:trainium_backend=--chip --plugin-arg plugin:trainium_backend=trainium2]

Never run on a Trainium instance by this repository's CI or authors: check it with the
conformance run of docs/plugin-protocol.md before trusting its rows. Backend id ``trainium``;
``gemm`` in fp32 and bf16 on ONE NeuronCore, declared as such: the handshake names the chip
(``catalog_device`` trainium1 or trainium2, from the instance type in
/sys/devices/virtual/dmi/id/product_name or ``--chip``) and ``device_share`` = the core's share of
the chip (1/2 on Trainium1; on Trainium2 the logical core's ``NEURON_LOGICAL_NC_CONFIG`` (default
2) of 8 physical cores), so bench takes MFU against that share of the chip's peak and prices that
share of the instance's chip (docs/models.md). ``torch.matmul`` on XLA tensors and
``xm.mark_step()`` per call, ``xm.wait_device_ops()`` per sample (the host's lazy-tensor tracing
is part of each call). ``prepare`` compiles with neuronx-cc (minutes the first time, hence the
``--case-timeout``). fp32 must not be auto-cast to bf16: ``--auto-cast=none`` is added to
``NEURON_CC_FLAGS`` unless the flags set the ``--auto-cast`` option itself (exact token, so
``--auto-cast-type=...`` does not count); if they set it to anything but ``none``, fp32 cases are
refused with the reason. ``XLA_USE_BF16`` / ``XLA_DOWNCAST_BF16`` must not be set. bf16 inputs
are rounded from fp32 to nearest even (bench's bf16 rule). ``threads`` is ignored. Refuses the
handshake (one stderr line, exit 3) without the Neuron SDK's Python packages or without
``/dev/neuron*``.
"""

from __future__ import annotations

import argparse
import glob
import importlib.metadata
import os
import shlex
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

    def __init__(self, price: float | None, neuron_devices: list[str], chip: str | None, auto_cast: str):
        self.price, self.neuron_devices, self.chip, self.auto_cast = price, neuron_devices, chip, auto_cast
        self.device_obj = None  # created at the first prepare (starts the Neuron runtime)

    def catalog_device(self) -> str | None:
        return self.chip

    def device_share(self) -> float:
        lnc = int(os.environ.get("NEURON_LOGICAL_NC_CONFIG", "2") or 2)
        return 0.5 if self.chip == "trainium1" else min(1.0, lnc / 8)

    def device(self) -> str:
        return (f"AWS Neuron, 1 NeuronCore of a {self.chip or 'Trainium chip'} ({len(self.neuron_devices)} Neuron device(s) present; "
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
        if case.dtype == "fp32" and self.auto_cast != "none":
            raise plc.failure(f"NEURON_CC_FLAGS sets --auto-cast={self.auto_cast}: fp32 matmuls would run in bf16")
        dtype = {"fp32": torch.float32, "bf16": torch.bfloat16}[req["dtype"]]
        try:
            return GemmCase(req["case_id"], m, n, k, dtype, self.device_obj)
        except (RuntimeError, MemoryError) as e:  # compile and device-memory failures
            first = str(e).splitlines()[0] if str(e) else ""
            raise plc.failure(f"{type(e).__name__}: {first}") from None


def make_backend() -> TrainiumBackend:
    ap = argparse.ArgumentParser(prog="trainium_backend.py", add_help=False)
    ap.add_argument("--price-hint", type=float, default=None)
    ap.add_argument("--chip", choices=("trainium1", "trainium2"), default=None)
    try:
        args, unknown = ap.parse_known_args()
    except SystemExit:  # argparse has printed why on stderr
        raise plc.Unavailable("trainium plugin: bad plugin arguments (known: --price-hint USD, --chip NAME)") from None
    if unknown:
        raise plc.Unavailable(f"trainium plugin: unknown plugin argument(s) {' '.join(unknown)} "
                              "(known: --price-hint USD, --chip trainium1|trainium2)")
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
    tokens = shlex.split(os.environ.get("NEURON_CC_FLAGS", ""))
    values = [t.split("=", 1)[1] if "=" in t else (tokens[i + 1] if i + 1 < len(tokens) else "")
              for i, t in enumerate(tokens) if t == "--auto-cast" or t.startswith("--auto-cast=")]
    if not values:
        os.environ["NEURON_CC_FLAGS"] = shlex.join([*tokens, "--auto-cast=none"])
    elif values[-1] != "none":
        plc.log(f"NEURON_CC_FLAGS sets --auto-cast={values[-1]}: fp32 cases are refused (bf16 ones run)")
    try:
        with open("/sys/devices/virtual/dmi/id/product_name", encoding="utf-8") as f:  # EC2: the instance type
            instance = f.read().strip()
    except OSError:
        instance = ""
    chip = args.chip or {"trn1": "trainium1", "trn1n": "trainium1", "trn2": "trainium2"}.get(instance.split(".")[0])
    return TrainiumBackend(args.price_hint, devices, chip, values[-1] if values else "none")


if __name__ == "__main__":
    plc.main(make_backend, BACKEND_ID)
