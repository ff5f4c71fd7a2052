#!/usr/bin/env python3
"""NumPy peer of bench's training suite: ``mlp_step`` with hand-written backprop.

Computes exactly docs/training-kernels.md#mlp_step (fp32 or fp64, SGD with momentum or AdamW)
from the inputs the case id generates, with every buffer allocated once and reused by each
step (``out=`` arguments everywhere NumPy has them). BLAS threads are set with
``threadpoolctl.threadpool_limits``; NumPy's element-wise work is single-threaded.

Usage (see scripts/peers/README.md): ``scripts/peers/run numpy [--quick] [--case ID ...]
[--threads N] [--budget S] [--out FILE] [--peak-gflops G] [--check-gradients]
[--dump-step ID FILE]``.
"""

from __future__ import annotations

import math
import os
import sys

import numpy as np
from threadpoolctl import threadpool_limits

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import peer_common as pc  # noqa: E402

BACKEND = "numpy"


class NumpyMLP:
    """The state of one ``mlp_step`` case and its preallocated buffers.

    ``step()`` runs one training step in place and returns the loss before the update.
    Buffers (B×H): ``h`` (pre-activation, later reused for gelu' work), ``t`` (tanh of the
    GELU argument), ``a`` (activation, later gelu'), ``dh``; (B×D): ``out``, ``dout``, ``dx``.
    """

    def __init__(self, case: pc.MLPCase):
        self.case = case
        dt = case.np_dtype
        init = pc.initial_state(case)
        self.x, self.y = init.x, init.y
        self.params = {"W1": init.W1, "b1": init.b1, "W2": init.W2, "b2": init.b2}
        self.grads = {"d" + k: np.empty_like(v) for k, v in self.params.items()}
        self.dx = np.empty_like(self.x)
        b, d, h = case.B, case.D, case.H
        self.h = np.empty((b, h), dt)
        self.t = np.empty((b, h), dt)
        self.a = np.empty((b, h), dt)
        self.dh = np.empty((b, h), dt)
        self.out = np.empty((b, d), dt)
        self.dout = np.empty((b, d), dt)
        self.scale = 1.0 / (b * d)  # of the mean in the loss
        # Optimizer state (zero) and two scratch buffers per parameter.
        self.m = {k: np.zeros_like(v) for k, v in self.params.items()}  # AdamW first moment / SGD velocity
        self.v = {k: np.zeros_like(v) for k, v in self.params.items()} if case.opt == "adamw" else None
        self.s1 = {k: np.empty_like(v) for k, v in self.params.items()}
        self.s2 = {k: np.empty_like(v) for k, v in self.params.items()} if case.opt == "adamw" else None
        self.step_count = 0
        self.update = self._sgd if case.opt == "sgd" else self._adamw

    def step(self) -> float:
        p, g = self.params, self.grads
        W1, b1, W2, b2 = p["W1"], p["b1"], p["W2"], p["b2"]
        h, t, a, dh, out, dout = self.h, self.t, self.a, self.dh, self.out, self.dout
        # Forward: h = x·W1 + b1; a = gelu(h); out = a·W2 + b2.
        np.matmul(self.x, W1, out=h)
        h += b1
        np.multiply(h, h, out=t)                      # t = tanh(c·(h + k·h³)) = tanh(c·h·(1 + k·h²))
        t *= pc.GELU_K
        t += 1.0
        t *= h
        t *= pc.GELU_C
        np.tanh(t, out=t)
        np.add(t, 1.0, out=a)                         # a = 0.5·h·(1 + t)
        a *= h
        a *= 0.5
        np.matmul(a, W2, out=out)
        out += b2
        # Loss and dout = 2·(out − y)/(B·D).
        np.subtract(out, self.y, out=dout)
        flat = dout.reshape(-1)
        loss = float(np.dot(flat, flat)) * self.scale
        dout *= 2.0 * self.scale
        # Backward.
        np.matmul(a.T, dout, out=g["dW2"])            # dW2 = aᵀ·dout
        np.sum(dout, axis=0, out=g["db2"])            # db2 = Σ_rows dout
        np.matmul(dout, W2.T, out=dh)                 # da = dout·W2ᵀ (into dh)
        # gelu'(h) = 0.5·(1 + t) + 0.5·(1 − t²)·c·(h + 3k·h³); a and h are free now.
        np.multiply(h, h, out=a)
        a *= 3.0 * pc.GELU_K
        a += 1.0
        h *= a
        h *= pc.GELU_C                                # h ← c·(h + 3k·h³)
        np.multiply(t, t, out=a)
        np.subtract(1.0, a, out=a)                    # a ← 1 − t²
        a *= h
        a += t
        a += 1.0
        a *= 0.5                                      # a ← gelu'(h)
        dh *= a                                       # dh = da ⊙ gelu'(h)
        np.matmul(self.x.T, dh, out=g["dW1"])         # dW1 = xᵀ·dh
        np.sum(dh, axis=0, out=g["db1"])              # db1 = Σ_rows dh
        np.matmul(dh, W1.T, out=self.dx)              # dx = dh·W1ᵀ (before the update)
        self.step_count += 1
        self.update()
        return loss

    def _sgd(self) -> None:
        """v ← μ·v + g; w ← w − lr·v."""
        for k, w in self.params.items():
            v, s = self.m[k], self.s1[k]
            v *= pc.SGD_MOMENTUM
            v += self.grads["d" + k]
            np.multiply(v, pc.SGD_LR, out=s)
            w -= s

    def _adamw(self) -> None:
        """m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²; w ← w − lr·(m̂/(√v̂ + ε) + λ·w)."""
        t = self.step_count
        bc1 = 1.0 - pc.ADAM_B1 ** t
        bc2 = 1.0 - pc.ADAM_B2 ** t
        for k, w in self.params.items():
            g, m, v, s1, s2 = self.grads["d" + k], self.m[k], self.v[k], self.s1[k], self.s2[k]
            m *= pc.ADAM_B1
            np.multiply(g, 1.0 - pc.ADAM_B1, out=s1)
            m += s1
            v *= pc.ADAM_B2
            np.multiply(g, g, out=s1)
            s1 *= 1.0 - pc.ADAM_B2
            v += s1
            np.divide(v, bc2, out=s1)                 # v̂
            np.sqrt(s1, out=s1)
            s1 += pc.ADAM_EPS
            np.divide(m, bc1, out=s2)                 # m̂
            s2 /= s1
            np.multiply(w, pc.ADAM_WD, out=s1)
            s2 += s1
            s2 *= pc.ADAM_LR
            w -= s2

    def finite(self) -> bool:
        return all(np.isfinite(w).all() for w in self.params.values())


def first_step(case: pc.MLPCase) -> pc.StepResult:
    """One step from the initial state, for --check-gradients and --dump-step."""
    mlp = NumpyMLP(case)
    loss = mlp.step()
    f64 = lambda a: np.array(a, dtype=np.float64)  # noqa: E731
    grads = {k: f64(v) for k, v in mlp.grads.items()}
    grads["dx"] = f64(mlp.dx)
    return pc.StepResult(loss, grads, {k: f64(v) for k, v in mlp.params.items()})


def run_case(case: pc.MLPCase, policy: pc.Policy) -> pc.CaseOutcome:
    """Checks the first step, measures, then checks the loss and parameters are still finite."""
    try:
        mlp = NumpyMLP(case)
    except MemoryError:
        return pc.CaseOutcome(None, "error", "out of memory allocating the buffers")
    first = mlp.step()
    if not math.isfinite(first):
        return pc.CaseOutcome(None, "error", f"loss {first} after the first step; not timed", first, first, 1)
    last = first

    def body() -> None:
        nonlocal last
        last = mlp.step()

    m = pc.measure(policy, body)
    steps = mlp.step_count
    if not (math.isfinite(last) and mlp.finite()):
        return pc.CaseOutcome(m, "error", f"loss {last} or non-finite parameters after {steps} steps", first, last, steps)
    return pc.CaseOutcome(m, "ok", pc.loss_note(first, last, steps), first, last, steps)


def main(argv=None) -> int:
    args = pc.parse_args(BACKEND, argv)
    threads = args.threads or pc.usable_cores()
    with threadpool_limits(limits=threads, user_api="blas"):
        if args.check_gradients:
            return 0 if pc.check_gradients(first_step) else 1
        if args.dump_step:
            pc.write_dump(args.dump_step[1], args.dump_case, first_step(args.dump_case), BACKEND)
            print(f"wrote {args.dump_step[1]}")
            return 0
        blas = pc.blas_info()
        device = f"{pc.cpu_model()} (NumPy {np.__version__}, {pc.blas_label(blas)})"

        def environment() -> dict:
            return pc.base_environment(threads, {"peer": BACKEND})

        return pc.run_suite(backend=BACKEND, args=args, device=device, threads=threads,
                            environment=environment, run_case=run_case,
                            warnings=[blas["warning"]] if blas and blas["warning"] else [])


if __name__ == "__main__":
    sys.exit(main())
