#!/usr/bin/env python3
"""JAX backend plugin for bench (protocol versions 1 and 2, docs/plugin-protocol.md).

    bench run --suite training --backend cpu-blas,plugin:scripts/plugins/jax_backend.py

Backend id ``jax``, dtypes fp32 and fp64 (``jax_enable_x64`` on; fp32 arrays stay fp32), every
kernel of bench's matmul and training suites under ``jax.jit`` on the CPU, compiled ahead of time
in ``prepare``, each sample ending with ``jax.block_until_ready``: ``gemm``; the training steps
as the written-out forward pass and loss of docs/training-kernels.md, ``jax.value_and_grad`` with
respect to the parameters and ``x``, and the optimizer (parameters and state donated; the
forward output returned for ``verify``); the pieces as the block's functions under ``jax.vjp``,
the mean cross-entropy under ``jax.value_and_grad`` and the AdamW update.

Threads: XLA sizes its thread pools when JAX starts, so JAX is imported at the first ``prepare``
with that case's thread count (XLA flags and CPU affinity, approximate; see README.md); later
cases run with it. Needs jax (``pip install "jax[cpu]"``); without it the plugin answers the
hello with one stderr line naming that command and exits with status 3.
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

np = jax = jnp = None  # imported by start_jax, after the thread settings


def start_jax(threads: int | None) -> None:
    """Imports JAX (CPU, x64 on); with ``threads``, first sets the XLA flags and CPU affinity."""
    global np, jax, jnp
    if threads is not None:
        flags = f"--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads={threads}"
        os.environ["XLA_FLAGS"] = f"{os.environ.get('XLA_FLAGS', '')} {flags}".strip()
        if hasattr(os, "sched_setaffinity") and threads < len(os.sched_getaffinity(0)):
            os.sched_setaffinity(0, sorted(os.sched_getaffinity(0))[:threads])
    import jax as _jax
    import jax.numpy as _jnp
    import numpy

    np, jax, jnp = numpy, _jax, _jnp
    jax.config.update("jax_enable_x64", True)
    jax.config.update("jax_platforms", "cpu")


def gelu(h):
    return 0.5 * h * (1.0 + jnp.tanh(plc.GELU_C * (h + plc.GELU_K * h * h * h)))


def layer_norm(v, gamma, beta):
    """(v − mean)/√(var + eps)·gamma + beta per row, biased variance."""
    mu = jnp.mean(v, axis=-1, keepdims=True)
    c = v - mu
    return c * jax.lax.rsqrt(jnp.mean(c * c, axis=-1, keepdims=True) + plc.LN_EPS) * gamma + beta


def attention(case: plc.Case):
    """``attn(qkv)``: causal multi-head attention of a T×3D qkv into T×D."""
    b, s, d, heads, dh = case.B, case.S, case.D, case.heads, case.dh
    causal = np.tril(np.ones((s, s), dtype=bool))  # position i attends to j <= i

    def attn(qkv):
        q, k, v = (qkv.reshape(b, s, 3, heads, dh)[:, :, i].transpose(0, 2, 1, 3) for i in range(3))
        scores = jnp.einsum("bhid,bhjd->bhij", q, k) / math.sqrt(dh)
        p = jax.nn.softmax(jnp.where(causal, scores, -jnp.inf), axis=-1)
        return jnp.einsum("bhij,bhjd->bhid", p, v).transpose(0, 2, 1, 3).reshape(b * s, d)

    return attn


def llama_forward(case: plc.Case):
    """``forward(params, x)``: the Llama-style block (pre-RMSNorm, RoPE + causal GQA, SwiGLU,
    residuals, no biases), reusing the pieces' forwards."""
    attn, _, _ = gqa_attention(case)

    def rms(v, gamma):
        return v * jax.lax.rsqrt(jnp.mean(v * v, axis=1, keepdims=True) + plc.RMS_EPS) * gamma

    def forward(params, x):
        g1, Wqkv, Wo, g2, Wg, Wu, Wd = params
        r1 = x + attn(rms(x, g1) @ Wqkv) @ Wo
        n2 = rms(r1, g2)
        return r1 + (jax.nn.silu(n2 @ Wg) * (n2 @ Wu)) @ Wd

    return forward


def loss_function(case: plc.Case):
    """``loss(params, x, y) -> (loss, out)``: the forward pass and MSE loss, params in order."""
    attn = attention(case) if case.kernel == "transformer_block_step" else None
    llama = llama_forward(case) if case.kernel == "llama_block_step" else None

    def loss(params, x, y):
        if llama is not None:
            out = llama(params, x)
        elif attn is None:
            W1, b1, W2, b2 = params
            out = gelu(x @ W1 + b1) @ W2 + b2
        else:
            g1, be1, Wqkv, bqkv, Wo, bo, g2, be2, W1, b1, W2, b2 = params
            r1 = x + attn(layer_norm(x, g1, be1) @ Wqkv + bqkv) @ Wo + bo
            out = r1 + gelu(layer_norm(r1, g2, be2) @ W1 + b1) @ W2 + b2
        d = out - y
        return jnp.sum(d * d) / d.size, out

    return loss


def adamw(w, m, v, g, bc1, bc2):
    m = plc.ADAM_B1 * m + (1.0 - plc.ADAM_B1) * g
    v = plc.ADAM_B2 * v + (1.0 - plc.ADAM_B2) * (g * g)
    return w - plc.ADAM_LR * ((m / bc1) / (jnp.sqrt(v / bc2) + plc.ADAM_EPS) + plc.ADAM_WD * w), m, v


def make_step(case: plc.Case, with_grads: bool = False):
    """``(params, state, x, y, bc1, bc2) -> (params, state, loss, dx, out[, grads])``; state is
    the velocities (sgd) or (m, v) pairs (adamw); bc1, bc2 = 1 − β₁ᵗ, 1 − β₂ᵗ."""
    value_and_grad = jax.value_and_grad(loss_function(case), argnums=(0, 1), has_aux=True)

    def step(params, state, x, y, bc1, bc2):
        (loss, out), (grads, dx) = value_and_grad(params, x, y)
        if case.opt == "sgd":
            state = tuple(plc.SGD_MOMENTUM * v + g for v, g in zip(state, grads))
            params = tuple(w - plc.SGD_LR * v for w, v in zip(params, state))
        else:
            new = [adamw(w, m, v, g, bc1, bc2) for w, (m, v), g in zip(params, state, grads)]
            params, state = tuple(n[0] for n in new), tuple((n[1], n[2]) for n in new)
        return (params, state, loss, dx, out) + ((grads,) if with_grads else ())

    return jax.jit(step, donate_argnums=(0, 1))


class TrainingModel:
    """One training case's device-resident state; ``step()`` dispatches one step."""

    def __init__(self, case: plc.Case, with_grads: bool = False):
        self.case, self.dt = case, case.np_dtype
        x, y, params = plc.initial_state(case)
        self.x, self.y = jax.device_put(x), jax.device_put(y)
        self.params = tuple(jax.device_put(w) for w in params.values())
        zeros = lambda a: jnp.zeros(a.shape, a.dtype)  # noqa: E731
        self.state = tuple(zeros(w) if case.opt == "sgd" else (zeros(w), zeros(w)) for w in self.params)
        bc = self.dt(1.0)
        self.fn = make_step(case, with_grads).lower(self.params, self.state, self.x, self.y, bc, bc).compile()
        self.step_count, self.loss, self.out, self.dx, self.grads = 0, None, None, None, None

    def step(self):
        self.step_count += 1
        t = self.step_count
        bc1, bc2 = self.dt(1.0 - plc.ADAM_B1 ** t), self.dt(1.0 - plc.ADAM_B2 ** t)
        result = self.fn(self.params, self.state, self.x, self.y, bc1, bc2)
        self.params, self.state, self.loss, self.dx, self.out = result[:5]
        self.grads = result[5] if len(result) > 5 else None
        return self.loss, self.out

    def outputs(self) -> dict:
        return {"out": self.out}


def first_step(case: plc.Case):
    """``(loss, grads, params)`` of one training step from the initial state, in fp64 (the
    gradients returned by the step itself); call ``start_jax`` first."""
    model = TrainingModel(case, with_grads=True)
    model.step()
    f64 = lambda a: np.asarray(a, dtype=np.float64)  # noqa: E731
    names = list(case.parameter_shapes)
    grads = {**{"d" + k: f64(g) for k, g in zip(names, model.grads)}, "dx": f64(model.dx)}
    return float(model.loss), grads, {k: f64(w) for k, w in zip(names, model.params)}


class FunctionModel:
    """A stateless piece kernel: a compiled function of fixed inputs; ``step()`` calls it."""

    def __init__(self, fn, inputs: tuple, names: tuple):
        self.inputs = tuple(jax.device_put(a) for a in inputs)
        self.fn, self.names, self.result = jax.jit(fn).lower(*self.inputs).compile(), names, None

    def step(self):
        self.result = self.fn(*self.inputs)
        return self.result

    def outputs(self) -> dict:
        return dict(zip(self.names, self.result))


class AdamWModel:
    """``adamw_update``: w, g from the generator, m = v = 0; each call one more step (donated)."""

    def __init__(self, case: plc.Case):
        self.dt = case.np_dtype
        w, g = plc.uniform(case.id, "w", (case.N,), self.dt), plc.uniform(case.id, "g", (case.N,), self.dt)
        self.w, self.g = jax.device_put(w), jax.device_put(g)
        self.m, self.v = jnp.zeros_like(self.w), jnp.zeros_like(self.w)
        bc = self.dt(1.0)
        self.fn = jax.jit(adamw, donate_argnums=(0, 1, 2)).lower(self.w, self.m, self.v, self.g, bc, bc).compile()
        self.t = 0

    def step(self):
        self.t += 1
        bc1, bc2 = self.dt(1.0 - plc.ADAM_B1 ** self.t), self.dt(1.0 - plc.ADAM_B2 ** self.t)
        self.w, self.m, self.v = self.fn(self.w, self.m, self.v, self.g, bc1, bc2)
        return self.w

    def outputs(self) -> dict:
        return {"w": self.w}


def rmsnorm(case: plc.Case):
    def forward(x, gamma):
        return x * jax.lax.rsqrt(jnp.mean(x * x, axis=1, keepdims=True) + plc.RMS_EPS) * gamma
    t, d = case.T, case.D
    return forward, (("x", (t, d)), ("gamma", (d,)), ("dy", (t, d))), ("y", "dx", "dgamma")


def swiglu(case: plc.Case):
    def forward(a, b):
        return jax.nn.silu(a) * b
    shape = (case.T, case.H)
    return forward, (("a", shape), ("b", shape), ("dy", shape)), ("y", "da", "db")


def rope(case: plc.Case):
    half, dt = case.dh // 2, case.np_dtype
    theta = plc.ROPE_BASE ** (-2.0 * np.arange(half) / case.dh)
    angle = (np.arange(case.T) % case.S)[:, None, None] * theta[None, None, :]
    cos, sin = jnp.asarray(np.cos(angle).astype(dt)), jnp.asarray(np.sin(angle).astype(dt))

    def forward(x):
        v = x.reshape(case.T, case.heads, case.dh)
        x1, x2 = v[..., :half], v[..., half:]
        return jnp.concatenate([x1 * cos - x2 * sin, x2 * cos + x1 * sin], axis=-1).reshape(case.T, case.D)
    return forward, (("x", (case.T, case.D)), ("dy", (case.T, case.D))), ("y", "dx")


def gqa_attention(case: plc.Case):
    """RoPE on Q and K, then causal attention with each KV head repeated for its group."""
    dt, half, kvd, group = case.np_dtype, case.dh // 2, case.kv_heads * case.dh, case.heads // case.kv_heads
    cos, sin = (jnp.asarray(a) for a in plc.rope_tables(case, dt))
    mask = jnp.tril(jnp.ones((case.S, case.S), dtype=bool))

    def rotate(x, heads):
        v = x.reshape(case.T, heads, case.dh)
        x1, x2 = v[..., :half], v[..., half:]
        return jnp.concatenate([x1 * cos - x2 * sin, x2 * cos + x1 * sin], axis=-1)

    def forward(qkv):
        d = case.D
        q = rotate(qkv[:, :d], case.heads).reshape(case.B, case.S, case.heads, case.dh)
        k = rotate(qkv[:, d:d + kvd], case.kv_heads).reshape(case.B, case.S, case.kv_heads, case.dh)
        v = qkv[:, d + kvd:].reshape(case.B, case.S, case.kv_heads, case.dh)
        k, v = jnp.repeat(k, group, axis=2), jnp.repeat(v, group, axis=2)
        scores = jnp.einsum("bihd,bjhd->bhij", q, k, precision=jax.lax.Precision.HIGHEST) * dt(1 / np.sqrt(case.dh))
        p = jax.nn.softmax(jnp.where(mask, scores, -jnp.inf), axis=-1)
        out = jnp.einsum("bhij,bjhd->bihd", p, v, precision=jax.lax.Precision.HIGHEST)
        return out.reshape(case.T, case.D)
    return forward, (("qkv", (case.T, case.W)), ("dout", (case.T, case.D))), ("out", "dqkv")


# The Llama-style pieces: (forward, operands (name, shape) with dy last, output names).
LLAMA_OPS = {"rmsnorm_fwd_bwd": rmsnorm, "swiglu_fwd_bwd": swiglu, "rope_fwd_bwd": rope,
             "gqa_attention_fwd_bwd": gqa_attention}


def make_model(case: plc.Case):
    """The model of any kernel bench's suites run."""
    dt, cid = case.np_dtype, case.id
    if case.kernel in ("mlp_step", "transformer_block_step", "llama_block_step"):
        return TrainingModel(case)
    if case.kernel == "adamw_update":
        return AdamWModel(case)
    if case.kernel == "gemm":
        a, b = plc.uniform(cid, "A", (case.M, case.K), dt), plc.uniform(cid, "B", (case.K, case.N), dt)
        return FunctionModel(lambda a, b: (jnp.matmul(a, b, precision=jax.lax.Precision.HIGHEST),), (a, b), ("C",))
    if case.kernel == "layernorm_fwd_bwd":
        t, d = case.T, case.D
        inputs = tuple(plc.uniform(cid, n, s, dt) for n, s in (("x", (t, d)), ("gamma", (d,)), ("beta", (d,)), ("dy", (t, d))))

        def layernorm(x, gamma, beta, dy):
            y, vjp = jax.vjp(layer_norm, x, gamma, beta)
            dx, dgamma, dbeta = vjp(dy)
            return y, dx, dgamma, dbeta

        return FunctionModel(layernorm, inputs, ("y", "dx", "dgamma", "dbeta"))
    if case.kernel == "attention_fwd_bwd":
        attn = attention(case)

        def attention_fwd_bwd(qkv, dout):
            out, vjp = jax.vjp(attn, qkv)
            return out, vjp(dout)[0]

        inputs = (plc.uniform(cid, "qkv", (case.T, 3 * case.D), dt), plc.uniform(cid, "dout", (case.T, case.D), dt))
        return FunctionModel(attention_fwd_bwd, inputs, ("out", "dqkv"))
    if case.kernel in LLAMA_OPS:
        forward, operands, outputs = LLAMA_OPS[case.kernel](case)
        inputs = tuple(plc.uniform(cid, n, shape, dt) for n, shape in operands)

        def fwd_bwd(*args):
            # The backward is JAX's autodiff of the forward, from the last operand dy.
            y, vjp = jax.vjp(forward, *args[:-1])
            return (y, *vjp(args[-1]))

        return FunctionModel(fwd_bwd, inputs, outputs)
    # softmax_xent_fwd_bwd: logits 4·uniform, targets ⌊(uniform + 1)/2·V⌋ (see numpy_backend.py).
    t, v = case.T, case.V
    logits = (4.0 * plc.uniforms(plc.fnv1a64(f"{cid}#logits"), t * v)).astype(dt).reshape(t, v)
    targets = np.minimum(v - 1, ((plc.uniforms(plc.fnv1a64(f"{cid}#targets"), t) + 1.0) / 2.0 * v).astype(np.int32))

    def xent(logits, targets):
        def mean_loss(z):
            rows = jax.nn.logsumexp(z, axis=1) - jnp.take_along_axis(z, targets[:, None], axis=1)[:, 0]
            return jnp.mean(rows), rows

        (_, rows), grad = jax.value_and_grad(mean_loss, has_aux=True)(logits)
        return rows, grad

    return FunctionModel(xent, (logits, targets), ("loss", "dlogits"))


class JaxCase(plc.PreparedCase):
    def __init__(self, model):
        self.model = model

    def _check(self, _result) -> None:
        loss = getattr(self.model, "loss", None)
        if loss is not None and not math.isfinite(float(loss)):
            raise RuntimeError(f"loss is {float(loss)} after {self.calls} calls")

    def run(self, iterations: int, calls_per_sample: int) -> list[float]:
        return plc.time_samples(self.model.step, iterations, calls_per_sample, sync=jax.block_until_ready,
                                after_sample=self._check)

    def outputs(self) -> dict:
        return self.model.outputs()

    def teardown(self) -> None:
        self.model = None


def _version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "?"


class JaxBackend(plc.Backend):
    backend_id = BACKEND_ID
    kernels = ("gemm", "mlp_step", "transformer_block_step", "llama_block_step", "layernorm_fwd_bwd",
               "softmax_xent_fwd_bwd",
               "attention_fwd_bwd", "adamw_update", "rmsnorm_fwd_bwd", "swiglu_fwd_bwd", "rope_fwd_bwd",
               "gqa_attention_fwd_bwd")
    dtypes = ("fp32", "fp64")
    threads = None  # fixed by the first prepare (JAX is imported then)

    def device(self) -> str:
        return f"{plc.cpu_model()} (JAX {_version('jax')}, jaxlib {_version('jaxlib')}, XLA CPU)"

    def prepare(self, req: dict) -> plc.PreparedCase:
        if self.threads is None:
            try:
                start_jax(req["threads"])
            except Exception as e:
                raise plc.failure(f"cannot start JAX: {type(e).__name__}: {e}") from None
            self.threads = req["threads"]
            plc.log(f"JAX {jax.__version__} started: devices {jax.devices()}, XLA_FLAGS={os.environ.get('XLA_FLAGS', '')!r}")
        elif req["threads"] != self.threads:
            plc.log(f"case asks for {req['threads']} threads, but XLA was started with {self.threads}; running with {self.threads}")
        try:
            return JaxCase(make_model(plc.Case.of(req)))
        except (plc.CaseError, MemoryError):
            raise
        except Exception as e:  # XLA reports allocation and compile failures as RuntimeError subclasses
            raise plc.failure(f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}") from None


def make_backend() -> JaxBackend:
    missing = plc.missing_modules(["numpy"]) + plc.missing_modules(["jax", "jaxlib"], import_them=False)
    if missing:
        raise plc.Unavailable(f"jax plugin: Python module(s) {', '.join(missing)} not found for "
                              f"{sys.executable}; install with: {INSTALL}")
    return JaxBackend()


if __name__ == "__main__":
    plc.main(make_backend, BACKEND_ID)
