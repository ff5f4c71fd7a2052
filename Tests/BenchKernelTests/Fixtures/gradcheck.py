#!/usr/bin/env python3
"""fp64 checks of the NumPy and JAX plugins' training steps (scripts/test runs the NumPy one), and
the step dumps beside it that Tests/BenchKernelTests/PeerAgreementTests.swift compares bench with.

    Tests/BenchKernelTests/Fixtures/gradcheck.py numpy|jax                      # PASS/FAIL lines; exit 0 or 1
    Tests/BenchKernelTests/Fixtures/gradcheck.py numpy --dump-step ID FILE      # one step of ID as JSON

Checks: the generator against the documented example; then one step from the initial state
of ``mlp_step/fp64/B=4,D=8,H=16``, ``transformer_block_step/fp64/B=2,S=5,D=8,heads=2`` and
``llama_block_step/fp64/B=2,S=5,D=8,heads=2,kv_heads=1,H=12`` (its reference built from the
plain Llama pieces below), both optimizers: the loss against a plain fp64 forward pass written independently here (the
block one (sequence, head) at a time with an explicit mask; relative error <= 1e-12); every
gradient (and dx) against central differences of that reference loss -- MLP: every entry,
eps 1e-6, max|analytic - numeric| / max(|analytic|, |numeric|) over the tensor <= 1e-6;
block: up to 32 entries per tensor (first, last and 30 drawn from the case id), eps 1e-5,
|analytic - numeric| <= 1e-6·max(|analytic|, 1e-2) per entry -- and every updated parameter
against the optimizer's first step computed from the same gradients (<= 1e-12). Then the
Llama-style pieces (``rmsnorm_fwd_bwd``, ``swiglu_fwd_bwd``, ``rope_fwd_bwd``,
``gqa_attention_fwd_bwd`` at fp64): the
forward against a plain one written here, and every input-gradient entry against central
differences (``check_llama_ops``).

``--dump-step``: the loss before the update and the first 8 entries (row-major) of the
generated inputs, of every gradient (parameter order, then dx) and of every updated parameter.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.realpath(__file__)), "../../../scripts/plugins"))
import numpy as np  # noqa: E402

import plugin_common as plc  # noqa: E402


def gelu(h):
    return 0.5 * h * (1.0 + np.tanh(plc.GELU_C * (h + plc.GELU_K * h**3)))


def layer_norm(v, gamma, beta):
    mu = v.mean(axis=1, keepdims=True)
    return (v - mu) / np.sqrt(((v - mu) ** 2).mean(axis=1, keepdims=True) + plc.LN_EPS) * gamma + beta


def reference_loss(case: plc.Case, x, y, p: dict) -> float:
    """The documented forward pass and MSE loss, written plainly in float64."""
    if case.kernel == "mlp_step":
        out = gelu(x @ p["W1"] + p["b1"]) @ p["W2"] + p["b2"]
    elif case.kernel == "llama_block_step":
        rms = lambda v, g: v / np.sqrt((v * v).mean(axis=1, keepdims=True) + plc.RMS_EPS) * g  # noqa: E731
        attn = gqa_ref(case, {"qkv": rms(x, p["rms1.gamma"]) @ p["Wqkv"]})
        r1 = x + attn @ p["Wo"]
        n2 = rms(r1, p["rms2.gamma"])
        out = r1 + swiglu_ref(case, {"a": n2 @ p["Wgate"], "b": n2 @ p["Wup"]}) @ p["Wdown"]
    else:
        s, d, dh = case.S, case.D, case.dh
        qkv = layer_norm(x, p["ln1.gamma"], p["ln1.beta"]) @ p["Wqkv"] + p["bqkv"]
        attn = np.zeros_like(x)
        above_diagonal = np.triu(np.ones((s, s), dtype=bool), k=1)
        for b in range(case.B):
            rows = slice(b * s, (b + 1) * s)
            for h in range(case.heads):
                q, k, v = (qkv[rows, part * d + h * dh:part * d + (h + 1) * dh] for part in range(3))
                scores = q @ k.T / math.sqrt(dh)
                scores[above_diagonal] = -np.inf
                e = np.exp(scores - scores.max(axis=1, keepdims=True))
                attn[rows, h * dh:(h + 1) * dh] = (e / e.sum(axis=1, keepdims=True)) @ v
        r1 = x + attn @ p["Wo"] + p["bo"]
        out = r1 + gelu(layer_norm(r1, p["ln2.gamma"], p["ln2.beta"]) @ p["W1"] + p["b1"]) @ p["W2"] + p["b2"]
    return float(np.sum((out - y) ** 2) / y.size)


def reference_update(opt: str, w0, g):
    """A parameter after the optimizer's first step (t = 1, zero state)."""
    if opt == "sgd":
        return w0 - plc.SGD_LR * g
    m_hat, v_hat = ((1 - plc.ADAM_B1) * g) / (1 - plc.ADAM_B1), ((1 - plc.ADAM_B2) * g * g) / (1 - plc.ADAM_B2)
    return w0 - plc.ADAM_LR * (m_hat / (np.sqrt(v_hat) + plc.ADAM_EPS) + plc.ADAM_WD * w0)


def check_gradient(case: plc.Case, tensors: dict, y, name: str, gradient) -> tuple[bool, str]:
    """One tensor's analytic gradient against central differences of ``reference_loss``."""
    flat = tensors[name].reshape(-1)  # a view: perturbing it perturbs the tensor
    analytic_all = gradient.reshape(-1)
    mlp = case.kernel == "mlp_step"
    idx = np.arange(flat.size)
    if not mlp and flat.size > 32:
        rng = np.random.default_rng(plc.fnv1a64(f"{case.id}#fd:{name}"))
        idx = np.concatenate(([0], np.sort(rng.choice(np.arange(1, flat.size - 1), size=30, replace=False)), [flat.size - 1]))
    eps = 1e-6 if mlp else 1e-5
    numeric = np.empty(len(idx))
    params = {k: v for k, v in tensors.items() if k != "x"}
    for n, i in enumerate(idx):
        base = flat[i]
        flat[i] = base + eps
        plus = reference_loss(case, tensors["x"], y, params)
        flat[i] = base - eps
        minus = reference_loss(case, tensors["x"], y, params)
        flat[i] = base
        numeric[n] = (plus - minus) / (2 * eps)
    analytic = analytic_all[idx]
    if mlp:
        err = float(np.max(np.abs(analytic - numeric)) / max(np.max(np.abs(analytic)), np.max(np.abs(numeric)), 1e-300))
        return err <= 1e-6, f"rel. error {err:.2e} vs central differences (bound 1e-06)"
    diff = np.abs(analytic - numeric)
    ratio = diff / (1e-6 * np.maximum(np.abs(analytic), 1e-2))
    w = int(np.argmax(ratio))
    return bool(np.all(ratio <= 1.0)), (
        f"{len(idx)} of {flat.size} entries, max |error| {diff.max():.2e}, worst |error|/bound {ratio[w]:.2e} "
        f"(entry {idx[w]}: {analytic[w]:.6e} vs {numeric[w]:.6e}; bound 1e-06*max(|analytic|, 0.01))")


def check_all(module) -> bool:
    first_step = module.first_step
    ok_all = True

    def report(ok: bool, what: str, detail: str) -> None:
        nonlocal ok_all
        ok_all &= ok
        print(f"{'PASS' if ok else 'FAIL'}  {what}: {detail}", flush=True)

    doc = plc.uniforms(plc.fnv1a64("gemm/fp32/M=2,N=2,K=2#A"), 2).tolist()
    report(doc == [-0.6421459913253784, 0.2956583499908447], "input generator", f"documented example gives {doc}")
    ids = [f"mlp_step/fp64/B=4,D=8,H=16,opt={o}" for o in ("sgd", "adamw")] + \
          [f"transformer_block_step/fp64/B=2,S=5,D=8,heads=2,opt={o}" for o in ("sgd", "adamw")] + \
          [f"llama_block_step/fp64/B=2,S=5,D=8,heads=2,kv_heads=1,H=12,opt={o}" for o in ("sgd", "adamw")]
    for case in map(plc.Case.parse, ids):
        x, y, params = plc.initial_state(case)
        loss, grads, updated = first_step(case)
        ref = reference_loss(case, x, y, params)
        rel = abs(loss - ref) / abs(ref)
        report(rel <= 1e-12, f"{case.id} loss", f"{loss!r} vs reference {ref!r} (rel. error {rel:.2e})")
        tensors = {"x": x.copy(), **{k: v.copy() for k, v in params.items()}}
        for name in (*params, "x"):
            ok, detail = check_gradient(case, tensors, y, name, grads["d" + name])
            report(ok, f"{case.id} d{name}", detail)
        for name, w0 in params.items():
            expected = reference_update(case.opt, w0, grads["d" + name])
            err = float(np.max(np.abs(updated[name] - expected)) / max(float(np.max(np.abs(expected))), 1e-300))
            report(err <= 1e-12, f"{case.id} {case.opt} update of {name}", f"rel. error {err:.2e} (bound 1e-12)")
    check_llama_ops(module, report)
    return ok_all


# The Llama-style pieces: each forward written plainly here, the inputs by name, and the output
# that holds each input's gradient. The loss is sum(y * dy) with the generator's dy, so the
# gradient of an input is what the plugin's backward returns for it.
def rmsnorm_ref(case: plc.Case, t: dict):
    x = t["x"]
    return x / np.sqrt((x * x).mean(axis=1, keepdims=True) + plc.RMS_EPS) * t["gamma"]


def swiglu_ref(case: plc.Case, t: dict):
    a = t["a"]
    return a / (1.0 + np.exp(-a)) * t["b"]


def rope_ref(case: plc.Case, t: dict):
    x, half, out = t["x"], case.dh // 2, np.empty_like(t["x"])
    for row in range(case.T):
        for h in range(case.heads):
            for i in range(half):
                angle = (row % case.S) * plc.ROPE_BASE ** (-2.0 * i / case.dh)
                c, s = math.cos(angle), math.sin(angle)
                x1, x2 = x[row, h * case.dh + i], x[row, h * case.dh + i + half]
                out[row, h * case.dh + i] = x1 * c - x2 * s
                out[row, h * case.dh + i + half] = x2 * c + x1 * s
    return out


def gqa_ref(case: plc.Case, t: dict):
    """RoPE on Q and K (rope_ref's loops), then attention one (sequence, head) at a time with an
    explicit mask; query head h reads KV head h // (heads/kv_heads)."""
    qkv, d, dh = t["qkv"], case.D, case.dh
    kvd = case.kv_heads * dh
    rot = lambda x, heads: rope_ref(_Shape(case, heads), {"x": x})  # noqa: E731
    q, k, v = rot(qkv[:, :d], case.heads), rot(qkv[:, d:d + kvd], case.kv_heads), qkv[:, d + kvd:]
    out = np.zeros((case.T, d))
    above = np.triu(np.ones((case.S, case.S), dtype=bool), k=1)
    for b in range(case.B):
        rows = slice(b * case.S, (b + 1) * case.S)
        for h in range(case.heads):
            g = h // (case.heads // case.kv_heads)
            scores = q[rows, h * dh:(h + 1) * dh] @ k[rows, g * dh:(g + 1) * dh].T / math.sqrt(dh)
            scores[above] = -np.inf
            e = np.exp(scores - scores.max(axis=1, keepdims=True))
            out[rows, h * dh:(h + 1) * dh] = (e / e.sum(axis=1, keepdims=True)) @ v[rows, g * dh:(g + 1) * dh]
    return out


class _Shape:
    """A case seen with another head count (RoPE on the K heads of grouped-query attention)."""

    def __init__(self, case: plc.Case, heads: int):
        self.T, self.S, self.dh, self.heads = case.T, case.S, case.dh, heads


# kernel case: (forward, inputs by name with their shape, input -> its gradient output,
# the forward's output and the generator operand of its gradient).
LLAMA_OPS = {
    "rmsnorm_fwd_bwd/fp64/T=3,D=10": (rmsnorm_ref, {"x": ("T", "D"), "gamma": ("D",)}, {"x": "dx", "gamma": "dgamma"},
                                      ("y", "dy")),
    "swiglu_fwd_bwd/fp64/T=3,H=21": (swiglu_ref, {"a": ("T", "H"), "b": ("T", "H")}, {"a": "da", "b": "db"},
                                     ("y", "dy")),
    "rope_fwd_bwd/fp64/B=2,S=4,D=12,heads=2": (rope_ref, {"x": ("T", "D")}, {"x": "dx"}, ("y", "dy")),
    "gqa_attention_fwd_bwd/fp64/B=2,S=4,D=8,heads=2,kv_heads=1": (gqa_ref, {"qkv": ("T", "W")}, {"qkv": "dqkv"},
                                                                  ("out", "dout")),
}


def check_llama_ops(module, report) -> None:
    """Each op's forward against the plain one here (<= 1e-12 relative), and every entry of each
    input's gradient against central differences of sum(reference forward * dy), eps 1e-6,
    |analytic - numeric| <= 1e-6·max(|analytic|, 1e-2)."""
    for cid, (forward, inputs, gradients, (y_name, dy_name)) in LLAMA_OPS.items():
        case = plc.Case.parse(cid)
        model = module.MODELS[case.kernel](case) if hasattr(module, "MODELS") else module.make_model(case)
        model.step()
        outputs = {k: np.asarray(v, dtype=np.float64) for k, v in model.outputs().items()}
        dims = lambda names: tuple(getattr(case, n) for n in names)  # noqa: E731
        tensors = {n: plc.uniform(case.id, n, dims(shape), np.float64) for n, shape in inputs.items()}
        dy = plc.uniform(case.id, dy_name, outputs[y_name].shape, np.float64)
        ref = forward(case, tensors)
        err = float(np.max(np.abs(outputs[y_name] - ref)) / np.max(np.abs(ref)))
        report(err <= 1e-12, f"{cid} {y_name}", f"rel. error {err:.2e} vs the plain forward (bound 1e-12)")
        for name, grad in gradients.items():
            flat, eps, worst = tensors[name].reshape(-1), 1e-6, 0.0
            analytic = outputs[grad].reshape(-1)
            for i in range(flat.size):
                base = flat[i]
                flat[i] = base + eps
                plus = float(np.sum(forward(case, tensors) * dy))
                flat[i] = base - eps
                minus = float(np.sum(forward(case, tensors) * dy))
                flat[i] = base
                numeric = (plus - minus) / (2 * eps)
                worst = max(worst, abs(analytic[i] - numeric) / (1e-6 * max(abs(analytic[i]), 1e-2)))
            report(worst <= 1.0, f"{cid} {grad}", f"every one of {flat.size} entries, worst |error|/bound {worst:.2e} "
                   "(bound 1e-06*max(|analytic|, 0.01))")


def dump(path: str, case: plc.Case, step, backend: str) -> None:
    x, y, params = plc.initial_state(case)
    loss, grads, updated = step
    first8 = lambda a: [float(v) for v in np.asarray(a).ravel()[:8]]  # noqa: E731
    inputs = {"x": x, "y": y, **{k: v for k, v in params.items() if k.startswith("W")}}
    doc = {"case_id": case.id, "backend": backend, "dtype": case.dtype, "loss": float(loss),
           "inputs_first8": {k: first8(v) for k, v in inputs.items()},
           "gradients_first8": {k: first8(v) for k, v in grads.items()},
           "updated_parameters_first8": {k: first8(v) for k, v in updated.items()}}
    with open(path, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")


def main() -> int:
    ap = argparse.ArgumentParser(prog="gradcheck.py", description=__doc__.split("\n\n")[0])
    ap.add_argument("backend", choices=("numpy", "jax"))
    ap.add_argument("--dump-step", nargs=2, metavar=("ID", "FILE"))
    args = ap.parse_args()
    if args.backend == "jax":
        import jax_backend as module

        module.start_jax(None)
    else:
        import numpy_backend as module
    if args.dump_step:
        case = plc.Case.parse(args.dump_step[0])
        dump(args.dump_step[1], case, module.first_step(case), args.backend)
        print(f"wrote {args.dump_step[1]}")
        return 0
    return 0 if check_all(module) else 1


if __name__ == "__main__":
    sys.exit(main())
