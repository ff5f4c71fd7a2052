#!/usr/bin/env python3
"""JAX backend plugin for bench (protocol version 1, docs/plugin-protocol.md).

    bench run --suite training --backend cpu-blas,plugin:scripts/plugins/jax_backend.py

Backend id ``jax``; kernels ``gemm`` (a jitted ``A @ B``) and ``mlp_step`` (the JAX peer's
step, scripts/peers/jax_peer.py: ``jax.value_and_grad`` of docs/training-kernels.md's forward
pass and loss, the optimizer written out, parameters and optimizer state donated); dtypes fp32
and fp64 (``jax_enable_x64`` is switched on; fp32 arrays stay fp32). Each case is compiled
ahead of time in ``prepare`` (``jit(...).lower(...).compile()``), so no sample includes a
compilation. Every timed call ends with ``jax.block_until_ready`` on its outputs, so a call is a
finished computation, not a dispatch.

The mlp_step here returns the forward pass's ``out`` as well (``has_aux``), so that ``verify``
can answer from the latest forward pass as the protocol requires; otherwise it is the peer's
step (same loss, gradients including dx, same optimizer arithmetic).

Threads: XLA sizes its CPU thread pools when JAX starts, so JAX is imported at the first
``prepare``, with the peer's thread control for that case's ``threads`` (``XLA_FLAGS``
intra-op threads and CPU affinity; approximate, see jax_peer.py). A later case that asks for
another thread count runs with the first count and says so on stderr. Run one bench thread
setting per plugin process for exact rows.

Needs jax (``pip install "jax[cpu]"``, which brings numpy) in the interpreter that runs it;
without it the plugin answers the hello with one stderr line naming that command and exits
with status 3.
"""

from __future__ import annotations

import importlib.metadata
import math
import os
import sys

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
import plugin_common as plc  # noqa: E402

BACKEND_ID = "jax"
INSTALL = 'pip install "jax[cpu]"'

np = None
pc = None  # scripts/peers/peer_common.py
jp = None  # scripts/peers/jax_peer.py
jax = None
jnp = None


def _version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "?"


class GemmCase(plc.PreparedCase):
    """``C = A·B`` with a jitted, ahead-of-time compiled matmul; C is the latest result."""

    def __init__(self, case_id: str, m: int, n: int, k: int, dtype):
        self.a = jax.device_put(pc.uniform(case_id, "A", (m, k), dtype))
        self.b = jax.device_put(pc.uniform(case_id, "B", (k, n), dtype))
        self.fn = jax.jit(lambda a, b: jnp.matmul(a, b, precision=jax.lax.Precision.HIGHEST)) \
            .lower(self.a, self.b).compile()
        self.c = None

    def _call(self):
        self.c = self.fn(self.a, self.b)
        return self.c

    def run(self, iterations: int, calls_per_sample: int) -> list[float]:
        return plc.time_samples(self._call, iterations, calls_per_sample, sync=jax.block_until_ready)

    def verify(self, entries):
        if self.c is None:
            raise RuntimeError("verify before the first run: C has not been computed")
        m, n = self.c.shape
        pairs = plc.check_entries(entries, m, n, "C")
        return _gather(self.c, pairs)

    def teardown(self) -> None:
        self.a = self.b = self.c = self.fn = None


def _gather(array, pairs) -> list[float]:
    """The listed entries of a (CPU) device array."""
    host = np.asarray(array)
    return [float(host[i, j]) for i, j in pairs]


def make_mlp_step(case):
    """The peer's step, with the forward pass's ``out`` as an extra output:
    ``(params, state, x, y, bc1, bc2) -> (params, state, loss, dx, out)``."""
    n = case.B * case.D

    def loss_and_out(params, x, y):
        W1, b1, W2, b2 = params
        out = jp._gelu(x @ W1 + b1) @ W2 + b2
        d = out - y
        return jnp.sum(d * d) / n, out

    value_and_grad = jax.value_and_grad(loss_and_out, argnums=(0, 1), has_aux=True)

    def sgd_step(params, state, x, y, bc1, bc2):
        (loss, out), (grads, dx) = value_and_grad(params, x, y)
        state = tuple(pc.SGD_MOMENTUM * v + g for v, g in zip(state, grads))
        params = tuple(w - pc.SGD_LR * v for w, v in zip(params, state))
        return params, state, loss, dx, out

    def adamw_step(params, state, x, y, bc1, bc2):
        (loss, out), (grads, dx) = value_and_grad(params, x, y)
        new_params, new_state = [], []
        for w, (m, v), g in zip(params, state, grads):
            m = pc.ADAM_B1 * m + (1.0 - pc.ADAM_B1) * g
            v = pc.ADAM_B2 * v + (1.0 - pc.ADAM_B2) * (g * g)
            new_params.append(w - pc.ADAM_LR * ((m / bc1) / (jnp.sqrt(v / bc2) + pc.ADAM_EPS) + pc.ADAM_WD * w))
            new_state.append((m, v))
        return tuple(new_params), tuple(new_state), loss, dx, out

    return jax.jit(sgd_step if case.opt == "sgd" else adamw_step, donate_argnums=(0, 1))


class MLPCase(plc.PreparedCase):
    """``mlp_step`` on the JAX peer's model state; ``out`` is the latest forward pass."""

    def __init__(self, case):
        self.model = jp.JaxModel(case)  # the documented initial state, on the device
        m = self.model
        bc = m.dt(1.0)
        self.fn = make_mlp_step(case).lower(m.params, m.state, m.x, m.y, bc, bc).compile()
        self.out = None

    def _call(self):
        m = self.model
        m.step_count += 1
        t = m.step_count
        bc1 = m.dt(1.0 - pc.ADAM_B1 ** t)
        bc2 = m.dt(1.0 - pc.ADAM_B2 ** t)
        m.params, m.state, m.loss, m.dx, self.out = self.fn(m.params, m.state, m.x, m.y, bc1, bc2)
        return m.loss, self.out

    def _check(self, _result) -> None:
        loss = float(self.model.loss)
        if not math.isfinite(loss):
            raise RuntimeError(f"loss is {loss} at step {self.model.step_count}")

    def run(self, iterations: int, calls_per_sample: int) -> list[float]:
        return plc.time_samples(self._call, iterations, calls_per_sample,
                                sync=jax.block_until_ready, after_sample=self._check)

    def verify(self, entries):
        if self.out is None:
            raise RuntimeError("verify before the first run: no forward pass yet")
        b, d = self.out.shape
        return _gather(self.out, plc.check_entries(entries, b, d, "out"))

    def teardown(self) -> None:
        self.model = self.fn = self.out = None


class JaxBackend(plc.Backend):
    backend_id = BACKEND_ID
    kernels = ("gemm", "mlp_step")
    dtypes = ("fp32", "fp64")

    def __init__(self) -> None:
        self.threads = None  # fixed by the first prepare (JAX is imported then)

    def device(self) -> str:
        import peer_common  # numpy only, cheap; JAX itself is imported at the first prepare

        return f"{peer_common.cpu_model()} (JAX {_version('jax')}, jaxlib {_version('jaxlib')}, XLA CPU)"

    def _start_jax(self, threads: int) -> None:
        global np, pc, jp, jax, jnp
        if self.threads is not None:
            if threads != self.threads:
                plc.log(f"case asks for {threads} threads, but XLA was started with {self.threads} "
                        f"in this process; running with {self.threads}")
            return
        import numpy
        import jax_peer
        import peer_common

        np, pc, jp = numpy, peer_common, jax_peer
        try:
            jp._import_jax(threads, x64=True)  # XLA_FLAGS + affinity, then import, x64, CPU platform
        except Exception as e:
            raise plc.failure(f"cannot start JAX: {type(e).__name__}: {e}") from None
        jax, jnp = jp.jax, jp.jnp
        self.threads = threads
        plc.log(f"JAX {jax.__version__} started: devices {jax.devices()}, XLA_FLAGS={os.environ.get('XLA_FLAGS', '')!r}, "
                f"affinity {sorted(os.sched_getaffinity(0)) if hasattr(os, 'sched_getaffinity') else '?'}")

    def prepare(self, req: dict) -> plc.PreparedCase:
        self._start_jax(req["threads"])
        case_id = req["case_id"]
        dtype = {"fp32": np.float32, "fp64": np.float64}[req["dtype"]]
        try:
            if req["kernel"] == "gemm":
                m, n, k = plc.parse_gemm(req)
                return GemmCase(case_id, m, n, k, dtype)
            plc.check_case_id(req)
            try:
                case = pc.parse_case(case_id)
                case.check_memory()
            except pc.CaseError as e:
                raise plc.failure(str(e)) from None
            if not isinstance(case, pc.MLPCase):
                raise plc.unsupported(f"'{case_id}' is not an mlp_step case")
            return MLPCase(case)
        except plc.CaseError:
            raise
        except MemoryError:
            raise
        except Exception as e:  # XLA reports allocation and compile failures as RuntimeError subclasses
            first = str(e).splitlines()[0] if str(e) else ""
            raise plc.failure(f"{type(e).__name__}: {first}") from None


def make_backend() -> JaxBackend:
    missing = plc.missing_modules(["numpy"]) + plc.missing_modules(["jax", "jaxlib"], import_them=False)
    if missing:
        raise plc.Unavailable(f"jax plugin: Python module(s) {', '.join(missing)} not found for "
                              f"{sys.executable}; install with: {INSTALL}")
    plc.add_peers_to_path()
    return JaxBackend()


if __name__ == "__main__":
    plc.main(make_backend, BACKEND_ID)
