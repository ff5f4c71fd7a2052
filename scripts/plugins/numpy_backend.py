#!/usr/bin/env python3
"""NumPy backend plugin for bench (protocol versions 1 and 2, docs/plugin-protocol.md).

    bench run --suite training --backend cpu-blas,plugin:scripts/plugins/numpy_backend.py

Backend id ``numpy``, dtypes fp32 and fp64, every kernel of bench's matmul and training suites
computed exactly as docs/training-kernels.md defines it: ``gemm`` (``np.matmul(A, B, out=C)``),
``mlp_step`` and ``transformer_block_step`` (hand-written forward and backward, SGD with
momentum or AdamW), and the pieces ``layernorm_fwd_bwd``, ``softmax_xent_fwd_bwd``,
``attention_fwd_bwd`` and ``adamw_update``, which are the same code the steps run. Every
buffer is allocated once in ``prepare`` and reused (``out=`` arguments wherever NumPy has
them). The block's attention runs batched over (sequence, head) on [B, heads, S, dh] copies
with ``np.matmul``. BLAS threads follow each prepare's ``threads`` through ``threadpoolctl``;
NumPy's element-wise work is single-threaded. Samples are timed with ``time.perf_counter``.

Needs numpy and threadpoolctl in the interpreter that runs it: without them the plugin answers
the hello with one stderr line naming ``pip install numpy threadpoolctl`` and exits with status 3.
"""

from __future__ import annotations

import math
import os
import sys

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
import plugin_common as plc  # noqa: E402

try:
    import numpy as np
    from threadpoolctl import threadpool_info, threadpool_limits
except ImportError:  # refused in make_backend, with the install command
    np = None

BACKEND_ID = "numpy"
INSTALL = "pip install numpy threadpoolctl"


class Optimizer:
    """SGD with momentum or AdamW over a dict of parameters, updated in place; ``grads`` maps
    ``"d" + name`` to each gradient. State and scratch buffers are allocated once."""

    def __init__(self, opt: str, params: dict, grads: dict):
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
            v *= plc.SGD_MOMENTUM
            v += self.grads["d" + k]
            np.multiply(v, plc.SGD_LR, out=s)
            w -= s

    def _adamw(self, t: int) -> None:
        """m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²; w ← w − lr·(m̂/(√v̂ + ε) + λ·w); bias
        corrections computed in fp64 and applied in the dtype."""
        bc1, bc2 = 1.0 - plc.ADAM_B1 ** t, 1.0 - plc.ADAM_B2 ** t
        for k, w in self.params.items():
            g, m, v, s1, s2 = self.grads["d" + k], self.m[k], self.v[k], self.s1[k], self.s2[k]
            m *= plc.ADAM_B1
            np.multiply(g, 1.0 - plc.ADAM_B1, out=s1)
            m += s1
            v *= plc.ADAM_B2
            np.multiply(g, g, out=s1)
            s1 *= 1.0 - plc.ADAM_B2
            v += s1
            np.divide(v, bc2, out=s1)                 # v̂
            np.sqrt(s1, out=s1)
            s1 += plc.ADAM_EPS
            np.divide(m, bc1, out=s2)                 # m̂
            s2 /= s1
            np.multiply(w, plc.ADAM_WD, out=s1)
            s2 += s1
            s2 *= plc.ADAM_LR
            w -= s2


def gelu_forward(h, t, a) -> None:
    """a = gelu(h) = 0.5·h·(1 + t), t = tanh(c·h·(1 + k·h²)) (kept for backward)."""
    np.multiply(h, h, out=t)
    t *= plc.GELU_K
    t += 1.0
    t *= h
    t *= plc.GELU_C
    np.tanh(t, out=t)
    np.add(t, 1.0, out=a)
    a *= h
    a *= 0.5


def gelu_backward(dh, h, t, a) -> None:
    """dh ← dh ⊙ gelu′(h), gelu′(h) = 0.5·(1 + t) + 0.5·(1 − t²)·c·(h + 3k·h³); h and a are
    overwritten (scratch)."""
    np.multiply(h, h, out=a)
    a *= 3.0 * plc.GELU_K
    a += 1.0
    h *= a
    h *= plc.GELU_C                                   # h ← c·(h + 3k·h³)
    np.multiply(t, t, out=a)
    np.subtract(1.0, a, out=a)                        # a ← 1 − t²
    a *= h
    a += t
    a += 1.0
    a *= 0.5                                          # a ← gelu′(h)
    dh *= a


class LayerNorm:
    """Row-wise LayerNorm over T×D with preallocated x̂ (T×D), rstd and two row buffers."""

    def __init__(self, rows: int, cols: int, dt):
        self.xhat = np.empty((rows, cols), dt)
        self.rstd, self.r1, self.r2 = (np.empty((rows, 1), dt) for _ in range(3))

    def forward(self, v, gamma, beta, y, tmp) -> None:
        """y = (v − mean)/√(var + eps)·gamma + beta (biased variance); keeps x̂ and rstd."""
        xhat, rstd, mean = self.xhat, self.rstd, self.r1
        np.mean(v, axis=1, keepdims=True, out=mean)
        np.subtract(v, mean, out=xhat)
        np.multiply(xhat, xhat, out=tmp)
        np.mean(tmp, axis=1, keepdims=True, out=rstd)
        rstd += plc.LN_EPS
        np.sqrt(rstd, out=rstd)
        np.reciprocal(rstd, out=rstd)
        xhat *= rstd
        np.multiply(xhat, gamma, out=y)
        y += beta

    def backward(self, dy, gamma, dgamma, dbeta, residual, dx, tmp) -> None:
        """dgamma = Σ_rows dy⊙x̂, dbeta = Σ_rows dy; dx = residual + rstd·(dx̂ − mean(dx̂) −
        x̂·mean(dx̂⊙x̂)) with dx̂ = dy⊙gamma (no residual when it is None). ``dy`` is overwritten."""
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
        np.multiply(tmp, self.rstd, out=dx)
        if residual is not None:
            dx += residual


class Attention:
    """Causal multi-head attention of ``qkv`` (T×3D: Q, K, V column blocks, head h at columns
    h·dh…) into ``attn`` (T×D), and its backward from ``dattn`` into ``dqkv``. Works on
    contiguous [3, B, heads, S, dh] copies (Q pre-scaled by 1/√dh) so that each (sequence,
    head) product is one BLAS call of a batched ``np.matmul``; ``P`` (B×heads×S×S) keeps the
    probabilities for backward, which overwrites them."""

    def __init__(self, case: plc.Case, qkv, attn, dattn, dqkv):
        b, s, heads, dh, dt = case.B, case.S, case.heads, case.dh, qkv.dtype
        self.qkvh, self.dqkvh = np.empty((3, b, heads, s, dh), dt), np.empty((3, b, heads, s, dh), dt)
        self.oh, self.doh = np.empty((b, heads, s, dh), dt), np.empty((b, heads, s, dh), dt)
        self.P, self.dP = np.empty((b, heads, s, s), dt), np.empty((b, heads, s, s), dt)
        self.row = np.empty((b, heads, s, 1), dt)
        self.qkv_heads = qkv.reshape(b, s, 3, heads, dh).transpose(2, 0, 3, 1, 4)
        self.dqkv_heads = dqkv.reshape(b, s, 3, heads, dh).transpose(2, 0, 3, 1, 4)
        self.attn_heads = attn.reshape(b, s, heads, dh).transpose(0, 2, 1, 3)
        self.dattn_heads = dattn.reshape(b, s, heads, dh).transpose(0, 2, 1, 3)
        self.mask = np.where(np.triu(np.ones((s, s), dtype=bool), k=1), -np.inf, 0.0).astype(dt)
        self.scale = 1.0 / math.sqrt(dh)

    def forward(self) -> None:
        """Per (sequence, head): P = softmax(Q·Kᵀ/√dh, causal), O = P·V, into ``attn``."""
        qh, kh, vh = self.qkvh
        np.multiply(self.qkv_heads[0], self.scale, out=qh)        # Q/√dh
        np.copyto(self.qkvh[1:], self.qkv_heads[1:])               # K, V
        P, row = self.P, self.row
        np.matmul(qh, kh.swapaxes(-1, -2), out=P)                  # scores
        P += self.mask                                             # −∞ above the diagonal
        np.max(P, axis=-1, keepdims=True, out=row)
        P -= row
        np.exp(P, out=P)
        np.sum(P, axis=-1, keepdims=True, out=row)
        P /= row
        np.matmul(P, vh, out=self.oh)                              # O = P·V
        np.copyto(self.attn_heads, self.oh)

    def backward(self) -> None:
        """dV = Pᵀ·dO, dP = dO·Vᵀ, dS = P⊙(dP − rowsum(dP⊙P)), dQ = dS·K/√dh, dK = dSᵀ·(Q/√dh)."""
        qh, kh, vh = self.qkvh
        dqh, dkh, dvh = self.dqkvh
        P, dP, row, doh = self.P, self.dP, self.row, self.doh
        np.copyto(doh, self.dattn_heads)
        np.matmul(P.swapaxes(-1, -2), doh, out=dvh)                # dV = Pᵀ·dO
        np.matmul(doh, vh.swapaxes(-1, -2), out=dP)                # dP = dO·Vᵀ
        dP *= P
        np.sum(dP, axis=-1, keepdims=True, out=row)                # rowsum(dP⊙P)
        P *= row
        dP -= P                                                    # dS
        np.matmul(dP, kh, out=dqh)                                 # dS·K
        np.matmul(dP.swapaxes(-1, -2), qh, out=dkh)                # dK = dSᵀ·(Q/√dh)
        np.multiply(dqh, self.scale, out=self.dqkv_heads[0])       # dQ = dS·K/√dh
        np.copyto(self.dqkv_heads[1:], self.dqkvh[1:])


class TrainingStep:
    """What ``mlp_step`` and ``transformer_block_step`` share: the initial state, gradient
    buffers, the optimizer and the loss. ``step()`` trains in place and returns the loss
    before the update; ``out`` is the latest forward pass's output."""

    def __init__(self, case: plc.Case):
        self.case = case
        self.x, self.y, self.params = plc.initial_state(case)
        self.grads = {"d" + k: np.empty_like(v) for k, v in self.params.items()}
        self.dx, self.out, self.dout = (np.empty_like(self.x) for _ in range(3))
        self.optimizer = Optimizer(case.opt, self.params, self.grads)
        self.loss_scale = 1.0 / self.x.size
        self.step_count, self.loss = 0, math.nan

    def loss_gradient(self) -> None:
        """loss = Σ(out − y)²/n, dout = 2·(out − y)/n."""
        np.subtract(self.out, self.y, out=self.dout)
        flat = self.dout.reshape(-1)
        self.loss = float(np.dot(flat, flat)) * self.loss_scale
        self.dout *= 2.0 * self.loss_scale

    def update(self) -> float:
        self.step_count += 1
        self.optimizer.update(self.step_count)
        return self.loss

    def outputs(self) -> dict:
        return {"out": self.out}


class MLP(TrainingStep):
    """``mlp_step``: buffers h, t (tanh of the GELU argument), a, dh of B×H."""

    def __init__(self, case: plc.Case):
        super().__init__(case)
        self.h, self.t, self.a, self.dh = (np.empty((case.B, case.H), case.np_dtype) for _ in range(4))

    def step(self) -> float:
        p, g = self.params, self.grads
        h, t, a, dh = self.h, self.t, self.a, self.dh
        np.matmul(self.x, p["W1"], out=h)             # h = x·W1 + b1; a = gelu(h); out = a·W2 + b2
        h += p["b1"]
        gelu_forward(h, t, a)
        np.matmul(a, p["W2"], out=self.out)
        self.out += p["b2"]
        self.loss_gradient()
        np.matmul(a.T, self.dout, out=g["dW2"])       # dW2 = aᵀ·dout
        np.sum(self.dout, axis=0, out=g["db2"])
        np.matmul(self.dout, p["W2"].T, out=dh)       # da = dout·W2ᵀ (into dh)
        gelu_backward(dh, h, t, a)                    # dh = da ⊙ gelu'(h)
        np.matmul(self.x.T, dh, out=g["dW1"])         # dW1 = xᵀ·dh
        np.sum(dh, axis=0, out=g["db1"])
        np.matmul(dh, p["W1"].T, out=self.dx)         # dx = dh·W1ᵀ (before the update)
        return self.update()


class Block(TrainingStep):
    """``transformer_block_step`` (pre-LayerNorm decoder block) on T×D activations."""

    def __init__(self, case: plc.Case):
        super().__init__(case)
        dt, t, d = case.np_dtype, case.T, case.D
        td = lambda: np.empty((t, d), dt)  # noqa: E731
        self.x1, self.attn, self.r1, self.x2 = td(), td(), td(), td()
        self.dx2, self.dr1, self.dattn, self.dx1, self.tmp = td(), td(), td(), td(), td()
        self.ln1, self.ln2 = LayerNorm(t, d, dt), LayerNorm(t, d, dt)
        self.qkv, self.dqkv = np.empty((t, 3 * d), dt), np.empty((t, 3 * d), dt)
        self.hid, self.th, self.act, self.dhid = (np.empty((t, 4 * d), dt) for _ in range(4))
        self.attention = Attention(case, self.qkv, self.attn, self.dattn, self.dqkv)

    def step(self) -> float:
        p, g, x, tmp, out, dout = self.params, self.grads, self.x, self.tmp, self.out, self.dout
        self.ln1.forward(x, p["ln1.gamma"], p["ln1.beta"], self.x1, tmp)     # x1 = LN1(x)
        np.matmul(self.x1, p["Wqkv"], out=self.qkv)                          # qkv = x1·Wqkv + bqkv
        self.qkv += p["bqkv"]
        self.attention.forward()                                             # attn (T×D)
        np.matmul(self.attn, p["Wo"], out=self.r1)                           # r1 = x + attn·Wo + bo
        self.r1 += p["bo"]
        self.r1 += x
        self.ln2.forward(self.r1, p["ln2.gamma"], p["ln2.beta"], self.x2, tmp)  # x2 = LN2(r1)
        np.matmul(self.x2, p["W1"], out=self.hid)                            # hid = x2·W1 + b1
        self.hid += p["b1"]
        gelu_forward(self.hid, self.th, self.act)
        np.matmul(self.act, p["W2"], out=out)                                # out = r1 + act·W2 + b2
        out += p["b2"]
        out += self.r1
        self.loss_gradient()
        np.matmul(self.act.T, dout, out=g["dW2"])                            # MLP backward
        np.sum(dout, axis=0, out=g["db2"])
        np.matmul(dout, p["W2"].T, out=self.dhid)
        gelu_backward(self.dhid, self.hid, self.th, self.act)
        np.matmul(self.x2.T, self.dhid, out=g["dW1"])
        np.sum(self.dhid, axis=0, out=g["db1"])
        np.matmul(self.dhid, p["W1"].T, out=self.dx2)
        # dr1 = dout (residual) + LN2ᵀ(dx2).
        self.ln2.backward(self.dx2, p["ln2.gamma"], g["dln2.gamma"], g["dln2.beta"], dout, self.dr1, tmp)
        np.matmul(self.attn.T, self.dr1, out=g["dWo"])                       # dWo = attnᵀ·dr1
        np.sum(self.dr1, axis=0, out=g["dbo"])
        np.matmul(self.dr1, p["Wo"].T, out=self.dattn)                       # dattn = dr1·Woᵀ
        self.attention.backward()                                            # dqkv (T×3D)
        np.matmul(self.x1.T, self.dqkv, out=g["dWqkv"])
        np.sum(self.dqkv, axis=0, out=g["dbqkv"])
        np.matmul(self.dqkv, p["Wqkv"].T, out=self.dx1)
        # dx = dr1 (residual) + LN1ᵀ(dx1).
        self.ln1.backward(self.dx1, p["ln1.gamma"], g["dln1.gamma"], g["dln1.beta"], self.dr1, self.dx, tmp)
        return self.update()


class GroupedAttention:
    """RoPE and causal grouped-query attention on a packed qkv (T×W, W = D + 2·D_kv), forward
    and backward: query head h reads KV head h // (heads/kv_heads), and a group's dK and dV sum
    over its query heads. Shared by ``gqa_attention_fwd_bwd`` and ``llama_block_step``."""

    def __init__(self, case: plc.Case):
        self.case, self.kvd = case, case.kv_heads * case.dh
        self.cos, self.sin = plc.rope_tables(case, case.np_dtype)
        self.mask = np.triu(np.ones((case.S, case.S), dtype=bool), k=1)
        self.scale, self.group = 1.0 / math.sqrt(case.dh), case.heads // case.kv_heads

    def rope(self, x, sign: float):
        c, h = self.case, self.case.dh // 2
        v = x.reshape(c.T, -1, c.dh)
        x1, x2, s = v[..., :h], v[..., h:], sign * self.sin
        return np.concatenate([x1 * self.cos - x2 * s, x2 * self.cos + x1 * s], axis=-1).reshape(c.T, -1)

    def heads(self):
        """(rows, query columns, KV columns) of every (sequence, query head)."""
        c, dh = self.case, self.case.dh
        for b in range(c.B):
            for h in range(c.heads):
                g = h // self.group
                yield b, h, slice(b * c.S, (b + 1) * c.S), slice(h * dh, (h + 1) * dh), slice(g * dh, (g + 1) * dh)

    def forward(self, qkv, out):
        """out = attention(RoPE(qkv)); returns what the backward needs (q, k, v, P per head)."""
        d, kvd = self.case.D, self.kvd
        q, k, v = self.rope(qkv[:, :d], 1.0), self.rope(qkv[:, d:d + kvd], 1.0), qkv[:, d + kvd:]
        probs = {}
        for b, h, rows, qc, kc in self.heads():
            s = q[rows, qc] @ k[rows, kc].T * self.scale
            s[self.mask] = -np.inf
            p = np.exp(s - s.max(axis=1, keepdims=True))
            p /= p.sum(axis=1, keepdims=True)
            probs[b, h] = p
            out[rows, qc] = p @ v[rows, kc]
        return q, k, v, probs

    def backward(self, saved, dout, dqkv) -> None:
        """dqkv from dO: dV = Pᵀ·dO, dS = P ⊙ (dP − rowsum(dP ⊙ P))/√dh, dQ, dK, then RoPE back."""
        q, k, v, probs = saved
        d, kvd = self.case.D, self.kvd
        dq, dk, dv = np.zeros_like(q), np.zeros_like(k), np.zeros_like(v)
        for b, h, rows, qc, kc in self.heads():
            p, do = probs[b, h], dout[rows, qc]
            dv[rows, kc] += p.T @ do
            dp = do @ v[rows, kc].T
            ds = p * (dp - (dp * p).sum(axis=1, keepdims=True)) * self.scale
            dq[rows, qc] = ds @ k[rows, kc]
            dk[rows, kc] += ds.T @ q[rows, qc]
        dqkv[:, :d], dqkv[:, d:d + kvd], dqkv[:, d + kvd:] = self.rope(dq, -1.0), self.rope(dk, -1.0), dv


class LlamaBlock(TrainingStep):
    """``llama_block_step``: pre-RMSNorm, RoPE on Q and K, causal grouped-query attention
    (query head h reads KV head h // (heads/kv_heads)), SwiGLU MLP, residuals, no biases;
    the backward written out by hand."""

    def __init__(self, case: plc.Case):
        super().__init__(case)
        self.attention = GroupedAttention(case)
        self.attn, self.dqkv = np.empty((case.T, case.D), case.np_dtype), np.empty((case.T, case.W), case.np_dtype)

    @staticmethod
    def rms(v, gamma):
        rstd = 1.0 / np.sqrt(np.mean(v * v, axis=1, keepdims=True) + plc.RMS_EPS)
        xhat = v * rstd
        return xhat * gamma, xhat, rstd

    @staticmethod
    def rms_backward(dy, gamma, xhat, rstd):
        """dx = rstd·(g − x̂·mean(g·x̂)), g = dy·γ; dγ = Σ dy·x̂."""
        g = dy * gamma
        return (g - xhat * np.mean(g * xhat, axis=1, keepdims=True)) * rstd, np.sum(dy * xhat, axis=0)

    def step(self) -> float:
        p, g, x, attn = self.params, self.grads, self.x, self.attn
        xn1, xh1, rs1 = self.rms(x, p["rms1.gamma"])
        saved = self.attention.forward(xn1 @ p["Wqkv"], attn)
        r1 = x + attn @ p["Wo"]
        xn2, xh2, rs2 = self.rms(r1, p["rms2.gamma"])
        a, u = xn2 @ p["Wgate"], xn2 @ p["Wup"]
        sig = 1.0 / (1.0 + np.exp(-a))
        silu = a * sig
        act = silu * u
        np.add(r1, act @ p["Wdown"], out=self.out)
        self.loss_gradient()
        dout = self.dout
        g["dWdown"][...] = act.T @ dout
        dact = dout @ p["Wdown"].T
        du, da = dact * silu, dact * u * (sig + silu * (1.0 - sig))
        g["dWgate"][...], g["dWup"][...] = xn2.T @ da, xn2.T @ du
        dr1, g["drms2.gamma"][...] = self.rms_backward(da @ p["Wgate"].T + du @ p["Wup"].T, p["rms2.gamma"], xh2, rs2)
        dr1 += dout                                                           # the residual
        g["dWo"][...] = attn.T @ dr1
        dqkv = self.dqkv
        self.attention.backward(saved, dr1 @ p["Wo"].T, dqkv)
        g["dWqkv"][...] = xn1.T @ dqkv
        dx1, g["drms1.gamma"][...] = self.rms_backward(dqkv @ p["Wqkv"].T, p["rms1.gamma"], xh1, rs1)
        np.add(dr1, dx1, out=self.dx)                                         # the residual
        return self.update()


class Gemm:
    """``C[M×N] = A[M×K]·B[K×N]``; C starts as NaN and is overwritten by every call."""

    def __init__(self, case: plc.Case):
        dt = case.np_dtype
        self.a, self.b = plc.uniform(case.id, "A", (case.M, case.K), dt), plc.uniform(case.id, "B", (case.K, case.N), dt)
        self.c = np.full((case.M, case.N), np.nan, dt)

    def step(self) -> None:
        np.matmul(self.a, self.b, out=self.c)

    def outputs(self) -> dict:
        return {"C": self.c}


class LayerNormOp:
    """``layernorm_fwd_bwd``: y = LN(x)·γ + β and its backward from dy; x, gamma, beta, dy are
    the generator's operands of those names."""

    def __init__(self, case: plc.Case):
        dt, t, d = case.np_dtype, case.T, case.D
        self.x, self.dy = plc.uniform(case.id, "x", (t, d), dt), plc.uniform(case.id, "dy", (t, d), dt)
        self.gamma, self.beta = plc.uniform(case.id, "gamma", (d,), dt), plc.uniform(case.id, "beta", (d,), dt)
        self.y, self.dx, self.work, self.tmp = (np.empty((t, d), dt) for _ in range(4))
        self.dgamma, self.dbeta = np.empty(d, dt), np.empty(d, dt)
        self.ln = LayerNorm(t, d, dt)

    def step(self) -> None:
        self.ln.forward(self.x, self.gamma, self.beta, self.y, self.tmp)
        np.copyto(self.work, self.dy)  # backward overwrites its dy
        self.ln.backward(self.work, self.gamma, self.dgamma, self.dbeta, None, self.dx, self.tmp)

    def outputs(self) -> dict:
        return {"y": self.y, "dx": self.dx, "dgamma": self.dgamma, "dbeta": self.dbeta}


class SoftmaxXent:
    """``softmax_xent_fwd_bwd``: logits = 4·uniform(``logits``) (T×V), target of row r =
    ⌊(uniform(``targets``)ᵣ + 1)/2·V⌋; per-row loss −log softmax[target] and the gradient
    (softmax − onehot)/T of the mean loss. Each call starts from a fresh copy of the logits."""

    def __init__(self, case: plc.Case):
        dt, t, v = case.np_dtype, case.T, case.V
        self.logits = (4.0 * plc.uniforms(plc.fnv1a64(f"{case.id}#logits"), t * v)).astype(dt).reshape(t, v)
        u = plc.uniforms(plc.fnv1a64(f"{case.id}#targets"), t)
        self.targets = np.minimum(v - 1, ((u + 1.0) / 2.0 * v).astype(np.int64))
        self.grad, self.rows = np.empty((t, v), dt), np.arange(t)
        self.mx, self.z, self.row_loss = np.empty((t, 1), dt), np.empty((t, 1), dt), np.empty(t, np.float64)

    def step(self) -> None:
        g = self.grad
        np.copyto(g, self.logits)
        np.max(g, axis=1, keepdims=True, out=self.mx)
        g -= self.mx
        np.exp(g, out=g)
        np.sum(g, axis=1, keepdims=True, out=self.z)
        g /= self.z
        self.row_loss[:] = -np.log(g[self.rows, self.targets])
        g[self.rows, self.targets] -= 1.0
        g *= 1.0 / len(self.rows)

    def outputs(self) -> dict:
        return {"loss": self.row_loss, "dlogits": self.grad}


class AttentionOp:
    """``attention_fwd_bwd``: the block's attention on qkv = uniform(``qkv``) (T×3D) and its
    backward from dO = uniform(``dout``) (T×D)."""

    def __init__(self, case: plc.Case):
        dt, t, d = case.np_dtype, case.T, case.D
        self.qkv, self.dout = plc.uniform(case.id, "qkv", (t, 3 * d), dt), plc.uniform(case.id, "dout", (t, d), dt)
        self.out, self.dqkv = np.full((t, d), np.nan, dt), np.full((t, 3 * d), np.nan, dt)
        self.attention = Attention(case, self.qkv, self.out, self.dout, self.dqkv)

    def step(self) -> None:
        self.attention.forward()
        self.attention.backward()

    def outputs(self) -> dict:
        return {"out": self.out, "dqkv": self.dqkv}


class AdamW:
    """``adamw_update``: w = uniform(``w``), g = uniform(``g``), m = v = 0; each call one more step."""

    def __init__(self, case: plc.Case):
        self.w, g = plc.uniform(case.id, "w", (case.N,), case.np_dtype), plc.uniform(case.id, "g", (case.N,), case.np_dtype)
        self.optimizer, self.t = Optimizer("adamw", {"w": self.w}, {"dw": g}), 0

    def step(self) -> None:
        self.t += 1
        self.optimizer.update(self.t)

    def outputs(self) -> dict:
        return {"w": self.w}


class RMSNormOp:
    """``rmsnorm_fwd_bwd``: y = x·rstd·γ, rstd = 1/√(mean(x²) + 1e-5), and its backward from dy;
    x, gamma, dy are the generator's operands of those names."""

    def __init__(self, case: plc.Case):
        dt, t, d = case.np_dtype, case.T, case.D
        self.x, self.dy = plc.uniform(case.id, "x", (t, d), dt), plc.uniform(case.id, "dy", (t, d), dt)
        self.gamma = plc.uniform(case.id, "gamma", (d,), dt)
        self.y, self.dx, self.xhat, self.g = (np.empty((t, d), dt) for _ in range(4))
        self.rstd, self.m, self.dgamma = np.empty((t, 1), dt), np.empty((t, 1), dt), np.empty(d, dt)

    def step(self) -> None:
        np.mean(self.x * self.x, axis=1, keepdims=True, out=self.rstd)
        self.rstd += plc.RMS_EPS
        np.sqrt(self.rstd, out=self.rstd)
        np.divide(1.0, self.rstd, out=self.rstd)
        np.multiply(self.x, self.rstd, out=self.xhat)
        np.multiply(self.xhat, self.gamma, out=self.y)
        np.multiply(self.dy, self.gamma, out=self.g)
        np.mean(self.g * self.xhat, axis=1, keepdims=True, out=self.m)
        np.multiply(self.xhat, self.m, out=self.dx)
        np.subtract(self.g, self.dx, out=self.dx)
        self.dx *= self.rstd
        np.sum(self.dy * self.xhat, axis=0, out=self.dgamma)

    def outputs(self) -> dict:
        return {"y": self.y, "dx": self.dx, "dgamma": self.dgamma}


class SwiGLUOp:
    """``swiglu_fwd_bwd``: y = silu(a)·b from the gate and up projections a, b (T×H), and da, db
    from dy; silu(a) = a·σ(a), silu′ = σ + silu·(1 − σ)."""

    def __init__(self, case: plc.Case):
        dt, shape = case.np_dtype, (case.T, case.H)
        self.a, self.b = plc.uniform(case.id, "a", shape, dt), plc.uniform(case.id, "b", shape, dt)
        self.dy = plc.uniform(case.id, "dy", shape, dt)
        self.y, self.da, self.db, self.sigma, self.silu = (np.empty(shape, dt) for _ in range(5))

    def step(self) -> None:
        np.negative(self.a, out=self.sigma)
        np.exp(self.sigma, out=self.sigma)
        self.sigma += 1.0
        np.divide(1.0, self.sigma, out=self.sigma)
        np.multiply(self.a, self.sigma, out=self.silu)
        np.multiply(self.silu, self.b, out=self.y)
        np.multiply(self.dy, self.silu, out=self.db)
        # da = dy·b·(σ + silu·(1 − σ))
        np.subtract(1.0, self.sigma, out=self.da)
        self.da *= self.silu
        self.da += self.sigma
        self.da *= self.b
        self.da *= self.dy

    def outputs(self) -> dict:
        return {"y": self.y, "da": self.da, "db": self.db}


class RoPEOp:
    """``rope_fwd_bwd``: rotary embeddings on x ((B·S)×D, heads of dh = D/heads) in the "rotate
    half" layout, θᵢ = 500000^(−2i/dh), position = token mod S; dx is dy rotated back. The cos/sin
    table is built once, in prepare."""

    def __init__(self, case: plc.Case):
        dt, t, d, half = case.np_dtype, case.T, case.D, case.dh // 2
        self.x, self.dy = plc.uniform(case.id, "x", (t, d), dt), plc.uniform(case.id, "dy", (t, d), dt)
        theta = plc.ROPE_BASE ** (-2.0 * np.arange(half) / case.dh)
        angle = (np.arange(t) % case.S)[:, None, None] * theta[None, None, :]
        self.cos, self.sin = np.cos(angle).astype(dt), np.sin(angle).astype(dt)
        self.shape = (t, case.heads, case.dh)
        self.y, self.dx = np.empty((t, d), dt), np.empty((t, d), dt)
        self.half = half

    def rotate(self, src, dst, sign: float) -> None:
        v, o, h = src.reshape(self.shape), dst.reshape(self.shape), self.half
        x1, x2, s = v[..., :h], v[..., h:], sign * self.sin
        np.subtract(x1 * self.cos, x2 * s, out=o[..., :h])
        np.add(x2 * self.cos, x1 * s, out=o[..., h:])

    def step(self) -> None:
        self.rotate(self.x, self.y, 1.0)
        self.rotate(self.dy, self.dx, -1.0)

    def outputs(self) -> dict:
        return {"y": self.y, "dx": self.dx}


class GQAAttentionOp:
    """``gqa_attention_fwd_bwd``: RoPE on Q and K of qkv = uniform(``qkv``) (T×W, W = D + 2·D_kv),
    causal grouped-query attention and its backward from dO = uniform(``dout``) (T×D)
    (``GroupedAttention``)."""

    def __init__(self, case: plc.Case):
        dt, t, d = case.np_dtype, case.T, case.D
        self.qkv, self.dout = plc.uniform(case.id, "qkv", (t, case.W), dt), plc.uniform(case.id, "dout", (t, d), dt)
        self.out, self.dqkv = np.full((t, d), np.nan, dt), np.full((t, case.W), np.nan, dt)
        self.attention = GroupedAttention(case)

    def step(self) -> None:
        self.attention.backward(self.attention.forward(self.qkv, self.out), self.dout, self.dqkv)

    def outputs(self) -> dict:
        return {"out": self.out, "dqkv": self.dqkv}


MODELS = {"gemm": Gemm, "mlp_step": MLP, "transformer_block_step": Block, "llama_block_step": LlamaBlock,
          "layernorm_fwd_bwd": LayerNormOp,
          "softmax_xent_fwd_bwd": SoftmaxXent, "attention_fwd_bwd": AttentionOp, "adamw_update": AdamW,
          "rmsnorm_fwd_bwd": RMSNormOp, "swiglu_fwd_bwd": SwiGLUOp, "rope_fwd_bwd": RoPEOp,
          "gqa_attention_fwd_bwd": GQAAttentionOp}


def first_step(case: plc.Case):
    """``(loss, grads, params)`` of one training step from the initial state, in fp64: the
    gradients (``d`` + each parameter, then ``dx``) and the updated parameters."""
    model = MODELS[case.kernel](case)
    loss = model.step()
    f64 = lambda a: np.array(a, dtype=np.float64)  # noqa: E731
    grads = {**{k: f64(v) for k, v in model.grads.items()}, "dx": f64(model.dx)}
    return loss, grads, {k: f64(v) for k, v in model.params.items()}


class NumpyCase(plc.PreparedCase):
    """A model whose ``step()`` is one call, timed under the case's BLAS thread limit."""

    def __init__(self, model, threads: int):
        self.model, self.threads = model, threads

    def _check(self, _result) -> None:
        loss = getattr(self.model, "loss", 0.0)
        if not math.isfinite(loss):
            raise RuntimeError(f"loss is {loss} after {self.calls} calls")

    def run(self, iterations: int, calls_per_sample: int) -> list[float]:
        with threadpool_limits(limits=self.threads, user_api="blas"):
            return plc.time_samples(self.model.step, iterations, calls_per_sample, after_sample=self._check)

    def outputs(self) -> dict:
        return self.model.outputs()

    def teardown(self) -> None:
        self.model = None


class NumpyBackend(plc.Backend):
    backend_id = BACKEND_ID
    kernels = tuple(MODELS)
    dtypes = ("fp32", "fp64")

    def device(self) -> str:
        blas = next((e for e in threadpool_info() if e.get("user_api") == "blas"), {})
        label = " ".join(str(blas[k]) for k in ("internal_api", "version", "architecture") if blas.get(k)) or "unknown BLAS"
        return f"{plc.cpu_model()} (NumPy {np.__version__}, {label})"

    def prepare(self, req: dict) -> plc.PreparedCase:
        return NumpyCase(MODELS[req["kernel"]](plc.Case.of(req)), req["threads"])


def make_backend() -> NumpyBackend:
    missing = plc.missing_modules(["numpy", "threadpoolctl"])
    if missing:
        raise plc.Unavailable(f"numpy plugin: Python module(s) {', '.join(missing)} not importable by "
                              f"{sys.executable}; install with: {INSTALL}")
    return NumpyBackend()


if __name__ == "__main__":
    plc.main(make_backend, BACKEND_ID)
