"""Shared plugin side of bench's out-of-process backend protocol, versions 1 and 2
(docs/plugin-protocol.md), for the backends in this directory.

- ``serve`` / ``main``: the message loop (hello/handshake, prepare, run, verify, teardown,
  shutdown) with the protocol's replies, ids and error handling; a backend implements
  ``Backend`` and ``PreparedCase`` only. ``Channel`` keeps a private duplicate of fd 1 for
  protocol lines and points fd 1 (and ``sys.stdout``) at stderr, so nothing else can write
  to the protocol stream. ``Unavailable`` (raised by a backend factory): the plugin answers
  the ``hello`` with one stderr line and exit status 3, no handshake.
- ``uniform``: the one Python SplitMix64 / FNV-1a input generator (docs/results-schema.md#inputs),
  vectorised with NumPy uint64 arithmetic, bit-identical to bench's.
- ``Case`` / ``initial_state``: a case's dimensions and the training kernels' documented
  initial state and hyper-parameters (docs/training-kernels.md).

The protocol part is standard library only (NumPy is imported when inputs are generated), so a
plugin can refuse cleanly when its own dependencies are missing.
"""

from __future__ import annotations

import importlib.util
import json
import math
import os
import platform
import sys
import time
import traceback
from typing import Callable, Iterable, NoReturn, Sequence

PROTOCOL_VERSIONS = (1, 2)
V1_KERNELS = ("gemm", "mlp_step")
MAX_LINE_BYTES = 16 * 1024 * 1024
EXIT_UNAVAILABLE = 3  # the plugin cannot run here (missing package or device): no handshake

_log_prefix = "plugin"


def log(message: str) -> None:
    """One line on stderr (the harness keeps it in ``<results>.plugin-<id>.log``)."""
    try:
        sys.stderr.write(f"[{_log_prefix}] {message}\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass


def missing_modules(names: Iterable[str], import_them: bool = True) -> list[str]:
    """The names among ``names`` that cannot be imported (``import_them=False``: that are not
    installed at all, without importing them, for packages that must be imported later)."""
    missing = []
    for name in names:
        try:
            if import_them:
                __import__(name)
            elif importlib.util.find_spec(name) is None:
                missing.append(name)
        except Exception:  # ImportError, or a broken install failing in its own way
            missing.append(name)
    return missing


class ProtocolInputError(Exception):
    """A request line the plugin cannot read (logged; the loop goes on)."""


def _reject_constant(name: str):
    raise ValueError(f"non-finite number {name} is not JSON")


class Channel:
    """Protocol lines in (stdin) and out (a private duplicate of the original stdout)."""

    def __init__(self) -> None:
        try:
            sys.stdout.flush()
        except (OSError, ValueError, AttributeError):
            pass
        proto_fd = os.dup(1)  # not inheritable: child processes never get the protocol pipe
        os.dup2(2, 1)  # anything written to fd 1 from now on goes to stderr
        sys.stdout = sys.stderr
        self._out = os.fdopen(proto_fd, "wb")
        self._in = sys.stdin.buffer

    def receive(self) -> dict | None:
        """The next request, or None at EOF; raises ProtocolInputError for a bad line."""
        line = self._in.readline(MAX_LINE_BYTES + 1)
        if not line:
            return None
        if len(line) > MAX_LINE_BYTES:
            while line and not line.endswith(b"\n"):  # drain the rest of the oversized line
                line = self._in.readline(MAX_LINE_BYTES)
            raise ProtocolInputError(f"request line longer than {MAX_LINE_BYTES} bytes")
        try:
            msg = json.loads(line.decode("utf-8"), parse_constant=_reject_constant)
        except (UnicodeDecodeError, ValueError) as e:
            raise ProtocolInputError(f"malformed request line ({e}): {line[:200]!r}") from None
        if not isinstance(msg, dict):
            raise ProtocolInputError(f"request is not a JSON object: {line[:200]!r}")
        return msg

    def send(self, obj: dict) -> None:
        self._out.write(json.dumps(obj, allow_nan=False, separators=(",", ":")).encode("utf-8") + b"\n")
        self._out.flush()


def json_number(value) -> float | None:
    """A value for ``verification.values``: a finite float, or null (JSON has no NaN/Inf)."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


class CaseError(Exception):
    """A prepare that cannot go on: ``kind`` is ``unsupported`` or ``error``."""

    def __init__(self, kind: str, text: str):
        super().__init__(text)
        self.kind, self.text = kind, text


def unsupported(text: str) -> CaseError:
    return CaseError("unsupported", text)


def failure(text: str) -> CaseError:
    return CaseError("error", text)


def time_samples(call: Callable[[], object], iterations: int, calls_per_sample: int,
                 sync: Callable[[object], object] | None = None,
                 after_sample: Callable[[object], None] | None = None) -> list[float]:
    """``iterations`` samples, each the mean per-call duration (s) of ``calls_per_sample``
    back-to-back calls timed with ``time.perf_counter``; ``sync(last result)`` runs before the
    clock stops (e.g. ``block_until_ready``), ``after_sample(last result)`` after it (checks)."""
    clock = time.perf_counter
    samples = []
    for _ in range(iterations):
        result = None
        t0 = clock()
        for _ in range(calls_per_sample):
            result = call()
        if sync is not None:
            sync(result)
        samples.append(max(0.0, (clock() - t0) / calls_per_sample))
        if after_sample is not None:
            after_sample(result)
    return samples


class PreparedCase:
    """One prepared case; the backend's subclass holds its buffers.

    ``outputs()`` maps each output the kernel's verification reads (docs/plugin-protocol.md,
    e.g. ``{"out": ...}``) to an array-like with ``shape`` (a vector is one row); the first
    one answers version-1 ``[i, j]`` entries. ``calls`` counts the calls made so far; ``notes``
    (free text, e.g. the precision read back) goes with the ``prepared`` reply into the row.
    """

    calls = 0
    notes = ""

    def run(self, iterations: int, calls_per_sample: int) -> list[float]:
        raise NotImplementedError

    def outputs(self) -> dict:
        raise NotImplementedError

    def values(self, entries: list) -> list[float]:
        """The requested entries: ``[tensor, i, j]`` (version 2) or ``[i, j]`` (version 1)."""
        if self.calls == 0:
            raise RuntimeError("verify before the first run: no output yet")
        outs = self.outputs()
        default = next(iter(outs))
        host, values = {}, []
        for e in entries:
            if isinstance(e, list) and len(e) == 2:
                e = [default, *e]
            if not (isinstance(e, list) and len(e) == 3 and isinstance(e[0], str)
                    and all(isinstance(v, int) and not isinstance(v, bool) for v in e[1:])):
                raise ValueError(f"verify entry {e!r} is not [tensor, i, j] or [i, j]")
            name, i, j = e
            if name not in outs:
                raise ValueError(f"no output '{name}' (this kernel's outputs: {', '.join(outs)})")
            if name not in host:
                import numpy as np

                a = np.asarray(outs[name])
                host[name] = a.reshape(1, -1) if a.ndim == 1 else a
            a = host[name]
            if not (0 <= i < a.shape[0] and 0 <= j < a.shape[1]):
                raise ValueError(f"verify entry {e!r} is outside {name} ({a.shape[0]}x{a.shape[1]})")
            values.append(float(a[i, j]))
        return values

    def teardown(self) -> None:
        pass


class Backend:
    """What ``serve`` needs from a backend."""

    backend_id: str = ""
    kernels: Sequence[str] = ()
    dtypes: Sequence[str] = ()
    # Dtypes per kernel, when they differ from ``dtypes`` (e.g. bf16 for gemm only).
    kernel_dtypes: dict[str, Sequence[str]] = {}

    def device(self) -> str:
        raise NotImplementedError

    def price_hint(self) -> float | None:
        return None

    def catalog_device(self) -> str | None:
        """The bench catalog device this backend runs on (e.g. "h100"): rows are then priced per
        device and their MFU is taken against that device's peak (docs/models.md)."""
        return None

    def device_share(self) -> float:
        """The share of the catalog device one row uses (e.g. 0.5: one of two NeuronCores)."""
        return 1.0

    def prepare(self, req: dict) -> PreparedCase:
        """Builds the case; raises ``CaseError`` (unsupported / error) when it cannot."""
        raise NotImplementedError


_PREPARE_FIELDS = {"case_id": str, "kernel": str, "dtype": str, "parameters": dict, "threads": int}


def _request_id(msg: dict):
    rid = msg.get("id")
    return rid if isinstance(rid, int) and not isinstance(rid, bool) else None


def _int_field(msg: dict, name: str, minimum: int) -> int:
    v = msg.get(name)
    if not isinstance(v, int) or isinstance(v, bool) or v < minimum:
        raise ValueError(f"'{name}' must be an integer >= {minimum}, got {v!r}")
    return v


def _check_prepare(backend: Backend, msg: dict, kernels: Sequence[str]) -> None:
    for field, typ in _PREPARE_FIELDS.items():
        if not isinstance(msg.get(field), typ) or isinstance(msg.get(field), bool):
            raise ValueError(f"prepare: field '{field}' missing or not a {typ.__name__}")
    if msg["threads"] < 1 or not all(isinstance(v, str) for v in msg["parameters"].values()):
        raise ValueError("prepare: threads must be >= 1 and parameter values strings")
    kernel, dtype = msg["kernel"], msg["dtype"]
    if kernel not in kernels:
        raise unsupported(f"{backend.backend_id} plugin does not implement kernel '{kernel}' here "
                          f"(it runs: {', '.join(kernels)})")
    allowed = backend.kernel_dtypes.get(kernel, backend.dtypes)
    if dtype not in allowed:
        raise unsupported(f"{backend.backend_id} plugin has no dtype '{dtype}' for {kernel} (it runs: {', '.join(allowed)})")
    expected = f"{kernel}/{dtype}/" + ",".join(f"{k}={v}" for k, v in msg["parameters"].items())
    if msg["case_id"] != expected:
        raise failure(f"case_id '{msg['case_id']}' does not match kernel, dtype and parameters ('{expected}')")


def serve(backend_factory: Callable[[], Backend], name: str) -> int:
    """Runs the conversation on stdin/stdout until ``shutdown`` or EOF; returns the exit status.

    Answers with version 2 when the hello offers it (``protocol_versions``), else with 1 and
    only the version-1 kernels. ``backend_factory`` is called after the ``hello``; if it raises
    ``Unavailable`` the plugin refuses the handshake (one stderr line, exit 3).
    """
    global _log_prefix
    _log_prefix = name
    chan = Channel()
    try:
        hello = chan.receive()
    except ProtocolInputError as e:
        log(f"expected hello: {e}")
        return 2
    if hello is None or hello.get("type") != "hello":
        log(f"expected a hello first, got {hello and hello.get('type')!r}; exiting")
        return 2
    offered = hello.get("protocol_versions") or [hello.get("protocol_version")]
    offered = offered if isinstance(offered, list) else [offered]
    version = max((v for v in offered if v in PROTOCOL_VERSIONS), default=PROTOCOL_VERSIONS[-1])
    if version not in offered:
        log(f"harness offers protocol version(s) {offered!r}; answering with {version} (the harness decides)")
    try:
        backend = backend_factory()
    except Unavailable as e:
        sys.stderr.write(str(e).replace("\n", " ") + "\n")
        sys.stderr.flush()
        return EXIT_UNAVAILABLE
    device = backend.device()[:512]
    price = backend.price_hint()
    if price is not None and not (isinstance(price, (int, float)) and math.isfinite(price) and price > 0):
        log(f"ignoring price hint {price!r} (must be a positive number)")
        price = None
    kernels = [k for k in backend.kernels if version >= 2 or k in V1_KERNELS]
    dtypes = list(dict.fromkeys(d for k in kernels for d in backend.kernel_dtypes.get(k, backend.dtypes)))
    handshake = {"type": "handshake", "protocol_version": version, "backend_id": backend.backend_id,
                 "device": device, "kernels": kernels, "dtypes": dtypes, "price_hint_usd_per_hour": price}
    catalog_device, share = backend.catalog_device(), backend.device_share()
    if catalog_device is not None:
        handshake["catalog_device"] = catalog_device
        handshake.update({"device_share": share} if share != 1 else {})
    chan.send(handshake)
    log(f"handshake sent: {backend.backend_id} on {device}, protocol version {version}")

    current: PreparedCase | None = None
    current_id = None

    def drop_current() -> None:
        nonlocal current, current_id
        if current is not None:
            try:
                current.teardown()
            except Exception as e:  # freeing must never take the plugin down
                log(f"teardown of case {current_id} failed: {type(e).__name__}: {e}")
        current, current_id = None, None

    while True:
        try:
            msg = chan.receive()
        except ProtocolInputError as e:
            log(str(e))
            continue
        if msg is None or msg.get("type") == "shutdown":
            log("stdin closed; exiting" if msg is None else "shutdown")
            drop_current()
            return 0
        kind, rid = msg.get("type"), _request_id(msg)
        if rid is None:
            log(f"ignoring a {kind!r} request without an integer id: {json.dumps(msg)[:200]}")
            continue

        def error(text: str) -> None:
            log(f"case {rid}: error: {text}")
            chan.send({"type": "error", "id": rid, "message": text})

        try:
            if kind == "prepare":
                drop_current()
                log(f"case {rid}: prepare {msg.get('case_id')} threads={msg.get('threads')}")
                try:
                    _check_prepare(backend, msg, kernels)
                    current, current_id = backend.prepare(msg), rid
                except CaseError as e:
                    log(f"case {rid}: {e.kind}: {e.text}")
                    chan.send({"type": e.kind, "id": rid, "reason" if e.kind == "unsupported" else "message": e.text})
                    continue
                except MemoryError:
                    error("out of memory allocating the case's buffers")
                    continue
                chan.send({"type": "prepared", "id": rid, **({"notes": current.notes[:512]} if current.notes else {})})
            elif kind in ("run", "verify", "teardown"):
                if current is None or rid != current_id:
                    error(f"{kind} for case id {rid}, but the prepared case is {'none' if current_id is None else current_id}")
                elif kind == "run":
                    iterations, calls = _int_field(msg, "iterations", 1), _int_field(msg, "calls_per_sample", 1)
                    samples = current.run(iterations, calls)
                    current.calls += iterations * calls
                    if len(samples) != iterations or not all(math.isfinite(s) and s >= 0 for s in samples):
                        raise RuntimeError(f"backend produced invalid samples {samples[:5]!r}")
                    chan.send({"type": "samples", "id": rid, "samples_s": [float(s) for s in samples]})
                elif kind == "verify":
                    if not isinstance(msg.get("entries"), list):
                        raise ValueError("verify: 'entries' must be an array")
                    values = [json_number(v) for v in current.values(msg["entries"])]
                    chan.send({"type": "verification", "id": rid, "values": values})
                else:
                    drop_current()
                    chan.send({"type": "torn_down", "id": rid})
            else:
                error(f"unknown request type {kind!r}")
        except MemoryError:
            error(f"out of memory during {kind}")
        except Exception as e:
            log("".join(traceback.format_exception(type(e), e, e.__traceback__)).rstrip())
            error(f"{kind}: {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"[:2000])


class Unavailable(Exception):
    """Raised by a backend factory when the plugin cannot run here; its text is the one
    stderr line of the refused handshake (name the install command or the missing device)."""


def main(backend_factory: Callable[[], Backend], name: str) -> NoReturn:
    """``serve``, then exit at once with its status (no interpreter teardown: accelerator
    runtimes and thread pools can take long to shut down, and the harness allows 5 s)."""
    try:
        status = serve(backend_factory, name)
    except KeyboardInterrupt:
        status = 130
    except BaseException as e:  # anything unexpected: say what on stderr, never on stdout
        log("fatal: " + "".join(traceback.format_exception(type(e), e, e.__traceback__)).rstrip())
        status = 1
    try:
        sys.stderr.flush()
    finally:
        os._exit(status)


# --------------------------------------------------------------------------------------------
# Inputs (docs/results-schema.md#inputs): FNV-1a-64 of "<case id>#<operand>" seeds SplitMix64;
# value i is (next_i >> 40)·2⁻²³ − 1, where the state after i+1 calls is seed + (i+1)·golden.
# --------------------------------------------------------------------------------------------

_MASK64 = (1 << 64) - 1
_CHUNK = 1 << 20  # elements per vectorised chunk (bounds the temporaries to ~24 MiB)


def fnv1a64(text: str) -> int:
    h = 0xCBF29CE484222325
    for b in text.encode("utf-8"):
        h = ((h ^ b) * 0x100000001B3) & _MASK64
    return h


def uniforms(seed: int, count: int, start: int = 0):
    """Elements ``start ..< start + count`` of the stream of ``seed`` as float64 (exact in fp32)."""
    import numpy as np

    u64 = np.uint64
    out = np.empty(count, dtype=np.float64)
    for lo in range(0, count, _CHUNK):
        hi = min(count, lo + _CHUNK)
        z = np.arange(start + lo + 1, start + hi + 1, dtype=np.uint64)
        z *= u64(0x9E3779B97F4A7C15)  # uint64 arrays wrap mod 2**64
        z += u64(seed & _MASK64)
        z ^= z >> u64(30)
        z *= u64(0xBF58476D1CE4E5B9)
        z ^= z >> u64(27)
        z *= u64(0x94D049BB133111EB)
        z ^= z >> u64(31)
        z >>= u64(40)
        np.multiply(z, 2.0**-23, out=out[lo:hi], casting="unsafe")  # 24-bit integers: exact
        out[lo:hi] -= 1.0
    return out


def uniform(case_id: str, operand: str, shape: Sequence[int], dtype):
    """The operand's values, row-major, as an array of ``shape`` and ``dtype``."""
    count = math.prod(shape)
    return uniforms(fnv1a64(f"{case_id}#{operand}"), count).astype(dtype).reshape(shape)


# --------------------------------------------------------------------------------------------
# Cases and the training kernels' initial state (docs/training-kernels.md)
# --------------------------------------------------------------------------------------------

GELU_C, GELU_K, LN_EPS = math.sqrt(2.0 / math.pi), 0.044715, 1e-5
SGD_LR, SGD_MOMENTUM = 0.01, 0.9
ADAM_LR, ADAM_B1, ADAM_B2, ADAM_EPS, ADAM_WD = 0.001, 0.9, 0.999, 1e-8, 0.01
BLOCK_PARAMETERS = ("ln1.gamma", "ln1.beta", "Wqkv", "bqkv", "Wo", "bo", "ln2.gamma", "ln2.beta", "W1", "b1", "W2", "b2")
LLAMA_PARAMETERS = ("rms1.gamma", "Wqkv", "Wo", "rms2.gamma", "Wgate", "Wup", "Wdown")


RMS_EPS = 1e-5  # Llama 2 and 3's rms_norm_eps
ROPE_BASE = 500000.0  # Llama 3's RoPE θ base


def rope_tables(case: "Case", dtype):
    """cos and sin of position·θᵢ for each row (position = row mod S), shape (T, 1, dh/2), in fp64
    then rounded once to the dtype."""
    import numpy as np

    half = case.dh // 2
    theta = ROPE_BASE ** (-2.0 * np.arange(half) / case.dh)
    angle = (np.arange(case.T) % case.S)[:, None, None] * theta[None, None, :]
    return np.cos(angle).astype(dtype), np.sin(angle).astype(dtype)


class Case:
    """A case bench has validated: ``kernel``, ``dtype``, ``id``, ``opt`` and every integer
    parameter as an attribute (``B``, ``D``, ``H``, ``S``, ``heads``, ``T``, ``V``, ``N``, ...);
    for the block and the attention kernels also ``T = B·S`` and ``dh = D/heads``, and for
    grouped-query attention ``W = D + 2·kv_heads·dh``."""

    def __init__(self, kernel: str, dtype: str, params: dict[str, str]):
        self.kernel, self.dtype, self.opt = kernel, dtype, params.get("opt")
        self.id = f"{kernel}/{dtype}/" + ",".join(f"{k}={v}" for k, v in params.items())
        for k, v in params.items():
            if k != "opt":
                setattr(self, k, int(v))
        if kernel in ("transformer_block_step", "attention_fwd_bwd", "rope_fwd_bwd", "gqa_attention_fwd_bwd",
                      "llama_block_step"):
            self.T, self.dh = self.B * self.S, self.D // self.heads
        if kernel in ("gqa_attention_fwd_bwd", "llama_block_step"):
            self.W = self.D + 2 * self.kv_heads * self.dh  # a packed qkv row: Q, K, V

    @staticmethod
    def parse(case_id: str) -> "Case":
        """From an id ``<kernel>/<dtype>/<name=value,...>`` (no validation beyond the grammar)."""
        kernel, dtype, params = case_id.split("/", 2)
        return Case(kernel, dtype, dict(p.split("=", 1) for p in params.split(",")))

    @staticmethod
    def of(req: dict) -> "Case":
        """From a ``prepare`` request; a parameter that is not an integer is an ``error``."""
        try:
            return Case(req["kernel"], req["dtype"], req["parameters"])
        except ValueError as e:
            raise failure(f"invalid case '{req['case_id']}': {e}") from None

    @property
    def np_dtype(self):
        import numpy as np

        return {"fp32": np.float32, "fp64": np.float64}[self.dtype]

    @property
    def parameter_shapes(self) -> dict[str, tuple[int, ...]]:
        d = self.D
        if self.kernel == "mlp_step":
            return {"W1": (d, self.H), "b1": (self.H,), "W2": (self.H, d), "b2": (d,)}
        if self.kernel == "llama_block_step":
            shapes = [(d,), (d, self.W), (d, d), (d,), (d, self.H), (d, self.H), (self.H, d)]
            return dict(zip(LLAMA_PARAMETERS, shapes))
        shapes = [(d,), (d,), (d, 3 * d), (3 * d,), (d, d), (d,), (d,), (d,), (d, 4 * d), (4 * d,), (4 * d, d), (d,)]
        return dict(zip(BLOCK_PARAMETERS, shapes))


def initial_state(case: Case):
    """``(x, y, params)`` in the case's dtype: x, y uniform; weights ``uniform · (1/√fan_in)``
    computed in fp64 and rounded once (as bench does, so fp64 inputs match bit for bit);
    gammas 1; betas and biases 0. ``params`` is in the kernel's parameter order."""
    import numpy as np

    dt, cid, d = case.np_dtype, case.id, case.D
    fan_in = {
        "mlp_step": {"W1": d, "W2": getattr(case, "H", 0)},
        "llama_block_step": {"Wqkv": d, "Wo": d, "Wgate": d, "Wup": d, "Wdown": getattr(case, "H", 0)},
    }.get(case.kernel, {"Wqkv": d, "Wo": d, "W1": d, "W2": 4 * d})
    params = {}
    for name, shape in case.parameter_shapes.items():
        if name in fan_in:
            params[name] = (uniform(cid, name, shape, np.float64) * (1.0 / math.sqrt(fan_in[name]))).astype(dt)
        else:
            params[name] = (np.ones if name.endswith(".gamma") else np.zeros)(shape, dt)
    rows = case.B if case.kernel == "mlp_step" else case.T
    return uniform(cid, "x", (rows, d), dt), uniform(cid, "y", (rows, d), dt), params


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
