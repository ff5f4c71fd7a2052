#!/usr/bin/env python3
"""JAX peer of bench's training suite: ``mlp_step`` and ``transformer_block_step`` under
``jax.jit`` on the CPU.

The forward pass and loss are written out per docs/training-kernels.md (the block's attention
as einsums over [B, heads, S, dh], causal mask by ``jnp.where``, ``jax.nn.softmax``); the
backward is ``jax.value_and_grad`` with respect to the parameters and to ``x`` (dx is returned,
so XLA cannot drop its matmuls); the optimizer (SGD with momentum or AdamW) is written out.
Parameters and optimizer state are donated to each step so XLA may update them in place. Bias
corrections of AdamW are computed on the host in float64 and passed in the case's dtype, as
the NumPy peer does. fp64 cases enable ``jax_enable_x64``.

Threads: with ``--threads N`` the peer sets
``XLA_FLAGS=--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=N`` before
importing jax, and restricts the process's CPU affinity to N of its usable cores (the flag alone
did not bound XLA's CPU thread use: about 1.9 CPU-seconds per second with N=1 on a 2-core
host, jaxlib 0.10.2). XLA thread control stays approximate (XLA may still start more threads
than N; they share the N cores); the sidecar records each row's measured CPU seconds per wall
second so the effective parallelism is visible.

Usage (see scripts/peers/README.md): ``scripts/peers/run jax [--quick] [--case ID ...]
[--threads N] [--budget S] [--out FILE] [--peak-gflops G] [--check-gradients]
[--dump-step ID FILE]``.
"""

from __future__ import annotations

import math
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import peer_common as pc  # noqa: E402

BACKEND = "jax"
XLA_THREAD_FLAGS = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads={n}"

jax = None  # imported in main(), after XLA_FLAGS is set
jnp = None


def _limit_threads(threads: int) -> None:
    """Sets the XLA thread flags and pins the process to ``threads`` of its usable cores.
    Must run before jax is imported (XLA sizes its thread pools from both at start-up)."""
    flags = XLA_THREAD_FLAGS.format(n=threads)
    os.environ["XLA_FLAGS"] = f"{os.environ.get('XLA_FLAGS', '')} {flags}".strip()
    if hasattr(os, "sched_setaffinity"):
        cores = sorted(os.sched_getaffinity(0))
        if threads < len(cores):
            os.sched_setaffinity(0, cores[:threads])


def _import_jax(threads: int | None, x64: bool) -> None:
    global jax, jnp
    if threads is not None:
        _limit_threads(threads)
    import jax as _jax
    import jax.numpy as _jnp

    jax, jnp = _jax, _jnp
    if x64:
        jax.config.update("jax_enable_x64", True)
    jax.config.update("jax_platforms", "cpu")


def _gelu(h):
    return 0.5 * h * (1.0 + jnp.tanh(pc.GELU_C * (h + pc.GELU_K * h * h * h)))


def _layer_norm(v, gamma, beta):
    """(v − mean)/√(var + eps)·gamma + beta per row, biased variance."""
    mu = jnp.mean(v, axis=-1, keepdims=True)
    c = v - mu
    var = jnp.mean(c * c, axis=-1, keepdims=True)
    return c * jax.lax.rsqrt(var + pc.LN_EPS) * gamma + beta


def loss_function(case: pc.TrainingCase):
    """``loss(params, x, y)``: the case's forward pass and MSE loss, params in the case's order."""
    n = case.tokens * case.D  # elements of out (the mean in the loss)

    if isinstance(case, pc.MLPCase):
        def mlp_loss(params, x, y):
            W1, b1, W2, b2 = params
            out = _gelu(x @ W1 + b1) @ W2 + b2
            d = out - y
            return jnp.sum(d * d) / n

        return mlp_loss

    b, s, d_model, heads, dh = case.B, case.S, case.D, case.heads, case.dh
    scale = 1.0 / math.sqrt(dh)
    causal = np.tril(np.ones((s, s), dtype=bool))  # position i attends to j <= i

    def block_loss(params, x, y):
        g1, be1, Wqkv, bqkv, Wo, bo, g2, be2, W1, b1, W2, b2 = params
        x1 = _layer_norm(x, g1, be1)
        qkv = (x1 @ Wqkv + bqkv).reshape(b, s, 3, heads, dh)
        q, k, v = (qkv[:, :, i].transpose(0, 2, 1, 3) for i in range(3))  # [B, heads, S, dh]
        scores = jnp.einsum("bhid,bhjd->bhij", q, k) * scale
        p = jax.nn.softmax(jnp.where(causal, scores, -jnp.inf), axis=-1)
        o = jnp.einsum("bhij,bhjd->bhid", p, v)
        attn = o.transpose(0, 2, 1, 3).reshape(b * s, d_model)
        r1 = x + attn @ Wo + bo
        out = r1 + _gelu(_layer_norm(r1, g2, be2) @ W1 + b1) @ W2 + b2
        d = out - y
        return jnp.sum(d * d) / n

    return block_loss


def make_step(case: pc.TrainingCase, with_grads: bool = False):
    """The jitted step ``(params, state, x, y, bc1, bc2) -> (params, state, loss, dx)``.

    ``params`` = the case's parameters in order (W1, b1, W2, b2 for mlp_step; the 12 block
    tensors for transformer_block_step); ``state`` = velocities (sgd) or (m, v) pairs (adamw);
    ``bc1``/``bc2`` = 1 − β₁ᵗ, 1 − β₂ᵗ (ignored by sgd). ``loss`` is the loss before the update.
    With ``with_grads`` the parameter gradients are returned too, as a fifth output (for the
    checks; the timed step does not materialise them beyond what the update needs).
    """
    value_and_grad = jax.value_and_grad(loss_function(case), argnums=(0, 1))

    def sgd_step(params, state, x, y, bc1, bc2):
        loss, (grads, dx) = value_and_grad(params, x, y)
        state = tuple(pc.SGD_MOMENTUM * v + g for v, g in zip(state, grads))
        params = tuple(w - pc.SGD_LR * v for w, v in zip(params, state))
        return (params, state, loss, dx, grads) if with_grads else (params, state, loss, dx)

    def adamw_step(params, state, x, y, bc1, bc2):
        loss, (grads, dx) = value_and_grad(params, x, y)
        new_params, new_state = [], []
        for w, (m, v), g in zip(params, state, grads):
            m = pc.ADAM_B1 * m + (1.0 - pc.ADAM_B1) * g
            v = pc.ADAM_B2 * v + (1.0 - pc.ADAM_B2) * (g * g)
            m_hat = m / bc1
            v_hat = v / bc2
            new_params.append(w - pc.ADAM_LR * (m_hat / (jnp.sqrt(v_hat) + pc.ADAM_EPS) + pc.ADAM_WD * w))
            new_state.append((m, v))
        params, state = tuple(new_params), tuple(new_state)
        return (params, state, loss, dx, grads) if with_grads else (params, state, loss, dx)

    fn = sgd_step if case.opt == "sgd" else adamw_step
    return jax.jit(fn, donate_argnums=(0, 1))


class JaxModel:
    """One case's device-resident state; ``step()`` runs one step and waits for it."""

    def __init__(self, case: pc.TrainingCase, with_grads: bool = False):
        self.case = case
        self.dt = case.np_dtype
        init = pc.initial_state(case)
        put = jax.device_put
        self.x, self.y = put(init.x), put(init.y)
        self.params = tuple(put(init.params[k]) for k in case.parameter_names)
        zeros = lambda a: jnp.zeros(a.shape, a.dtype)  # noqa: E731
        if case.opt == "sgd":
            self.state = tuple(zeros(w) for w in self.params)
        else:
            self.state = tuple((zeros(w), zeros(w)) for w in self.params)
        self.fn = make_step(case, with_grads)
        self.step_count = 0
        self.loss = None
        self.dx = None
        self.grads = None

    def step(self) -> None:
        self.step_count += 1
        t = self.step_count
        bc1 = self.dt(1.0 - pc.ADAM_B1 ** t)
        bc2 = self.dt(1.0 - pc.ADAM_B2 ** t)
        out = self.fn(self.params, self.state, self.x, self.y, bc1, bc2)
        jax.block_until_ready(out)
        self.params, self.state, self.loss, self.dx = out[:4]
        if len(out) == 5:
            self.grads = out[4]

    def finite(self) -> bool:
        return all(bool(jnp.isfinite(w).all()) for w in self.params)


def first_step(case: pc.TrainingCase) -> pc.StepResult:
    """One step from the initial state (gradients returned by the step itself), for
    --check-gradients and --dump-step."""
    model = JaxModel(case, with_grads=True)
    model.step()
    f64 = lambda a: np.asarray(a, dtype=np.float64)  # noqa: E731
    names = case.parameter_names
    grads = {"d" + k: f64(g) for k, g in zip(names, model.grads)}
    grads["dx"] = f64(model.dx)
    params = {k: f64(w) for k, w in zip(names, model.params)}
    return pc.StepResult(float(model.loss), grads, params)


def run_case(case: pc.TrainingCase, policy: pc.Policy) -> pc.CaseOutcome:
    """Compiles and checks the first step (untimed), measures, then checks the loss and
    parameters are still finite."""
    try:
        model = JaxModel(case)
        model.step()
    except MemoryError:
        return pc.CaseOutcome(None, "error", "out of memory allocating the buffers")
    except Exception as e:  # XLA reports resource and compile errors as RuntimeError subclasses
        return pc.CaseOutcome(None, "error", f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}")
    return pc.timed_steps(policy, model)


def main(argv=None) -> int:
    args = pc.parse_args(BACKEND, argv)
    dtypes = {c.dtype for c in args.cases}
    if args.dump_step:
        dtypes.add(args.dump_case.dtype)
    x64 = args.check_gradients or "fp64" in dtypes
    _import_jax(args.threads, x64)
    threads = args.threads or pc.usable_cores()
    if args.check_gradients:
        return 0 if pc.check_gradients(first_step) else 1
    if args.dump_step:
        pc.write_dump(args.dump_step[1], args.dump_case, first_step(args.dump_case), BACKEND)
        print(f"wrote {args.dump_step[1]}")
        return 0
    import jaxlib

    device = f"{pc.cpu_model()} (JAX {jax.__version__}, XLA CPU)"

    def environment() -> dict:
        return pc.base_environment(threads, {
            "peer": BACKEND,
            "jax_version": jax.__version__,
            "jaxlib_version": getattr(jaxlib, "__version__", None) or getattr(jaxlib.version, "__version__", None),
            "jax_backend": jax.default_backend(),
            "jax_devices": [str(d) for d in jax.devices()],
            "jax_enable_x64": bool(jax.config.jax_enable_x64),
            "xla_flags": os.environ.get("XLA_FLAGS", ""),
            "cpu_affinity": sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
            "thread_control": ("XLA_FLAGS + CPU affinity (approximate; see cpu_seconds_per_wall_second in rows)"
                               if args.threads else "XLA default (every usable core)"),
        })

    return pc.run_suite(backend=BACKEND, args=args, device=device, threads=threads,
                        environment=environment, run_case=run_case)


if __name__ == "__main__":
    sys.exit(main())
