#!/usr/bin/env python3
"""NumPy peer of bench's training suite: ``mlp_step`` and ``transformer_block_step`` with
hand-written backprop.

Computes exactly docs/training-kernels.md (fp32 or fp64, SGD with momentum or AdamW) from the
inputs the case id generates, with every buffer allocated once and reused by each step
(``out=`` arguments everywhere NumPy has them). The block's attention runs batched over
(sequence, head) on [B, heads, S, dh] arrays with ``np.matmul``. BLAS threads are set with
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


class Optimizer:
    """SGD with momentum or AdamW over a dict of parameters, updated in place.

    ``grads`` maps ``"d" + name`` to each parameter's gradient buffer. State (zero) and one
    (sgd) or two (adamw) scratch buffers per parameter are allocated once.
    """

    def __init__(self, opt: str, params: dict[str, np.ndarray], grads: dict[str, np.ndarray]):
        self.params, self.grads = params, grads
        self.m = {k: np.zeros_like(v) for k, v in params.items()}  # AdamW first moment / SGD velocity
        self.v = {k: np.zeros_like(v) for k, v in params.items()} if opt == "adamw" else None
        self.s1 = {k: np.empty_like(v) for k, v in params.items()}
        self.s2 = {k: np.empty_like(v) for k, v in params.items()} if opt == "adamw" else None
        self.update = self._sgd if opt == "sgd" else self._adamw

    def _sgd(self, t: int) -> None:
        """v ← μ·v + g; w ← w − lr·v."""
        for k, w in self.params.items():
            v, s = self.m[k], self.s1[k]
            v *= pc.SGD_MOMENTUM
            v += self.grads["d" + k]
            np.multiply(v, pc.SGD_LR, out=s)
            w -= s

    def _adamw(self, t: int) -> None:
        """m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²; w ← w − lr·(m̂/(√v̂ + ε) + λ·w)."""
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


def gelu_forward(h: np.ndarray, t: np.ndarray, a: np.ndarray) -> None:
    """a = gelu(h) = 0.5·h·(1 + t), t = tanh(c·(h + k·h³)) = tanh(c·h·(1 + k·h²)) (kept for backward)."""
    np.multiply(h, h, out=t)
    t *= pc.GELU_K
    t += 1.0
    t *= h
    t *= pc.GELU_C
    np.tanh(t, out=t)
    np.add(t, 1.0, out=a)
    a *= h
    a *= 0.5


def gelu_backward(dh: np.ndarray, h: np.ndarray, t: np.ndarray, a: np.ndarray) -> None:
    """dh ← dh ⊙ gelu′(h), gelu′(h) = 0.5·(1 + t) + 0.5·(1 − t²)·c·(h + 3k·h³); h and a are
    overwritten (used as scratch)."""
    np.multiply(h, h, out=a)
    a *= 3.0 * pc.GELU_K
    a += 1.0
    h *= a
    h *= pc.GELU_C                                    # h ← c·(h + 3k·h³)
    np.multiply(t, t, out=a)
    np.subtract(1.0, a, out=a)                        # a ← 1 − t²
    a *= h
    a += t
    a += 1.0
    a *= 0.5                                          # a ← gelu′(h)
    dh *= a


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
        self.params = init.params
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
        self.optimizer = Optimizer(case.opt, self.params, self.grads)
        self.step_count = 0

    def step(self) -> float:
        p, g = self.params, self.grads
        W1, b1, W2, b2 = p["W1"], p["b1"], p["W2"], p["b2"]
        h, t, a, dh, out, dout = self.h, self.t, self.a, self.dh, self.out, self.dout
        # Forward: h = x·W1 + b1; a = gelu(h); out = a·W2 + b2.
        np.matmul(self.x, W1, out=h)
        h += b1
        gelu_forward(h, t, a)
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
        gelu_backward(dh, h, t, a)                    # dh = da ⊙ gelu'(h)
        np.matmul(self.x.T, dh, out=g["dW1"])         # dW1 = xᵀ·dh
        np.sum(dh, axis=0, out=g["db1"])              # db1 = Σ_rows dh
        np.matmul(dh, W1.T, out=self.dx)              # dx = dh·W1ᵀ (before the update)
        self.step_count += 1
        self.optimizer.update(self.step_count)
        self.loss = loss
        return loss

    def finite(self) -> bool:
        return all(np.isfinite(w).all() for w in self.params.values())


class LayerNorm:
    """Row-wise LayerNorm over T×D with preallocated x̂ (T×D), rstd and two row buffers (T×1)."""

    def __init__(self, rows: int, cols: int, dt):
        self.xhat = np.empty((rows, cols), dt)
        self.rstd = np.empty((rows, 1), dt)
        self.r1 = np.empty((rows, 1), dt)
        self.r2 = np.empty((rows, 1), dt)

    def forward(self, v: np.ndarray, gamma: np.ndarray, beta: np.ndarray, y: np.ndarray, tmp: np.ndarray) -> None:
        """y = (v − mean)/√(var + eps)·gamma + beta (biased variance); keeps x̂ and rstd."""
        xhat, rstd, mean = self.xhat, self.rstd, self.r1
        np.mean(v, axis=1, keepdims=True, out=mean)
        np.subtract(v, mean, out=xhat)
        np.multiply(xhat, xhat, out=tmp)
        np.mean(tmp, axis=1, keepdims=True, out=rstd)
        rstd += pc.LN_EPS
        np.sqrt(rstd, out=rstd)
        np.reciprocal(rstd, out=rstd)
        xhat *= rstd
        np.multiply(xhat, gamma, out=y)
        y += beta

    def backward(self, dy: np.ndarray, gamma: np.ndarray, dgamma: np.ndarray, dbeta: np.ndarray,
                 residual: np.ndarray, dx: np.ndarray, tmp: np.ndarray) -> None:
        """dgamma = Σ_rows dy⊙x̂, dbeta = Σ_rows dy; dx = residual + rstd·(dx̂ − mean(dx̂) −
        x̂·mean(dx̂⊙x̂)) with dx̂ = dy⊙gamma. ``dy`` is overwritten (with dx̂)."""
        xhat, mean_d, mean_dx = self.xhat, self.r1, self.r2
        np.multiply(dy, xhat, out=tmp)
        np.sum(tmp, axis=0, out=dgamma)
        np.sum(dy, axis=0, out=dbeta)
        dy *= gamma                                   # dx̂
        np.mean(dy, axis=1, keepdims=True, out=mean_d)
        np.multiply(dy, xhat, out=tmp)
        np.mean(tmp, axis=1, keepdims=True, out=mean_dx)
        np.multiply(xhat, mean_dx, out=tmp)
        np.subtract(dy, tmp, out=tmp)
        tmp -= mean_d
        tmp *= self.rstd
        np.add(tmp, residual, out=dx)


class NumpyBlock:
    """The state of one ``transformer_block_step`` case and its preallocated buffers.

    ``step()`` runs one training step in place and returns the loss before the update.
    Attention works on contiguous [3, B, heads, S, dh] copies of Q (pre-scaled by 1/√dh), K and
    V (``qkvh``), so that each (sequence, head) product is one BLAS call of a batched
    ``np.matmul``; ``P`` (B×heads×S×S) keeps the probabilities for backward.
    """

    def __init__(self, case: pc.BlockCase):
        self.case = case
        dt = case.np_dtype
        b, s, d, heads, dh, t = case.B, case.S, case.D, case.heads, case.dh, case.T
        init = pc.initial_state(case)
        self.x, self.y = init.x, init.y
        self.params = init.params
        self.grads = {"d" + k: np.empty_like(v) for k, v in self.params.items()}
        td = lambda: np.empty((t, d), dt)  # noqa: E731
        self.x1, self.attn, self.r1, self.x2, self.out = (td() for _ in range(5))
        self.dout, self.dx2, self.dr1, self.dattn, self.dx1, self.dx, self.tmp = (td() for _ in range(7))
        self.ln1, self.ln2 = LayerNorm(t, d, dt), LayerNorm(t, d, dt)
        self.qkv, self.dqkv = np.empty((t, 3 * d), dt), np.empty((t, 3 * d), dt)
        self.hid, self.th, self.act, self.dhid = (np.empty((t, 4 * d), dt) for _ in range(4))
        # Attention in [B, heads, S, dh] layout, and views of the T×3D / T×D buffers in that layout.
        self.qkvh = np.empty((3, b, heads, s, dh), dt)
        self.dqkvh = np.empty((3, b, heads, s, dh), dt)
        self.oh, self.doh = np.empty((b, heads, s, dh), dt), np.empty((b, heads, s, dh), dt)
        self.P, self.dP = np.empty((b, heads, s, s), dt), np.empty((b, heads, s, s), dt)
        self.rowP = np.empty((b, heads, s, 1), dt)
        self.qkv_heads = self.qkv.reshape(b, s, 3, heads, dh).transpose(2, 0, 3, 1, 4)
        self.dqkv_heads = self.dqkv.reshape(b, s, 3, heads, dh).transpose(2, 0, 3, 1, 4)
        self.attn_heads = self.attn.reshape(b, s, heads, dh).transpose(0, 2, 1, 3)
        self.dattn_heads = self.dattn.reshape(b, s, heads, dh).transpose(0, 2, 1, 3)
        self.mask = np.where(np.triu(np.ones((s, s), dtype=bool), k=1), -np.inf, 0.0).astype(dt)
        self.scale = 1.0 / math.sqrt(dh)
        self.loss_scale = 1.0 / (t * d)
        self.optimizer = Optimizer(case.opt, self.params, self.grads)
        self.step_count = 0

    def step(self) -> float:
        p, g = self.params, self.grads
        x, tmp, out, dout = self.x, self.tmp, self.out, self.dout
        # Forward.
        self.ln1.forward(x, p["ln1.gamma"], p["ln1.beta"], self.x1, tmp)     # x1 = LN1(x)
        np.matmul(self.x1, p["Wqkv"], out=self.qkv)                          # qkv = x1·Wqkv + bqkv
        self.qkv += p["bqkv"]
        self._attention_forward()                                            # attn (T×D)
        np.matmul(self.attn, p["Wo"], out=self.r1)                           # r1 = x + attn·Wo + bo
        self.r1 += p["bo"]
        self.r1 += x
        self.ln2.forward(self.r1, p["ln2.gamma"], p["ln2.beta"], self.x2, tmp)  # x2 = LN2(r1)
        np.matmul(self.x2, p["W1"], out=self.hid)                            # hid = x2·W1 + b1
        self.hid += p["b1"]
        gelu_forward(self.hid, self.th, self.act)                            # act = gelu(hid)
        np.matmul(self.act, p["W2"], out=out)                                # out = r1 + act·W2 + b2
        out += p["b2"]
        out += self.r1
        # Loss and dout = 2·(out − y)/(T·D).
        np.subtract(out, self.y, out=dout)
        flat = dout.reshape(-1)
        loss = float(np.dot(flat, flat)) * self.loss_scale
        dout *= 2.0 * self.loss_scale
        # Backward: MLP.
        np.matmul(self.act.T, dout, out=g["dW2"])                            # dW2 = actᵀ·dout
        np.sum(dout, axis=0, out=g["db2"])
        np.matmul(dout, p["W2"].T, out=self.dhid)                            # dact = dout·W2ᵀ
        gelu_backward(self.dhid, self.hid, self.th, self.act)                # dhid = dact ⊙ gelu'(hid)
        np.matmul(self.x2.T, self.dhid, out=g["dW1"])                        # dW1 = x2ᵀ·dhid
        np.sum(self.dhid, axis=0, out=g["db1"])
        np.matmul(self.dhid, p["W1"].T, out=self.dx2)                        # dx2 = dhid·W1ᵀ
        # dr1 = dout (residual) + LN2ᵀ(dx2).
        self.ln2.backward(self.dx2, p["ln2.gamma"], g["dln2.gamma"], g["dln2.beta"], dout, self.dr1, tmp)
        np.matmul(self.attn.T, self.dr1, out=g["dWo"])                       # dWo = attnᵀ·dr1
        np.sum(self.dr1, axis=0, out=g["dbo"])
        np.matmul(self.dr1, p["Wo"].T, out=self.dattn)                       # dattn = dr1·Woᵀ
        self._attention_backward()                                           # dqkv (T×3D)
        np.matmul(self.x1.T, self.dqkv, out=g["dWqkv"])                      # dWqkv = x1ᵀ·dqkv
        np.sum(self.dqkv, axis=0, out=g["dbqkv"])
        np.matmul(self.dqkv, p["Wqkv"].T, out=self.dx1)                      # dx1 = dqkv·Wqkvᵀ
        # dx = dr1 (residual) + LN1ᵀ(dx1).
        self.ln1.backward(self.dx1, p["ln1.gamma"], g["dln1.gamma"], g["dln1.beta"], self.dr1, self.dx, tmp)
        self.step_count += 1
        self.optimizer.update(self.step_count)
        self.loss = loss
        return loss

    def _attention_forward(self) -> None:
        """Per (sequence, head): P = softmax(Q·Kᵀ/√dh, causal), O = P·V, into ``attn``."""
        qh, kh, vh = self.qkvh
        src = self.qkv_heads
        np.multiply(src[0], self.scale, out=qh)                  # Q/√dh
        np.copyto(self.qkvh[1:], src[1:])                         # K, V
        P, row = self.P, self.rowP
        np.matmul(qh, kh.swapaxes(-1, -2), out=P)                 # scores
        P += self.mask                                            # −∞ above the diagonal
        np.max(P, axis=-1, keepdims=True, out=row)
        P -= row
        np.exp(P, out=P)
        np.sum(P, axis=-1, keepdims=True, out=row)
        P /= row
        np.matmul(P, vh, out=self.oh)                             # O = P·V
        np.copyto(self.attn_heads, self.oh)

    def _attention_backward(self) -> None:
        """dV = Pᵀ·dO, dP = dO·Vᵀ, dS = P⊙(dP − rowsum(dP⊙P)), dQ = dS·K/√dh, dK = dSᵀ·(Q/√dh),
        into ``dqkv``. ``P`` is overwritten (the next forward recomputes it)."""
        qh, kh, vh = self.qkvh
        dqh, dkh, dvh = self.dqkvh
        P, dP, row, doh = self.P, self.dP, self.rowP, self.doh
        np.copyto(doh, self.dattn_heads)
        np.matmul(P.swapaxes(-1, -2), doh, out=dvh)               # dV = Pᵀ·dO
        np.matmul(doh, vh.swapaxes(-1, -2), out=dP)               # dP = dO·Vᵀ
        dP *= P                                                   # dP⊙P
        np.sum(dP, axis=-1, keepdims=True, out=row)               # rowsum(dP⊙P)
        P *= row
        dP -= P                                                   # dS (gradient of the scaled scores)
        np.matmul(dP, kh, out=dqh)                                # dS·K
        np.matmul(dP.swapaxes(-1, -2), qh, out=dkh)               # dK = dSᵀ·(Q/√dh)
        dst = self.dqkv_heads
        np.multiply(dqh, self.scale, out=dst[0])                  # dQ = dS·K/√dh
        np.copyto(dst[1:], self.dqkvh[1:])

    def finite(self) -> bool:
        return all(np.isfinite(w).all() for w in self.params.values())


MODELS = {pc.MLP_KERNEL: NumpyMLP, pc.BLOCK_KERNEL: NumpyBlock}


def first_step(case: pc.TrainingCase) -> pc.StepResult:
    """One step from the initial state, for --check-gradients and --dump-step."""
    model = MODELS[case.kernel](case)
    loss = model.step()
    f64 = lambda a: np.array(a, dtype=np.float64)  # noqa: E731
    grads = {k: f64(v) for k, v in model.grads.items()}
    grads["dx"] = f64(model.dx)
    return pc.StepResult(loss, grads, {k: f64(v) for k, v in model.params.items()})


def run_case(case: pc.TrainingCase, policy: pc.Policy) -> pc.CaseOutcome:
    """Checks the first step, measures, then checks the loss and parameters are still finite."""
    try:
        model = MODELS[case.kernel](case)
    except MemoryError:
        return pc.CaseOutcome(None, "error", "out of memory allocating the buffers")
    model.step()
    return pc.timed_steps(policy, model)


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
