"""Shared plugin side of bench's out-of-process backend protocol, version 1
(docs/plugin-protocol.md), for the backends in this directory.

Standard library only, so that a plugin can import it before it knows whether its own
dependencies (NumPy, JAX, PyTorch, ...) are installed, and refuse cleanly when they are not.

What it provides:

- ``Channel``: newline-delimited JSON over the process's stdin/stdout. On creation it keeps a
  private duplicate of file descriptor 1 for protocol lines and points fd 1 (and
  ``sys.stdout``) at stderr, so that nothing else -- a stray ``print``, a C library, a child
  process -- can ever write to the protocol stream.
- ``Unavailable``: raised by a backend factory when the plugin cannot run here (missing
  package, no device): after the harness's ``hello`` the plugin prints exactly that one line on
  stderr and exits with status 3 without sending a handshake.
- ``serve``: the message loop (hello/handshake, prepare, run, verify, teardown, shutdown), with
  the replies, ids and error handling of the protocol; a backend only implements ``Backend``
  and ``PreparedCase``.
- ``parse_gemm``, ``check_case_id``, ``check_entries``, ``time_samples``, ``json_number``:
  the small pieces every backend needs.
"""

from __future__ import annotations

import importlib.util
import json
import math
import os
import sys
import time
import traceback
from typing import Callable, Iterable, Sequence

PROTOCOL_VERSION = 1
MAX_LINE_BYTES = 16 * 1024 * 1024
EXIT_UNAVAILABLE = 3  # the plugin cannot run here (missing package or device): no handshake

GEMM_DIM_LIMIT = 1 << 20  # docs/results-schema.md#case-ids
GEMM_PRODUCT_LIMIT = (1 << 31) - 1

_log_prefix = "plugin"


def set_log_prefix(name: str) -> None:
    global _log_prefix
    _log_prefix = name


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
            # Drain the rest of the oversized line, then report it.
            while line and not line.endswith(b"\n"):
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
        data = json.dumps(obj, allow_nan=False, separators=(",", ":")).encode("utf-8") + b"\n"
        self._out.write(data)
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
        self.kind = kind
        self.text = text


def unsupported(text: str) -> CaseError:
    return CaseError("unsupported", text)


def failure(text: str) -> CaseError:
    return CaseError("error", text)


def check_case_id(req: dict) -> None:
    """The case id must be ``<kernel>/<dtype>/<name=value,...>`` of the request's own fields."""
    params = req["parameters"]
    expected = f"{req['kernel']}/{req['dtype']}/" + ",".join(f"{k}={v}" for k, v in params.items())
    if req["case_id"] != expected:
        raise failure(f"case_id '{req['case_id']}' does not match kernel, dtype and parameters ('{expected}')")


def _positive_int(case_id: str, name: str, text: str, limit: int) -> int:
    if not (text.isdigit() and text.isascii() and text[0] != "0"):
        raise failure(f"invalid case '{case_id}': {name}='{text}' is not a positive decimal integer without sign or padding")
    n = int(text)
    if n > limit:
        raise failure(f"invalid case '{case_id}': {name}={n} is above {limit}")
    return n


def parse_gemm(req: dict) -> tuple[int, int, int]:
    """``(M, N, K)`` of a ``gemm`` prepare, validated as docs/results-schema.md#case-ids says."""
    check_case_id(req)
    params, case_id = req["parameters"], req["case_id"]
    if list(params) != ["M", "N", "K"]:
        raise failure(f"invalid case '{case_id}': gemm parameters must be M,N,K in this order")
    m, n, k = (_positive_int(case_id, p, params[p], GEMM_DIM_LIMIT) for p in ("M", "N", "K"))
    for a, b, what in ((m, k, "M*K"), (k, n, "K*N"), (m, n, "M*N")):
        if a * b > GEMM_PRODUCT_LIMIT:
            raise failure(f"invalid case '{case_id}': {what} = {a * b} is above 2^31-1")
    return m, n, k


def check_entries(entries, rows: int, cols: int, what: str) -> list[tuple[int, int]]:
    """The verify entries as (i, j) pairs, each inside ``what`` (rows x cols)."""
    out = []
    for e in entries:
        if not (isinstance(e, list) and len(e) == 2 and all(isinstance(v, int) and not isinstance(v, bool) for v in e)):
            raise ValueError(f"verify entry {e!r} is not a pair of integers")
        i, j = e
        if not (0 <= i < rows and 0 <= j < cols):
            raise ValueError(f"verify entry [{i}, {j}] is outside {what} ({rows}x{cols})")
        out.append((i, j))
    return out


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
        t1 = clock()
        samples.append(max(0.0, (t1 - t0) / calls_per_sample))
        if after_sample is not None:
            after_sample(result)
    return samples


class PreparedCase:
    """One prepared case; the backend's subclass holds its buffers."""

    def run(self, iterations: int, calls_per_sample: int) -> list[float]:
        raise NotImplementedError

    def verify(self, entries: Sequence[Sequence[int]]) -> list[float | None]:
        raise NotImplementedError

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

    def prepare(self, req: dict) -> PreparedCase:
        """Builds the case; raises ``CaseError`` (unsupported / error) when it cannot."""
        raise NotImplementedError


def _check_support(backend: Backend, req: dict) -> None:
    kernel, dtype = req["kernel"], req["dtype"]
    if kernel not in backend.kernels:
        raise unsupported(f"{backend.backend_id} plugin does not implement kernel '{kernel}' "
                          f"(it runs: {', '.join(backend.kernels)})")
    allowed = backend.kernel_dtypes.get(kernel, backend.dtypes)
    if dtype not in allowed:
        raise unsupported(f"{backend.backend_id} plugin has no dtype '{dtype}' for {kernel} "
                          f"(it runs: {', '.join(allowed)})")


_PREPARE_FIELDS = {"case_id": str, "kernel": str, "dtype": str, "parameters": dict, "threads": int}


def _request_id(msg: dict):
    rid = msg.get("id")
    return rid if isinstance(rid, int) and not isinstance(rid, bool) else None


def _int_field(msg: dict, name: str, minimum: int) -> int:
    v = msg.get(name)
    if not isinstance(v, int) or isinstance(v, bool) or v < minimum:
        raise ValueError(f"'{name}' must be an integer >= {minimum}, got {v!r}")
    return v


def serve(backend_factory: Callable[[], Backend], name: str) -> int:
    """Runs the conversation on stdin/stdout until ``shutdown`` or EOF; returns the exit status.

    ``backend_factory`` is called after the ``hello``; if it raises ``Unavailable`` the plugin
    refuses the handshake (one stderr line, exit 3).
    """
    set_log_prefix(name)
    chan = Channel()
    try:
        hello = chan.receive()
    except ProtocolInputError as e:
        log(f"expected hello: {e}")
        return 2
    if hello is None:
        log("stdin closed before the hello")
        return 2
    if hello.get("type") != "hello":
        log(f"expected a hello first, got {hello.get('type')!r}; exiting")
        return 2
    if hello.get("protocol_version") != PROTOCOL_VERSION:
        log(f"harness speaks protocol version {hello.get('protocol_version')!r}; this plugin speaks "
            f"{PROTOCOL_VERSION} (answering with it; the harness decides)")
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
    kernels = list(backend.kernels)
    dtypes = list(dict.fromkeys(d for k in kernels for d in backend.kernel_dtypes.get(k, backend.dtypes)))
    chan.send({"type": "handshake", "protocol_version": PROTOCOL_VERSION, "backend_id": backend.backend_id,
               "device": device, "kernels": kernels, "dtypes": dtypes, "price_hint_usd_per_hour": price})
    log(f"handshake sent: {backend.backend_id} on {device}")

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
        if msg is None:
            log("stdin closed; exiting")
            drop_current()
            return 0
        kind = msg.get("type")
        if kind == "shutdown":
            drop_current()
            log("shutdown")
            return 0
        rid = _request_id(msg)
        if rid is None:
            log(f"ignoring a {kind!r} request without an integer id: {json.dumps(msg)[:200]}")
            continue

        def error(text: str) -> None:
            log(f"case {rid}: error: {text}")
            chan.send({"type": "error", "id": rid, "message": text})

        try:
            if kind == "prepare":
                drop_current()
                for field, typ in _PREPARE_FIELDS.items():
                    if not isinstance(msg.get(field), typ) or isinstance(msg.get(field), bool):
                        raise ValueError(f"prepare: field '{field}' missing or not a {typ.__name__}")
                if msg["threads"] < 1:
                    raise ValueError("prepare: threads must be >= 1")
                if not all(isinstance(v, str) for v in msg["parameters"].values()):
                    raise ValueError("prepare: parameter values must be strings")
                log(f"case {rid}: prepare {msg['case_id']} threads={msg['threads']}")
                try:
                    _check_support(backend, msg)
                    current = backend.prepare(msg)
                    current_id = rid
                except CaseError as e:
                    log(f"case {rid}: {e.kind}: {e.text}")
                    key = "reason" if e.kind == "unsupported" else "message"
                    chan.send({"type": e.kind, "id": rid, key: e.text})
                    continue
                except MemoryError:
                    error("out of memory allocating the case's buffers")
                    continue
                chan.send({"type": "prepared", "id": rid})
            elif kind in ("run", "verify", "teardown"):
                if current is None or rid != current_id:
                    error(f"{kind} for case id {rid}, but the prepared case is "
                          f"{'none' if current_id is None else current_id}")
                    continue
                if kind == "run":
                    iterations = _int_field(msg, "iterations", 1)
                    calls = _int_field(msg, "calls_per_sample", 1)
                    samples = current.run(iterations, calls)
                    if len(samples) != iterations or not all(math.isfinite(s) and s >= 0 for s in samples):
                        raise RuntimeError(f"backend produced invalid samples {samples[:5]!r}")
                    chan.send({"type": "samples", "id": rid, "samples_s": [float(s) for s in samples]})
                elif kind == "verify":
                    entries = msg.get("entries")
                    if not isinstance(entries, list):
                        raise ValueError("verify: 'entries' must be an array")
                    values = [json_number(v) for v in current.verify(entries)]
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
            first = str(e).splitlines()[0] if str(e) else ""
            error(f"{kind}: {type(e).__name__}: {first}"[:2000])


class Unavailable(Exception):
    """Raised by a backend factory when the plugin cannot run here; its text is the one
    stderr line of the refused handshake (name the install command or the missing device)."""


def add_peers_to_path() -> str:
    """Puts scripts/peers (the NumPy/JAX peers and peer_common) on ``sys.path``; returns it."""
    here = os.path.dirname(os.path.realpath(__file__))
    peers = os.path.normpath(os.path.join(here, "..", "peers"))
    if peers not in sys.path:
        sys.path.insert(0, peers)
    return peers


def main(backend_factory: Callable[[], Backend], name: str) -> "NoReturn":  # noqa: F821
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
