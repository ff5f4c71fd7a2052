"""Shared code of the training-suite peers (numpy_peer.py, jax_peer.py).

Everything here follows docs/results-schema.md and docs/training-kernels.md so that a peer's
rows line up with bench's own, key for key:

- ``uniform``: the SplitMix64 / FNV-1a input generator, vectorised with NumPy uint64
  arithmetic (which wraps mod 2**64), bit-identical to the Swift ``SplitMix64``.
- ``parse_case`` / ``MLPCase`` / ``BlockCase``: parsing, validation and canonical formatting of
  ``mlp_step`` and ``transformer_block_step`` case ids, their FLOPs, bytes and tokens.
- ``initial_state``: the documented initial parameters and inputs of either kernel.
- ``measure``: the adaptive measurement of ``MeasurementPolicy.standard`` (warm-up, batched
  samples of >= ~1 ms, stop on a +-1% 95% CI of the median or on the budget).
- ``ResultWriter``: CSV schema v1 (+ the training columns ``mfu,tokens_per_step``) written to
  a ``.partial`` file row by row, then the JSON sidecar and the rename.
- ``reference_loss`` / ``check_gradients``: plain fp64 forward passes and the finite-difference
  checks of the doc.
- ``parse_args`` / ``run_suite``: the command line both peers share and the run loop.
"""

from __future__ import annotations

import argparse
import csv
import datetime as _dt
import json
import math
import os
import platform
import re
import signal
import statistics
import sys
import time
import uuid
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

# --------------------------------------------------------------------------------------------
# Input generator (docs/results-schema.md#inputs)
# --------------------------------------------------------------------------------------------

_MASK64 = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15
_MIX1 = 0xBF58476D1CE4E5B9
_MIX2 = 0x94D049BB133111EB
_CHUNK = 1 << 20  # elements generated per vectorised chunk (bounds the temporaries to ~24 MiB)


def fnv1a64(text: str) -> int:
    """FNV-1a (64-bit) of the UTF-8 bytes of ``text``."""
    h = 0xCBF29CE484222325
    for b in text.encode("utf-8"):
        h = ((h ^ b) * 0x100000001B3) & _MASK64
    return h


def seed_for(case_id: str, operand: str) -> int:
    """The seed of one operand: ``fnv1a64("<case id>#<operand>")``."""
    return fnv1a64(f"{case_id}#{operand}")


def uniforms_from_seed(seed: int, count: int) -> np.ndarray:
    """``count`` SplitMix64 uniforms in [-1, 1) as float64 (exact in fp32 too).

    Element i (0-based) uses the generator state ``seed + (i+1)*golden`` (mod 2**64), which is
    the state after i+1 calls of ``next()``; the mixing is then applied element-wise.
    """
    out = np.empty(count, dtype=np.float64)
    seed64 = np.uint64(seed & _MASK64)
    golden = np.uint64(_GOLDEN)
    m1, m2 = np.uint64(_MIX1), np.uint64(_MIX2)
    s30, s27, s31, s40 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(40)
    for start in range(0, count, _CHUNK):
        stop = min(count, start + _CHUNK)
        z = np.arange(start + 1, stop + 1, dtype=np.uint64)
        z *= golden  # uint64 array arithmetic wraps mod 2**64 (no overflow warning for arrays)
        z += seed64
        z ^= z >> s30
        z *= m1
        z ^= z >> s27
        z *= m2
        z ^= z >> s31
        z >>= s40
        chunk = out[start:stop]
        np.multiply(z, 2.0**-23, out=chunk, casting="unsafe")  # 24-bit integers: exact in float64
        chunk -= 1.0
    return out


def uniform(case_id: str, operand: str, shape: Sequence[int], dtype) -> np.ndarray:
    """The operand's values, row-major, as an array of ``shape`` and ``dtype``."""
    count = int(np.prod(shape)) if len(shape) else 1
    return uniforms_from_seed(seed_for(case_id, operand), count).astype(dtype).reshape(shape)


def _uniforms_scalar(seed: int, count: int) -> list[float]:
    """The documented pure-Python generator, used only to cross-check ``uniforms_from_seed``."""
    s, out = seed, []
    for _ in range(count):
        s = (s + _GOLDEN) & _MASK64
        z = s
        z = ((z ^ (z >> 30)) * _MIX1) & _MASK64
        z = ((z ^ (z >> 27)) * _MIX2) & _MASK64
        out.append(((z ^ (z >> 31)) >> 40) * 2.0**-23 - 1)
    return out


def check_generator() -> tuple[bool, str]:
    """Checks the vectorised generator against the doc's example and the scalar reference."""
    doc = uniforms_from_seed(seed_for("gemm/fp32/M=2,N=2,K=2", "A"), 2).tolist()
    if doc != [-0.6421459913253784, 0.2956583499908447]:
        return False, f"documented example gives {doc}"
    for case_id, operand, n in [("mlp_step/fp32/B=16,D=32,H=64,opt=sgd", "W1", 3000),
                                ("mlp_step/fp64/B=4,D=8,H=16,opt=adamw", "x", 32)]:
        seed = seed_for(case_id, operand)
        if uniforms_from_seed(seed, n).tolist() != _uniforms_scalar(seed, n):
            return False, f"{case_id}#{operand} differs from the scalar reference"
    # Across a chunk boundary (element _CHUNK-1 and _CHUNK).
    seed = seed_for("mlp_step/fp32/B=512,D=1024,H=4096,opt=sgd", "W1")
    tail = uniforms_from_seed(seed, _CHUNK + 2)[-3:].tolist()
    state = (seed + (_CHUNK - 1) * _GOLDEN) & _MASK64
    if tail != _uniforms_scalar(state, 3):
        return False, "values across a chunk boundary differ from the scalar reference"
    return True, "matches the documented example and the scalar reference"


# --------------------------------------------------------------------------------------------
# Case ids (docs/results-schema.md#case-ids, docs/training-kernels.md)
# --------------------------------------------------------------------------------------------

MLP_KERNEL = "mlp_step"
BLOCK_KERNEL = "transformer_block_step"
KERNELS = (MLP_KERNEL, BLOCK_KERNEL)
DTYPES = {"fp32": np.float32, "fp64": np.float64}
OPTIMIZERS = ("sgd", "adamw")
MAX_DIM = 1 << 16  # bench's MLPStepSpec/TransformerBlockSpec.dimensionLimit
MAX_SEQUENCE = 4096  # bench's TransformerBlockSpec.sequenceLimit
_UINT = re.compile(r"[1-9][0-9]*")


class CaseError(ValueError):
    """An invalid case id or option; its message is the one stderr line of exit code 2."""


class _TrainingCase:
    """What both kernels' cases share. Subclasses are frozen dataclasses with the fields
    ``dtype``, the integer dimensions of ``PARAMETERS`` and ``opt``, and define
    ``parameter_shapes``, ``flops``, ``tokens``, ``io_elements`` and ``working_set_bytes``."""

    kernel: str
    PARAMETERS: tuple[str, ...]  # the id's parameters in order, "opt" last
    LIMITS: dict[str, int] = {}  # per-dimension upper bounds other than MAX_DIM
    INPUT_OPERANDS: tuple[str, ...]  # the generated tensors --dump-step shows

    @property
    def shape(self) -> str:
        """The ``<params>`` part of the id, also the CSV ``shape`` column."""
        return ",".join(f"{name}={getattr(self, name)}" for name in self.PARAMETERS)

    @property
    def id(self) -> str:
        return f"{self.kernel}/{self.dtype}/{self.shape}"

    @property
    def np_dtype(self):
        return DTYPES[self.dtype]

    @property
    def element_size(self) -> int:
        return np.dtype(self.np_dtype).itemsize

    @property
    def parameter_names(self) -> tuple[str, ...]:
        return tuple(self.parameter_shapes)

    @property
    def parameter_count(self) -> int:
        return sum(math.prod(s) for s in self.parameter_shapes.values())

    @property
    def state_tensors(self) -> int:
        """Optimizer state tensors per parameter: v for sgd, m and v for adamw."""
        return 1 if self.opt == "sgd" else 2

    @property
    def bytes(self) -> int:
        """Compulsory traffic per step, as bench's: x and y read once, every parameter and its
        optimizer state read and written once: ``w * (io_elements + P * (2 + 2 * states))``."""
        return self.element_size * (self.io_elements + self.parameter_count * (2 + 2 * self.state_tensors))

    def validate(self, text: str) -> None:
        """Rules beyond positive dimensions within their limits (none by default)."""

    def check_memory(self) -> None:
        """Refuses a case whose buffers would not fit in the available memory."""
        avail = available_memory_bytes()
        if avail and self.working_set_bytes > avail:
            raise CaseError(f"case '{self.id}' needs about {format_bytes(self.working_set_bytes)} of buffers "
                            f"but only {format_bytes(avail)} of memory is available; refused before allocating")


@dataclass(frozen=True)
class MLPCase(_TrainingCase):
    """An ``mlp_step`` case: ``mlp_step/<dtype>/B=<B>,D=<D>,H=<H>,opt=<sgd|adamw>``."""

    dtype: str
    B: int
    D: int
    H: int
    opt: str

    kernel = MLP_KERNEL
    PARAMETERS = ("B", "D", "H", "opt")
    INPUT_OPERANDS = ("x", "y", "W1", "W2")

    @property
    def parameter_shapes(self) -> dict[str, tuple[int, ...]]:
        d, h = self.D, self.H
        return {"W1": (d, h), "b1": (h,), "W2": (h, d), "b2": (d,)}

    @property
    def flops(self) -> int:
        """Model FLOPs per step: 12*B*D*H (training-kernels.md#flop-accounting)."""
        return 12 * self.B * self.D * self.H

    @property
    def tokens(self) -> int:
        return self.B

    @property
    def io_elements(self) -> int:
        return 2 * self.B * self.D

    @property
    def working_set_bytes(self) -> int:
        """Rough size of every buffer a peer allocates (for the memory check)."""
        b, d, h = self.B, self.D, self.H
        # params, grads, optimizer state, two scratch copies; x, y, out, dout, dx; h, tanh, a, dh
        return self.element_size * (self.parameter_count * (2 + self.state_tensors + 2) + 5 * b * d + 4 * b * h)


BLOCK_PARAMETERS = ("ln1.gamma", "ln1.beta", "Wqkv", "bqkv", "Wo", "bo",
                    "ln2.gamma", "ln2.beta", "W1", "b1", "W2", "b2")


@dataclass(frozen=True)
class BlockCase(_TrainingCase):
    """A ``transformer_block_step`` case:
    ``transformer_block_step/<dtype>/B=<B>,S=<S>,D=<D>,heads=<heads>,opt=<sgd|adamw>``."""

    dtype: str
    B: int
    S: int
    D: int
    heads: int
    opt: str

    kernel = BLOCK_KERNEL
    PARAMETERS = ("B", "S", "D", "heads", "opt")
    LIMITS = {"S": MAX_SEQUENCE}
    INPUT_OPERANDS = ("x", "y", "Wqkv", "Wo", "W1", "W2")

    @property
    def T(self) -> int:
        """Tokens (rows of every T×… matrix): B·S."""
        return self.B * self.S

    @property
    def dh(self) -> int:
        """Head size D/heads."""
        return self.D // self.heads

    @property
    def parameter_shapes(self) -> dict[str, tuple[int, ...]]:
        d = self.D
        shapes = [(d,), (d,), (d, 3 * d), (3 * d,), (d, d), (d,), (d,), (d,), (d, 4 * d), (4 * d,), (4 * d, d), (d,)]
        return dict(zip(BLOCK_PARAMETERS, shapes))

    @property
    def flops(self) -> int:
        """Model FLOPs per step: 3*(24*T*D^2 + 4*T*S*D) (training-kernels.md#flop-accounting)."""
        t, d = self.T, self.D
        return 3 * (24 * t * d * d + 4 * t * self.S * d)

    @property
    def tokens(self) -> int:
        return self.T

    @property
    def io_elements(self) -> int:
        return 2 * self.T * self.D

    @property
    def working_set_bytes(self) -> int:
        """Rough size of every buffer a peer allocates (for the memory check): parameters,
        gradients, optimizer state and scratch; 46 T×D activation-sized buffers (the NumPy
        peer's count); attention probabilities and their gradient (2·B·heads·S²)."""
        td = self.T * self.D
        probs = self.B * self.heads * self.S * self.S
        return self.element_size * (self.parameter_count * (2 + 2 * self.state_tensors) + 46 * td + 2 * probs)

    def validate(self, text: str) -> None:
        if self.D % self.heads:
            raise CaseError(f"invalid case '{text}': heads={self.heads} does not divide D={self.D}")


_CASE_TYPES = {MLP_KERNEL: MLPCase, BLOCK_KERNEL: BlockCase}
TrainingCase = MLPCase | BlockCase


def parse_case(text: str) -> TrainingCase:
    """Parses and validates an id; raises ``CaseError`` with a one-line reason."""
    parts = text.split("/", 2)
    if len(parts) != 3 or not parts[0] or not parts[1]:
        raise CaseError(f"invalid case id '{text}': expected <kernel>/<dtype>/<params>")
    kernel, dtype, params = parts
    cls = _CASE_TYPES.get(kernel)
    if cls is None:
        raise CaseError(f"unknown kernel '{kernel}' in '{text}' (this peer runs: {', '.join(KERNELS)})")
    if dtype not in DTYPES:
        raise CaseError(f"kernel '{kernel}' has no dtype '{dtype}' (known: {', '.join(DTYPES)})")
    pairs = []
    for pair in params.split(",") if params else []:
        name, sep, value = pair.partition("=")
        if not sep or not name or not value:
            raise CaseError(f"invalid case id '{text}': parameter '{pair}' is not name=value")
        pairs.append((name, value))
    names = [n for n, _ in pairs]
    if names != list(cls.PARAMETERS):
        raise CaseError(f"invalid case '{text}': parameters must be {','.join(cls.PARAMETERS)} in this order, "
                        f"got {','.join(names) or 'none'}")
    values = dict(pairs)
    dims = {}
    for name in cls.PARAMETERS[:-1]:
        v = values[name]
        if not _UINT.fullmatch(v):
            if re.fullmatch(r"-?[0-9]+", v) and int(v) <= 0:
                raise CaseError(f"invalid case '{text}': {name}={v} must be positive")
            raise CaseError(f"invalid case '{text}': {name}='{v}' is not a decimal integer without sign or padding")
        n, limit = int(v), cls.LIMITS.get(name, MAX_DIM)
        if n > limit:
            raise CaseError(f"invalid case '{text}': {name}={n} is above {limit}")
        dims[name] = n
    if values["opt"] not in OPTIMIZERS:
        raise CaseError(f"invalid case '{text}': unknown optimizer '{values['opt']}' (known: {', '.join(OPTIMIZERS)})")
    case = cls(dtype=dtype, opt=values["opt"], **dims)
    case.validate(text)
    assert case.id == text
    return case


def format_bytes(n: int) -> str:
    value, units = float(n), ["B", "KiB", "MiB", "GiB", "TiB"]
    unit = 0
    while value >= 1024 and unit < len(units) - 1:
        value /= 1024
        unit += 1
    return f"{n} B" if unit == 0 else f"{value:.1f} {units[unit]}"


# --------------------------------------------------------------------------------------------
# Initial state and the fp64 references (docs/training-kernels.md)
# --------------------------------------------------------------------------------------------

@dataclass
class InitialState:
    x: np.ndarray
    y: np.ndarray
    params: dict[str, np.ndarray]  # in the case's parameter order

    def tensor(self, name: str) -> np.ndarray:
        """``x``, ``y`` or a parameter by name."""
        return {"x": self.x, "y": self.y}.get(name, self.params.get(name))


def _scaled_uniform(case_id: str, operand: str, shape: Sequence[int], fan_in: int, dtype) -> np.ndarray:
    """``uniform(id, operand) / sqrt(fan_in)``, computed as bench does (fp64 multiplication by
    ``1 / sqrt(fan_in)``, then one rounding to the dtype) so that fp64 inputs match bit for bit."""
    return (uniform(case_id, operand, shape, np.float64) * (1.0 / math.sqrt(fan_in))).astype(dtype)


def initial_state(case: TrainingCase) -> InitialState:
    """The documented initial state in the case's dtype.

    ``mlp_step``: x, y (B×D); W1 = u/sqrt(D), b1 = 0, W2 = u/sqrt(H), b2 = 0.
    ``transformer_block_step``: x, y (T×D); gammas 1, betas and biases 0; Wqkv, Wo, W1 =
    u/sqrt(D); W2 = u/sqrt(4D).
    """
    dt, cid, d = case.np_dtype, case.id, case.D
    if isinstance(case, MLPCase):
        b, h = case.B, case.H
        params = {"W1": _scaled_uniform(cid, "W1", (d, h), d, dt), "b1": np.zeros(h, dt),
                  "W2": _scaled_uniform(cid, "W2", (h, d), h, dt), "b2": np.zeros(d, dt)}
        rows = b
    else:
        fan_in = {"Wqkv": d, "Wo": d, "W1": d, "W2": 4 * d}
        params = {}
        for name, shape in case.parameter_shapes.items():
            if name in fan_in:
                params[name] = _scaled_uniform(cid, name, shape, fan_in[name], dt)
            else:
                params[name] = (np.ones if name.endswith(".gamma") else np.zeros)(shape, dt)
        rows = case.T
    return InitialState(x=uniform(cid, "x", (rows, d), dt), y=uniform(cid, "y", (rows, d), dt), params=params)


GELU_C = math.sqrt(2.0 / math.pi)
GELU_K = 0.044715
LN_EPS = 1e-5

# Optimizer hyper-parameters (fixed by the doc so that cases are comparable).
SGD_LR, SGD_MOMENTUM = 0.01, 0.9
ADAM_LR, ADAM_B1, ADAM_B2, ADAM_EPS, ADAM_WD = 0.001, 0.9, 0.999, 1e-8, 0.01


def _gelu(h: np.ndarray) -> np.ndarray:
    return 0.5 * h * (1.0 + np.tanh(GELU_C * (h + GELU_K * h**3)))


def _layer_norm(v: np.ndarray, gamma: np.ndarray, beta: np.ndarray) -> np.ndarray:
    mu = v.mean(axis=1, keepdims=True)
    var = ((v - mu) ** 2).mean(axis=1, keepdims=True)
    return (v - mu) / np.sqrt(var + LN_EPS) * gamma + beta


def _block_reference_output(case: BlockCase, x: np.ndarray, p: dict[str, np.ndarray]) -> np.ndarray:
    """The block's forward pass written plainly, one (sequence, head) at a time."""
    b_count, s, d, dh = case.B, case.S, case.D, case.dh
    x1 = _layer_norm(x, p["ln1.gamma"], p["ln1.beta"])
    qkv = x1 @ p["Wqkv"] + p["bqkv"]
    attn = np.zeros_like(x)
    above_diagonal = np.triu(np.ones((s, s), dtype=bool), k=1)
    for b in range(b_count):
        rows = slice(b * s, (b + 1) * s)
        for h in range(case.heads):
            q = qkv[rows, h * dh:(h + 1) * dh]
            k = qkv[rows, d + h * dh:d + (h + 1) * dh]
            v = qkv[rows, 2 * d + h * dh:2 * d + (h + 1) * dh]
            scores = q @ k.T / math.sqrt(dh)
            scores[above_diagonal] = -np.inf
            e = np.exp(scores - scores.max(axis=1, keepdims=True))
            attn[rows, h * dh:(h + 1) * dh] = (e / e.sum(axis=1, keepdims=True)) @ v
    r1 = x + attn @ p["Wo"] + p["bo"]
    x2 = _layer_norm(r1, p["ln2.gamma"], p["ln2.beta"])
    return r1 + _gelu(x2 @ p["W1"] + p["b1"]) @ p["W2"] + p["b2"]


def reference_loss(case: TrainingCase, x, y, params: dict[str, np.ndarray]) -> float:
    """The doc's forward pass and MSE loss, written plainly in float64."""
    f64 = lambda a: np.asarray(a, dtype=np.float64)  # noqa: E731
    x, y, p = f64(x), f64(y), {k: f64(v) for k, v in params.items()}
    if isinstance(case, MLPCase):
        out = _gelu(x @ p["W1"] + p["b1"]) @ p["W2"] + p["b2"]
    else:
        out = _block_reference_output(case, x, p)
    return float(np.sum((out - y) ** 2) / y.size)


def reference_update(opt: str, w0: np.ndarray, g: np.ndarray) -> np.ndarray:
    """A parameter after the optimizer's first step (t = 1, zero state), in float64."""
    w0, g = np.asarray(w0, np.float64), np.asarray(g, np.float64)
    if opt == "sgd":
        return w0 - SGD_LR * g  # v = g
    m_hat = ((1 - ADAM_B1) * g) / (1 - ADAM_B1)
    v_hat = ((1 - ADAM_B2) * g * g) / (1 - ADAM_B2)
    return w0 - ADAM_LR * (m_hat / (np.sqrt(v_hat) + ADAM_EPS) + ADAM_WD * w0)


@dataclass
class StepResult:
    """What one step from the initial state produced (for checks and dumps), as float64 arrays."""

    loss: float
    grads: dict[str, np.ndarray]  # "d" + each parameter name, in the case's order, then dx
    params: dict[str, np.ndarray]  # every parameter after the update, in the case's order


# The mlp_step check: every entry, eps 1e-6, max error over a tensor relative to its largest entry.
MLP_CHECK_SHAPE = (4, 8, 16)  # B, D, H
MLP_FD_EPS = 1e-6
MLP_FD_REL_TOL = 1e-6
# The transformer_block_step check: sampled entries, eps 1e-5, a bound per entry:
# |analytic - numeric| <= BLOCK_FD_TOL * max(|analytic|, BLOCK_FD_FLOOR).
BLOCK_CHECK_SHAPE = (2, 5, 8, 2)  # B, S, D, heads
BLOCK_FD_EPS = 1e-5
BLOCK_FD_TOL = 1e-6
BLOCK_FD_FLOOR = 1e-2
BLOCK_FD_SAMPLES = 32  # entries per tensor (every entry of smaller tensors)


def _fd_indices(case: TrainingCase, name: str, size: int, samples: int | None) -> np.ndarray:
    """Flat indices to perturb: all, or ``samples`` of them (first and last included), drawn
    reproducibly from the case id and tensor name."""
    if samples is None or size <= samples:
        return np.arange(size)
    rng = np.random.default_rng(seed_for(case.id, "fd:" + name))
    inner = rng.choice(np.arange(1, size - 1), size=samples - 2, replace=False)
    return np.concatenate(([0], np.sort(inner), [size - 1]))


def _central_differences(case: TrainingCase, init: InitialState, name: str, indices: np.ndarray,
                         eps: float) -> np.ndarray:
    """Central differences of ``reference_loss`` w.r.t. the listed flat entries of ``name``."""
    tensors = {"x": init.x.astype(np.float64), **{k: v.astype(np.float64) for k, v in init.params.items()}}
    y = init.y.astype(np.float64)
    flat = tensors[name].reshape(-1)  # a view: perturbing it perturbs the tensor
    numeric = np.empty(len(indices), dtype=np.float64)
    for n, i in enumerate(indices):
        base = flat[i]
        flat[i] = base + eps
        plus = reference_loss(case, tensors["x"], y, {k: tensors[k] for k in init.params})
        flat[i] = base - eps
        minus = reference_loss(case, tensors["x"], y, {k: tensors[k] for k in init.params})
        flat[i] = base
        numeric[n] = (plus - minus) / (2 * eps)
    return numeric


def _check_gradient(case: TrainingCase, init: InitialState, name: str, gradient: np.ndarray) -> tuple[bool, str]:
    """One tensor's analytic gradient against central differences, with the kernel's rule."""
    analytic_all = gradient.reshape(-1)
    if isinstance(case, MLPCase):
        idx = _fd_indices(case, name, analytic_all.size, None)
        numeric = _central_differences(case, init, name, idx, MLP_FD_EPS)
        analytic = analytic_all[idx]
        scale = max(np.max(np.abs(analytic)), np.max(np.abs(numeric)), 1e-300)
        err = float(np.max(np.abs(analytic - numeric)) / scale)
        return err <= MLP_FD_REL_TOL, f"rel. error {err:.2e} vs central differences (bound {MLP_FD_REL_TOL:g})"
    idx = _fd_indices(case, name, analytic_all.size, BLOCK_FD_SAMPLES)
    numeric = _central_differences(case, init, name, idx, BLOCK_FD_EPS)
    analytic = analytic_all[idx]
    diff = np.abs(analytic - numeric)
    ratio = diff / (BLOCK_FD_TOL * np.maximum(np.abs(analytic), BLOCK_FD_FLOOR))
    w = int(np.argmax(ratio))
    return bool(np.all(ratio <= 1.0)), (
        f"{len(idx)} of {analytic_all.size} entries, max |error| {diff.max():.2e}, worst |error|/bound "
        f"{ratio[w]:.2e} (entry {idx[w]}: {analytic[w]:.6e} vs {numeric[w]:.6e}; "
        f"bound {BLOCK_FD_TOL:g}*max(|analytic|, {BLOCK_FD_FLOOR:g}))")


def check_gradients(first_step: Callable[[TrainingCase], StepResult], out=sys.stdout) -> bool:
    """The doc's fp64 checks of one step from the initial state, for both optimizers.

    ``mlp_step`` on B=4,D=8,H=16: every entry of every gradient (dW1, db1, dW2, db2, dx)
    against central differences of ``reference_loss`` (eps 1e-6); the tensor's
    max|analytic - numeric| / max(|analytic|, |numeric|) must be <= 1e-6.
    ``transformer_block_step`` on B=2,S=5,D=8,heads=2: up to 32 sampled entries of each of the
    12 parameter gradients and of dx against central differences (eps 1e-5); each entry must
    satisfy |analytic - numeric| <= 1e-6 * max(|analytic|, 1e-2).
    Both: the loss against ``reference_loss`` (relative error <= 1e-12) and every updated
    parameter against ``reference_update`` (<= 1e-12). Prints one PASS/FAIL line per check;
    returns True when all pass.
    """
    ok_all = True

    def report(ok: bool, what: str, detail: str) -> None:
        nonlocal ok_all
        ok_all &= ok
        print(f"{'PASS' if ok else 'FAIL'}  {what}: {detail}", file=out, flush=True)

    gen_ok, gen_detail = check_generator()
    report(gen_ok, "input generator", gen_detail)
    b, d, h = MLP_CHECK_SHAPE
    bb, s, bd, heads = BLOCK_CHECK_SHAPE
    cases = [MLPCase("fp64", b, d, h, opt) for opt in OPTIMIZERS] + \
            [BlockCase("fp64", bb, s, bd, heads, opt) for opt in OPTIMIZERS]
    for case in cases:
        init = initial_state(case)
        result = first_step(case)
        ref = reference_loss(case, init.x, init.y, init.params)
        rel = abs(result.loss - ref) / abs(ref)
        report(rel <= 1e-12, f"{case.id} loss", f"{result.loss!r} vs reference {ref!r} (rel. error {rel:.2e})")
        for name in (*case.parameter_names, "x"):
            ok, detail = _check_gradient(case, init, name, result.grads["d" + name])
            report(ok, f"{case.id} d{name}", detail)
        for name in case.parameter_names:
            expected = reference_update(case.opt, init.params[name], result.grads["d" + name])
            scale = max(float(np.max(np.abs(expected))), 1e-300)
            err = float(np.max(np.abs(result.params[name] - expected)) / scale)
            report(err <= 1e-12, f"{case.id} {case.opt} update of {name}", f"rel. error {err:.2e} (bound 1e-12)")
    return ok_all


def write_dump(path: str, case: TrainingCase, result: StepResult, backend: str) -> None:
    """``--dump-step``: the loss before the update and the first 8 entries (row-major) of every
    gradient (parameter order, then dx) and every updated parameter, plus the first 8 of each
    generated initial tensor."""
    init = initial_state(case)
    first8 = lambda a: [float(v) for v in np.asarray(a).ravel()[:8]]  # noqa: E731
    doc = {
        "case_id": case.id,
        "backend": backend,
        "dtype": case.dtype,
        "loss": float(result.loss),
        "inputs_first8": {k: first8(init.tensor(k)) for k in case.INPUT_OPERANDS},
        "gradients_first8": {k: first8(result.grads[k]) for k in (*("d" + n for n in case.parameter_names), "dx")},
        "updated_parameters_first8": {k: first8(result.params[k]) for k in case.parameter_names},
    }
    with open(path, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")


# --------------------------------------------------------------------------------------------
# Statistics and measurement (Sources/BenchCore/Statistics, Sources/BenchCore/Measurement)
# --------------------------------------------------------------------------------------------

def percentile(sorted_values: Sequence[float], p: float) -> float:
    """Type-7 quantile (NumPy's default ``linear`` method)."""
    return float(np.percentile(np.asarray(sorted_values), p * 100.0, method="linear"))


def median_ci_ranks(n: int, level: float = 0.95) -> tuple[int, int] | None:
    """1-based ranks (lower, upper) of the binomial order-statistic CI of the median.

    ``[x(j), x(n-j+1)]`` covers the median with probability ``1 - 2 P(B <= j-1)``,
    ``B ~ Binomial(n, 1/2)``; j is the largest rank keeping that at or above ``level``.
    None when even [min, max] falls short (n < 6 at 95%). Exact up to n = 2000, normal
    approximation above, as in bench.
    """
    if n < 1:
        return None
    alpha_half = (1 - level) / 2
    if n > 2000:
        z = statistics.NormalDist().inv_cdf(1 - alpha_half)
        j = max(1, math.floor((n - z * math.sqrt(n)) / 2))
        return j, n - j + 1
    log_half_n = n * math.log(0.5)
    cdf, j = 0.0, 0
    for i in range(n):
        nxt = cdf + math.exp(math.lgamma(n + 1) - math.lgamma(i + 1) - math.lgamma(n - i + 1) + log_half_n)
        if nxt > alpha_half:
            break
        cdf = nxt
        j = i + 1
    if j < 1 or 2 * j > n + 1:
        return None
    return j, n - j + 1


@dataclass
class Summary:
    count: int
    median: float
    p10: float
    p90: float
    ci_low: float | None
    ci_high: float | None

    @staticmethod
    def of(samples: Sequence[float]) -> "Summary":
        s = sorted(samples)
        ranks = median_ci_ranks(len(s))
        lo, hi = (s[ranks[0] - 1], s[ranks[1] - 1]) if ranks else (None, None)
        return Summary(len(s), percentile(s, 0.5), percentile(s, 0.1), percentile(s, 0.9), lo, hi)

    @property
    def relative_ci_half_width(self) -> float | None:
        if self.ci_low is None or self.median <= 0:
            return None
        return max(self.median - self.ci_low, self.ci_high - self.median) / self.median


@dataclass
class Policy:
    """``MeasurementPolicy.standard`` of bench."""

    warmup_min_calls: int = 3
    warmup_min_seconds: float = 0.3
    min_samples: int = 10
    budget_seconds: float = 2.0
    target_sample_seconds: float = 0.001
    target_relative_ci: float = 0.01
    max_samples: int = 100_000


@dataclass
class Measurement:
    samples: list[float]
    calls_per_sample: int
    warmup_calls: int
    stop_reason: str
    cpu_per_wall: float  # process CPU seconds / wall seconds while sampling (thread-use hint)


def measure(policy: Policy, body: Callable[[], object]) -> Measurement:
    """Warm-up, then samples of ``calls_per_sample`` back-to-back calls, exactly as bench.

    Warm-up makes >= ``warmup_min_calls`` calls and runs >= ``warmup_min_seconds``; its
    fastest call sets the batch so that a sample lasts >= ``target_sample_seconds``. Sampling
    stops at the first of: the median's 95% CI within +-1% (after ``min_samples``), the budget
    (warm-up included) spent (after ``min_samples``), or ``max_samples``.
    """
    clock = time.perf_counter
    start = clock()
    warmup, fastest = 0, math.inf
    while warmup < max(1, policy.warmup_min_calls) or clock() - start < policy.warmup_min_seconds:
        t0 = clock()
        body()
        fastest = min(fastest, clock() - t0)
        warmup += 1
    per_call = max(fastest, 1e-9)
    calls = max(1, math.ceil(policy.target_sample_seconds / per_call * (1 - 1e-9)))
    samples: list[float] = []
    min_samples = max(1, policy.min_samples)
    cpu0, wall0 = time.process_time(), clock()
    reason = ""
    while True:
        t0 = clock()
        for _ in range(calls):
            body()
        t1 = clock()
        samples.append((t1 - t0) / calls)
        n = len(samples)
        if n >= policy.max_samples:
            reason = "sample_cap"
            break
        if n < min_samples:
            continue
        if n < 64 or n % 16 == 0:
            w = Summary.of(samples).relative_ci_half_width
            if w is not None and w <= policy.target_relative_ci:
                reason = "precision"
                break
        if t1 - start >= policy.budget_seconds:
            reason = "budget"
            break
    cpu_per_wall = (time.process_time() - cpu0) / max(clock() - wall0, 1e-9)
    return Measurement(samples, calls, warmup, reason, cpu_per_wall)


# --------------------------------------------------------------------------------------------
# Results: CSV schema v1 + training columns, and the JSON sidecar
# --------------------------------------------------------------------------------------------

V1_COLUMNS = [
    "schema_version", "run_id", "timestamp", "suite", "case_id", "kernel", "dtype", "shape",
    "backend", "backend_kind", "device", "threads", "status", "samples", "median_s", "p10_s",
    "p90_s", "ci_low_s", "ci_high_s", "flops", "bytes", "tflops", "throughput", "throughput_unit",
    "price_usd_per_hour", "usd_per_pflop", "usd_per_million_units", "notes",
]
TRAINING_COLUMNS = ["mfu", "tokens_per_step"]
COLUMNS = V1_COLUMNS + TRAINING_COLUMNS
SUITE = "training"


def fmt(value) -> str:
    """bench's number format: empty for None, integers without a decimal point below 1e15,
    otherwise the shortest round-trip form (Python's repr equals Swift's description here)."""
    if value is None:
        return ""
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    v = float(value)
    if math.isfinite(v) and v == round(v) and abs(v) < 1e15:
        return str(int(v))
    return repr(v)


def iso_utc(t: float) -> str:
    return _dt.datetime.fromtimestamp(t, _dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def compact_utc(t: float) -> str:
    return _dt.datetime.fromtimestamp(t, _dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")


class ResultWriter:
    """Writes rows to ``.<name>.csv.partial`` (flushed per row), then the sidecar and the rename."""

    def __init__(self, destination: str, run_id: str):
        self.display = destination  # as the user gave it, for messages
        self.destination = os.path.abspath(destination)
        directory, name = os.path.split(self.destination)
        self.partial = os.path.join(directory, f".{name}.partial")
        base = name[:-4] if name.endswith(".csv") else name
        self.sidecar = os.path.join(directory, base + ".json")
        self.run_id = run_id
        self.sidecar_rows: list[dict] = []
        self.status: list[str] = []
        self._file = open(self.partial, "w", encoding="utf-8", newline="")
        self._csv = csv.writer(self._file, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
        self._csv.writerow(COLUMNS)
        self._sync()
        self.finished = False

    def _sync(self) -> None:
        self._file.flush()
        os.fsync(self._file.fileno())

    def append(self, row: dict, sidecar_row: dict) -> None:
        missing = set(COLUMNS) - set(row)
        assert not missing, f"row lacks {missing}"
        self._csv.writerow([row[c] for c in COLUMNS])
        self._sync()
        self.sidecar_rows.append(sidecar_row)
        self.status.append(row["status"])

    def finish(self, sidecar: dict) -> None:
        if self.finished:
            return
        self.finished = True
        self._file.close()
        sidecar = dict(sidecar, rows=self.sidecar_rows)
        tmp = self.sidecar + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(sidecar, f, indent=2, sort_keys=True)
            f.write("\n")
        os.replace(tmp, self.sidecar)
        os.replace(self.partial, self.destination)


# --------------------------------------------------------------------------------------------
# Environment
# --------------------------------------------------------------------------------------------

def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            for line in f:
                key, _, value = line.partition(":")
                if key.strip() in ("model name", "Model", "Hardware") and value.strip():
                    return value.strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def available_memory_bytes() -> int | None:
    try:
        with open("/proc/meminfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return None


def os_name() -> str:
    try:
        with open("/etc/os-release", encoding="utf-8") as f:
            for line in f:
                if line.startswith("PRETTY_NAME="):
                    return line.split("=", 1)[1].strip().strip('"')
    except OSError:
        pass
    return platform.system()


def cpu_flags() -> set[str]:
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            for line in f:
                key, _, value = line.partition(":")
                if key.strip() in ("flags", "Features"):
                    return set(value.split())
    except OSError:
        pass
    return set()


# OpenBLAS core types whose kernels use AVX-512 (others run 256-bit or narrower kernels).
_OPENBLAS_AVX512_CORES = {"skylakex", "cooperlake", "sapphirerapids", "zen4", "zen5"}


def blas_info() -> dict | None:
    """NumPy's BLAS as threadpoolctl sees it (keys internal_api, version, architecture,
    num_threads, filepath), plus ``coretype_override`` (OPENBLAS_CORETYPE, or "") and a
    ``warning`` (or "") when OpenBLAS runs narrower kernels than the CPU's AVX-512.
    None when threadpoolctl finds no BLAS."""
    from threadpoolctl import threadpool_info

    for entry in threadpool_info():
        if entry.get("user_api") == "blas":
            info = {k: entry.get(k) for k in ("internal_api", "version", "architecture", "num_threads", "filepath")}
            info["coretype_override"] = os.environ.get("OPENBLAS_CORETYPE", "")
            arch = (info.get("architecture") or "").lower()
            info["warning"] = ""
            if info["internal_api"] == "openblas" and "avx512f" in cpu_flags() and arch \
                    and arch not in _OPENBLAS_AVX512_CORES:
                info["warning"] = (f"OpenBLAS runs {info['architecture']} kernels on this AVX-512 CPU; "
                                   "OPENBLAS_CORETYPE=SkylakeX may be faster (scripts/peers/README.md)")
            return info
    return None


def blas_label(info: dict | None) -> str:
    """E.g. ``OpenBLAS 0.3.29 SkylakeX``."""
    if not info:
        return "unknown BLAS"
    names = {"openblas": "OpenBLAS", "mkl": "MKL", "blis": "BLIS", "flexiblas": "FlexiBLAS"}
    parts = [names.get(info.get("internal_api") or "", info.get("internal_api") or "BLAS")]
    parts += [str(info[k]) for k in ("version", "architecture") if info.get(k)]
    return " ".join(parts)


def base_environment(threads: int, extra: dict) -> dict:
    env = {
        "cpu_model": cpu_model(),
        "logical_cores": os.cpu_count() or 1,
        "threads": threads,
        "memory_bytes": os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") if hasattr(os, "sysconf") else None,
        "os": os_name(),
        "kernel": f"{platform.system()} {platform.release()}",
        "python_version": platform.python_version(),
        "numpy_version": np.__version__,
        "blas": blas_info(),
        "command_line": sys.argv,
    }
    env.update(extra)
    return env


# --------------------------------------------------------------------------------------------
# Command line and the run loop
# --------------------------------------------------------------------------------------------

DEFAULT_CASES = ["mlp_step/fp32/B=512,D=1024,H=4096,opt=sgd", "mlp_step/fp32/B=512,D=1024,H=4096,opt=adamw",
                 "transformer_block_step/fp32/B=4,S=256,D=768,heads=12,opt=adamw"]
QUICK_CASES = ["mlp_step/fp32/B=16,D=32,H=64,opt=sgd", "mlp_step/fp32/B=16,D=32,H=64,opt=adamw",
               "transformer_block_step/fp32/B=2,S=16,D=32,heads=4,opt=adamw"]


class _OneLineParser(argparse.ArgumentParser):
    """argparse, but usage errors are one stderr line and exit 2, as bench's."""

    def error(self, message: str):  # noqa: D401
        print(f"{self.prog}: {message}", file=sys.stderr)
        sys.exit(2)


def _positive_int(text: str) -> int:
    if not _UINT.fullmatch(text):
        raise argparse.ArgumentTypeError(f"'{text}' is not a positive integer")
    return int(text)


def _positive_float(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number") from None
    if not (v > 0 and math.isfinite(v)):
        raise argparse.ArgumentTypeError(f"'{text}' must be a positive number")
    return v


def parse_args(backend: str, argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = _OneLineParser(
        prog=f"{backend}_peer.py",
        description=f"The {backend} peer of bench's training suite: times mlp_step and transformer_block_step "
                    "(docs/training-kernels.md) and writes a CSV (schema v1 + mfu,tokens_per_step) and its JSON sidecar.")
    p.add_argument("--case", action="append", metavar="ID", default=[],
                   help="run this mlp_step or transformer_block_step case id (repeatable); replaces the default cases")
    p.add_argument("--quick", action="store_true", help=f"run the small cases {', '.join(QUICK_CASES)}")
    p.add_argument("--threads", type=_positive_int, metavar="N", help="worker threads (default: every usable core)")
    p.add_argument("--budget", type=_positive_float, metavar="S", default=2.0,
                   help="seconds per case, warm-up included (default 2); the 10-sample minimum wins over it")
    p.add_argument("--out", metavar="FILE",
                   help=f"output CSV (default results/{SUITE}-{backend}-<UTC stamp>.csv); the sidecar goes beside it as .json")
    p.add_argument("--peak-gflops", type=_positive_float, metavar="G",
                   help="peak GFLOP/s of the cores used, for the rows' dtype; fills the mfu column")
    p.add_argument("--check-gradients", action="store_true",
                   help="run the fp64 finite-difference checks (mlp_step B=4,D=8,H=16 and transformer_block_step "
                        "B=2,S=5,D=8,heads=2, both optimizers) and exit 0/1")
    p.add_argument("--dump-step", nargs=2, metavar=("ID", "FILE"),
                   help="run one step of ID from the initial state and write its loss, gradients and updated parameters (first 8 entries each) to FILE as JSON")
    args = p.parse_args(argv)
    try:
        ids = args.case or (QUICK_CASES if args.quick else DEFAULT_CASES)
        args.cases = [parse_case(i) for i in ids]
        if args.dump_step:
            args.dump_case = parse_case(args.dump_step[0])
            args.dump_case.check_memory()
        elif not args.check_gradients:
            for case in args.cases:
                case.check_memory()
    except CaseError as e:
        print(f"{p.prog}: {e}", file=sys.stderr)
        sys.exit(2)
    if args.case and args.quick:
        p.error("--quick and --case cannot be combined")
    return args


def resolve_destination(out: str | None, backend: str, started: float) -> str:
    """``--out`` (its directory must exist) or ``results/training-<backend>-<UTC>.csv``."""
    if out:
        directory = os.path.dirname(os.path.abspath(out))
        if not os.path.isdir(directory):
            raise CaseError(f"--out '{out}': directory '{directory}' does not exist")
        if os.path.isdir(out):
            raise CaseError(f"--out '{out}' is a directory; give a file name")
        return out
    if os.path.exists("results") and not os.path.isdir("results"):
        raise CaseError("'results' is a file; pass --out FILE")
    os.makedirs("results", exist_ok=True)
    return os.path.join("results", f"{SUITE}-{backend}-{compact_utc(started)}.csv")


@dataclass
class CaseOutcome:
    """What a peer's ``run_case`` hands back to ``run_suite``."""

    measurement: Measurement | None
    status: str  # ok | error
    notes: str
    first_loss: float | None = None
    last_loss: float | None = None
    steps: int = 0


class _Interrupted(Exception):
    pass


def _raise_interrupted(signum, frame):
    raise _Interrupted()


def run_suite(*, backend: str, args: argparse.Namespace, device: str, threads: int,
              environment: Callable[[], dict], run_case: Callable[[TrainingCase, Policy], CaseOutcome],
              warnings: Sequence[str] = ()) -> int:
    """Measures every case, writes the CSV and sidecar, prints a table; returns the exit code
    (0 all ok, 1 some row error, 2 bad output path, 130 interrupted). ``warnings`` are
    printed to stderr once the output file is open (so that exit 2 stays one line)."""
    started = time.time()
    load_start = _load_average()
    run_id = str(uuid.uuid4())
    try:
        destination = resolve_destination(args.out, backend, started)
        writer = ResultWriter(destination, run_id)
    except (CaseError, OSError) as e:
        print(f"{backend}_peer.py: {e}", file=sys.stderr)
        return 2
    for w in warnings:
        print(f"warning: {w}", file=sys.stderr)
    policy = Policy(budget_seconds=args.budget)
    interrupted = False
    old_int = signal.signal(signal.SIGINT, _raise_interrupted)
    old_term = signal.signal(signal.SIGTERM, _raise_interrupted)
    width = max(46, *(len(c.id) for c in args.cases))
    print(f"{'case':<{width}} {'backend':<7} {'median':>10} {'tokens/s':>12} {'GFLOP/s':>9}  status", flush=True)
    try:
        for case in args.cases:
            outcome = run_case(case, policy)
            row, side = _make_row(case, outcome, backend=backend, run_id=run_id, started=started,
                                  device=device, threads=threads, peak_gflops=args.peak_gflops)
            writer.append(row, side)
            print(_table_line(case, backend, row, outcome, width), flush=True)
    except (_Interrupted, KeyboardInterrupt):
        interrupted = True
    finally:
        signal.signal(signal.SIGINT, old_int)
        signal.signal(signal.SIGTERM, old_term)
    env = environment()
    env["load_average_start"] = load_start
    env["load_average_end"] = _load_average()
    env["wall_seconds"] = round(time.time() - started, 3)
    writer.finish({
        "schema_version": 1, "run_id": run_id, "csv_file": os.path.basename(writer.destination),
        "suite": SUITE, "started_at": iso_utc(started), "finished_at": iso_utc(time.time()),
        "interrupted": interrupted, "environment": env,
    })
    print(f"results: {writer.display}")
    print(f"sidecar: {os.path.join(os.path.dirname(writer.display), os.path.basename(writer.sidecar))}")
    if interrupted:
        print("interrupted: finished rows and the sidecar are saved", file=sys.stderr)
        return 130
    return 1 if any(s != "ok" for s in writer.status) else 0


def _load_average() -> float | None:
    """The 1-minute load average (other work on the machine skews timings)."""
    return round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None


def _table_line(case: TrainingCase, backend: str, row: dict, outcome: CaseOutcome, width: int) -> str:
    """One line of the console table; the CSV holds the full-precision figures."""
    if row["status"] != "ok":
        return f"{case.id:<{width}} {backend:<7} {'-':>10} {'-':>12} {'-':>9}  {row['status']} ({outcome.notes})"
    median = float(row["median_s"])
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6), ("ns", 1e-9)):
        if median >= scale or unit == "ns":
            human = f"{median / scale:.3g} {unit}"
            break
    tokens = f"{float(row['throughput']):,.0f}"
    gflops = f"{float(row['tflops']) * 1e3:.1f}"
    return f"{case.id:<{width}} {backend:<7} {human:>10} {tokens:>12} {gflops:>9}  ok"


def _make_row(case: TrainingCase, outcome: CaseOutcome, *, backend, run_id, started, device, threads, peak_gflops):
    m = outcome.measurement
    summary = Summary.of(m.samples) if outcome.status == "ok" and m is not None and m.samples else None
    notes = outcome.notes
    mfu = None
    if summary:
        w = summary.relative_ci_half_width
        if w is None:
            notes += "; fewer than 6 samples, no CI"
        elif w > 0.01:
            notes += f"; CI of the median +-{w:.1%}, above the +-1% target ({m.stop_reason})"
        if peak_gflops:
            mfu = case.flops / summary.median / (peak_gflops * 1e9)
            notes += f"; {mfu:.1%} of the given peak {peak_gflops:g} GFLOP/s"
    row = {
        "schema_version": "1", "run_id": run_id, "timestamp": iso_utc(started), "suite": SUITE,
        "case_id": case.id, "kernel": case.kernel, "dtype": case.dtype, "shape": case.shape,
        "backend": backend, "backend_kind": "measured", "device": device, "threads": str(threads),
        "status": outcome.status, "samples": str(len(m.samples) if m else 0),
        "median_s": fmt(summary.median if summary else None), "p10_s": fmt(summary.p10 if summary else None),
        "p90_s": fmt(summary.p90 if summary else None), "ci_low_s": fmt(summary.ci_low if summary else None),
        "ci_high_s": fmt(summary.ci_high if summary else None),
        "flops": fmt(case.flops), "bytes": fmt(case.bytes),
        "tflops": fmt(case.flops / summary.median / 1e12 if summary else None),
        "throughput": fmt(case.tokens / summary.median if summary else None), "throughput_unit": "tokens/s",
        "price_usd_per_hour": "", "usd_per_pflop": "", "usd_per_million_units": "",
        "notes": notes, "mfu": fmt(mfu), "tokens_per_step": fmt(case.tokens),
    }
    side = {
        "suite": SUITE, "case_id": case.id, "backend": backend, "threads": threads, "status": outcome.status,
        "samples_s": list(m.samples) if m else [], "calls_per_sample": m.calls_per_sample if m else 0,
        "warmup_calls": m.warmup_calls if m else 0, "stop_reason": m.stop_reason if m else "",
        "cpu_seconds_per_wall_second": round(m.cpu_per_wall, 3) if m else None,
        "loss_first": outcome.first_loss, "loss_last": outcome.last_loss, "steps": outcome.steps,
    }
    return row, side


def loss_note(first: float, last: float, steps: int) -> str:
    return f"loss finite: {first:.6g} at step 1, {last:.6g} after {steps} steps"


def timed_steps(policy: Policy, model) -> CaseOutcome:
    """After the model's first, untimed step: checks its loss, measures ``model.step``, then
    checks the loss (``model.loss``) and parameters (``model.finite()``) are still finite."""
    first = float(model.loss)
    if not math.isfinite(first):
        return CaseOutcome(None, "error", f"loss {first} after the first step; not timed", first, first, 1)
    m = measure(policy, model.step)
    last, steps = float(model.loss), model.step_count
    if not (math.isfinite(last) and model.finite()):
        return CaseOutcome(m, "error", f"loss {last} or non-finite parameters after {steps} steps", first, last, steps)
    return CaseOutcome(m, "ok", loss_note(first, last, steps), first, last, steps)

