#!/usr/bin/env python3
"""protocol_check.py -- developer tool: speaks the harness side of bench's plugin protocol
(docs/plugin-protocol.md, version 1) to one plugin, without bench, and checks every reply.

    scripts/plugins/protocol_check.py [options] PLUGIN [--plugin-arg=ARG]...

(Write ``--plugin-arg=ARG`` with ``=`` when ARG itself starts with ``-``.)

It starts PLUGIN in its own process group (stdin/stdout pipes, stderr to a log file), sends
``hello``, then for each case ``prepare``, ``run`` (1 sample of 1 call, the first verified
call), ``verify``, ``--runs`` more ``run``s of ``--iterations`` x ``--calls``, ``verify`` again
and ``teardown``; finally ``shutdown``, expecting exit status 0 within 5 s. Like the harness it
validates each reply against the protocol's JSON Schemas (read from docs/plugin-protocol.md
when the repository is there, else an embedded copy), its type and ``id``, the number of
samples and values, and enforces the timeouts (10 s handshake, ``--case-timeout`` per
request): on a timeout or protocol error it SIGKILLs the plugin's whole process group, checks
that the group is gone and the pipe closed, and restarts the plugin for the next case.

Verification is recomputed here in float64 from the documented generator (standard library
only, independent of the peers' code): ``gemm`` -- the four corners of C and 60 pseudo-random
entries, bound ``8*sqrt(K)*u*sum|a*b|`` (bench's GEMMProblem.verify); ``mlp_step`` -- up to
4 rows of the first forward pass's ``out`` (bench's PreparedMLP bound), later verifications
only finite values. Results are reported as bench would write the row status: ``ok``,
``verify_failed``, ``unsupported`` or ``error`` (with the reason).

Without ``--case`` it runs small cases for every kernel/dtype the handshake advertises
(gemm, mlp_step) plus two probes that must come back ``unsupported`` (a kernel and a dtype
the plugin does not advertise).

``--expect OUTCOME`` states what every case should end as (default ``ok``): ``ok``,
``verify_failed``, ``unsupported``, ``error[:TEXT]`` (TEXT must occur in the reason), or
``handshake_failed[:TEXT]`` for the handshake itself. Exit status: 0 when everything
matched, 1 otherwise, 2 for bad usage.

Examples:
    scripts/plugins/protocol_check.py scripts/plugins/numpy_backend.py
    scripts/plugins/protocol_check.py --python scripts/peers/.venv/bin/python scripts/plugins/jax_backend.py
    scripts/plugins/protocol_check.py --case-timeout 3 --expect error:timed Tests/BenchCLITests/Fixtures/plugins/hang.py
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import select
import signal
import subprocess
import sys
import tempfile
import time

PROTOCOL_VERSION = 1
MAX_LINE = 16 * 1024 * 1024
HANDSHAKE_TIMEOUT = 10.0
SHUTDOWN_TIMEOUT = 5.0

# --------------------------------------------------------------------------------------------
# Message schemas (docs/plugin-protocol.md#json-schemas)
# --------------------------------------------------------------------------------------------

EMBEDDED_SCHEMA = {
    "$defs": {
        "handshake": {"type": "object", "required": ["type", "protocol_version", "backend_id", "device", "kernels", "dtypes"],
                      "properties": {"type": {"const": "handshake"}, "protocol_version": {"const": 1},
                                     "backend_id": {"type": "string", "pattern": "^[a-z0-9][a-z0-9._-]{0,63}$"},
                                     "device": {"type": "string", "maxLength": 512},
                                     "kernels": {"type": "array", "items": {"type": "string"}},
                                     "dtypes": {"type": "array", "items": {"type": "string"}},
                                     "price_hint_usd_per_hour": {"type": ["number", "null"], "exclusiveMinimum": 0}}},
        "prepared": {"type": "object", "required": ["type", "id"],
                     "properties": {"type": {"const": "prepared"}, "id": {"type": "integer"}}},
        "unsupported": {"type": "object", "required": ["type", "id", "reason"],
                        "properties": {"type": {"const": "unsupported"}, "id": {"type": "integer"}, "reason": {"type": "string"}}},
        "error": {"type": "object", "required": ["type", "id", "message"],
                  "properties": {"type": {"const": "error"}, "id": {"type": "integer"}, "message": {"type": "string"}}},
        "samples": {"type": "object", "required": ["type", "id", "samples_s"],
                    "properties": {"type": {"const": "samples"}, "id": {"type": "integer"},
                                   "samples_s": {"type": "array", "items": {"type": "number", "minimum": 0}}}},
        "verification": {"type": "object", "required": ["type", "id", "values"],
                         "properties": {"type": {"const": "verification"}, "id": {"type": "integer"},
                                        "values": {"type": "array", "items": {"type": ["number", "null"]}}}},
        "torn_down": {"type": "object", "required": ["type", "id"],
                      "properties": {"type": {"const": "torn_down"}, "id": {"type": "integer"}}},
    }
}


def load_schema() -> tuple[dict, str]:
    """The schemas of the repository's docs/plugin-protocol.md when present, else the copy above."""
    doc = os.path.normpath(os.path.join(os.path.dirname(os.path.realpath(__file__)), "..", "..", "docs",
                                        "plugin-protocol.md"))
    try:
        with open(doc, encoding="utf-8") as f:
            text = f.read()
        section = text.split("## JSON Schemas", 1)[1]
        block = re.search(r"```json\n(.*?)```", section, re.S).group(1)
        return json.loads(block), doc
    except (OSError, IndexError, AttributeError, ValueError):
        return EMBEDDED_SCHEMA, "embedded copy"


_TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "null": lambda v: v is None,
    "boolean": lambda v: isinstance(v, bool),
}


def validate(value, schema: dict, path: str = "$") -> list[str]:
    """The subset of JSON Schema the protocol's schemas use; returns the violations."""
    errors = []
    types = schema.get("type")
    if types is not None:
        types = [types] if isinstance(types, str) else types
        if not any(_TYPES[t](value) for t in types):
            return [f"{path}: {json.dumps(value)[:80]} is not {' or '.join(types)}"]
    if "const" in schema and not (value == schema["const"] and type(value) is type(schema["const"])):
        errors.append(f"{path}: {json.dumps(value)[:80]} is not {json.dumps(schema['const'])}")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if "minimum" in schema and not value >= schema["minimum"]:
            errors.append(f"{path}: {value} < minimum {schema['minimum']}")
        if "exclusiveMinimum" in schema and not value > schema["exclusiveMinimum"]:
            errors.append(f"{path}: {value} <= exclusive minimum {schema['exclusiveMinimum']}")
    if isinstance(value, str):
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            errors.append(f"{path}: longer than {schema['maxLength']} characters")
        if "pattern" in schema and not re.search(schema["pattern"], value):
            errors.append(f"{path}: {value!r} does not match {schema['pattern']}")
    if isinstance(value, list):
        if "minItems" in schema and len(value) < schema["minItems"]:
            errors.append(f"{path}: fewer than {schema['minItems']} items")
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            errors.append(f"{path}: more than {schema['maxItems']} items")
        if "items" in schema:
            for i, item in enumerate(value):
                errors += validate(item, schema["items"], f"{path}[{i}]")
    if isinstance(value, dict):
        for name in schema.get("required", []):
            if name not in value:
                errors.append(f"{path}: missing '{name}'")
        props = schema.get("properties", {})
        for name, item in value.items():
            if name in props:
                errors += validate(item, props[name], f"{path}.{name}")
            elif isinstance(schema.get("additionalProperties"), dict):
                errors += validate(item, schema["additionalProperties"], f"{path}.{name}")
    return errors


# --------------------------------------------------------------------------------------------
# The input generator (docs/results-schema.md#inputs), random access, standard library only
# --------------------------------------------------------------------------------------------

M64 = (1 << 64) - 1
GOLDEN = 0x9E3779B97F4A7C15


def fnv1a64(text: str) -> int:
    h = 0xCBF29CE484222325
    for b in text.encode("utf-8"):
        h = ((h ^ b) * 0x100000001B3) & M64
    return h


def mix(z: int) -> int:
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    return z ^ (z >> 31)


class SplitMix64:
    def __init__(self, seed: int):
        self.state = seed & M64

    def next(self) -> int:
        self.state = (self.state + GOLDEN) & M64
        return mix(self.state)


def element(seed: int, index: int) -> float:
    """Element ``index`` (0-based, row-major) of the operand with this seed."""
    return (mix((seed + (index + 1) * GOLDEN) & M64) >> 40) * 2.0**-23 - 1


def _round_fp32(v: float) -> float:
    import struct

    return struct.unpack("<f", struct.pack("<f", v))[0]


def _round_bf16(v: float) -> float:
    import struct

    bits = struct.unpack("<I", struct.pack("<f", v))[0]
    bits = (bits + 0x7FFF + ((bits >> 16) & 1)) & 0xFFFF0000  # round to nearest even
    return struct.unpack("<f", struct.pack("<I", bits))[0]


ROUND = {"fp64": lambda v: v, "fp32": _round_fp32, "bf16": _round_bf16}
UNIT_ROUNDOFF = {"fp64": 2.0**-53, "fp32": 2.0**-24, "bf16": 2.0**-8}


def gemm_entries(case_id: str, m: int, n: int) -> list[list[int]]:
    """The four corners and up to 60 pseudo-random entries, as bench's GEMMProblem.verify."""
    entries = [[0, 0], [0, n - 1], [m - 1, 0], [m - 1, n - 1]]
    rng = SplitMix64(fnv1a64(f"{case_id}#verify"))
    for _ in range(min(60, m * n)):
        i = rng.next() % m
        entries.append([i, rng.next() % n])
    return entries


def gemm_check(case_id: str, dtype: str, m: int, n: int, k: int, entries, values) -> tuple[bool, str]:
    rnd, u = ROUND[dtype], UNIT_ROUNDOFF[dtype]
    sa, sb = fnv1a64(f"{case_id}#A"), fnv1a64(f"{case_id}#B")
    factor = 8 * math.sqrt(k) * u
    worst, detail = 0.0, ""
    for (i, j), got in zip(entries, values):
        ref = mag = 0.0
        for p in range(k):
            t = rnd(element(sa, i * k + p)) * rnd(element(sb, p * n + j))
            ref += t
            mag += abs(t)
        bound = factor * mag + 2.2250738585072014e-308
        ratio = abs(got - ref) / bound if got is not None and math.isfinite(got) else math.inf
        if ratio > worst:
            worst = ratio
            if ratio > 1 and not detail:
                detail = f"C[{i},{j}] = {got}, reference {ref}, bound {bound:.3g}"
    return worst <= 1, f"{len(entries)} entries, worst |error|/bound {worst:.3g}" + (f"; first bad: {detail}" if detail else "")


GELU_C = math.sqrt(2.0 / math.pi)


def mlp_entries(case_id: str, b: int, d: int) -> list[list[int]]:
    """Up to 4 rows (first, last, pseudo-random) of out, every column, as bench's PreparedMLP."""
    rows = {0, b - 1}
    rng = SplitMix64(fnv1a64(f"{case_id}#verify"))
    while len(rows) < min(4, b):
        rows.add(rng.next() % b)
    return [[r, c] for r in sorted(rows) for c in range(d)]


def mlp_check(case_id: str, dtype: str, b: int, d: int, h: int, entries, values) -> tuple[bool, str]:
    """The first forward pass from the documented initial state, in float64, with bench's bound
    ``8u(sqrt(H)*S1 + 1.2*sqrt(D)*S2 + S1)``."""
    rnd, u = ROUND[dtype], UNIT_ROUNDOFF[dtype]
    sx, s1w, s2w = (fnv1a64(f"{case_id}#{op}") for op in ("x", "W1", "W2"))
    f1, f2 = 1.0 / math.sqrt(d), 1.0 / math.sqrt(h)
    w1 = [rnd(element(s1w, i) * f1) for i in range(d * h)]
    w2 = [rnd(element(s2w, i) * f2) for i in range(h * d)]
    got_by = {(i, j): v for (i, j), v in zip(entries, values)}
    worst, detail = 0.0, ""
    for r in sorted({i for i, _ in entries}):
        x = [rnd(element(sx, r * d + i)) for i in range(d)]
        act, mag = [0.0] * h, [0.0] * h
        for j in range(h):
            s = m = 0.0
            for i in range(d):
                t = x[i] * w1[i * h + j]
                s += t
                m += abs(t)
            act[j] = 0.5 * s * (1 + math.tanh(GELU_C * (s + 0.044715 * s * s * s)))
            mag[j] = m
        for k in range(d):
            if (r, k) not in got_by:
                continue
            ref = s1 = s2 = 0.0
            for j in range(h):
                wv = w2[j * d + k]
                ref += act[j] * wv
                s1 += abs(act[j] * wv)
                s2 += abs(wv) * mag[j]
            got = got_by[(r, k)]
            bound = 8 * u * (math.sqrt(h) * s1 + 1.2 * math.sqrt(d) * s2 + s1) + 2.2250738585072014e-308
            ratio = abs(got - ref) / bound if got is not None and math.isfinite(got) else math.inf
            if ratio > worst:
                worst = ratio
                if ratio > 1 and not detail:
                    detail = f"out[{r},{k}] = {got}, reference {ref}, bound {bound:.3g}"
    return worst <= 1, f"{len(entries)} entries, worst |error|/bound {worst:.3g}" + (f"; first bad: {detail}" if detail else "")


# --------------------------------------------------------------------------------------------
# Cases
# --------------------------------------------------------------------------------------------

DEFAULT_CASES = {
    "gemm": ["gemm/{dt}/M=37,N=29,K=53", "gemm/{dt}/M=64,N=64,K=64"],
    "mlp_step": ["mlp_step/{dt}/B=8,D=16,H=32,opt=sgd", "mlp_step/{dt}/B=16,D=32,H=64,opt=adamw"],
}
PROBE_KERNEL = "transformer_block_step/fp32/B=1,S=8,D=16,heads=2,opt=sgd"


def parse_id(case_id: str) -> tuple[str, str, dict]:
    kernel, dtype, params = case_id.split("/", 2)
    pairs = [p.split("=", 1) for p in params.split(",")] if params else []
    return kernel, dtype, {name: value for name, value in pairs}


# --------------------------------------------------------------------------------------------
# The plugin process
# --------------------------------------------------------------------------------------------

class ProtocolError(Exception):
    """Anything that makes bench kill the plugin: its text is the row's reason."""


class Plugin:
    def __init__(self, argv: list[str], log, verbose: bool):
        self.argv, self.verbose = argv, verbose
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log,
                                     start_new_session=True)
        self.pgid = self.proc.pid  # a new session: its own process group, led by the plugin
        self.fd = self.proc.stdout.fileno()
        self.buffer = b""
        self.eof = False

    def send(self, obj: dict) -> None:
        line = json.dumps(obj, separators=(",", ":"))
        if self.verbose:
            print(f"    -> {line[:300]}")
        try:
            self.proc.stdin.write(line.encode() + b"\n")
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            raise ProtocolError(f"plugin closed its stdin ({self._exit_text()})") from None

    def _exit_text(self) -> str:
        try:
            status = self.proc.wait(timeout=1.0)
        except subprocess.TimeoutExpired:
            return "still running"
        return f"exited with status {status}" if status >= 0 else f"killed by signal {-status}"

    def receive(self, timeout: float, what: str) -> dict:
        deadline = time.monotonic() + timeout
        while b"\n" not in self.buffer:
            if len(self.buffer) > MAX_LINE:
                raise ProtocolError(f"reply line longer than {MAX_LINE} bytes")
            if self.eof:
                raise ProtocolError(f"plugin closed stdout before {what} ({self._exit_text()})")
            left = deadline - time.monotonic()
            if left <= 0:
                raise ProtocolError(f"timed out after {timeout:g} s waiting for {what}")
            ready, _, _ = select.select([self.fd], [], [], left)
            if ready:
                chunk = os.read(self.fd, 1 << 20)
                if chunk:
                    self.buffer += chunk
                else:
                    self.eof = True
        line, self.buffer = self.buffer.split(b"\n", 1)
        if len(line) > MAX_LINE:
            raise ProtocolError(f"reply line longer than {MAX_LINE} bytes")
        if self.verbose:
            print(f"    <- {line[:300].decode('utf-8', 'replace')}")
        try:
            msg = json.loads(line.decode("utf-8"), parse_constant=lambda c: (_ for _ in ()).throw(ValueError(c)))
        except (UnicodeDecodeError, ValueError) as e:
            raise ProtocolError(f"malformed JSON in {what}: {line[:80]!r} ({type(e).__name__})") from None
        if not isinstance(msg, dict):
            raise ProtocolError(f"{what} is not a JSON object: {line[:80]!r}")
        return msg

    def group_members(self) -> list[str]:
        """``pid (command)`` of every live process in the plugin's process group."""
        out = []
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat", encoding="utf-8", errors="replace") as f:
                    stat = f.read()
            except OSError:
                continue
            comm = stat[stat.index("(") + 1:stat.rindex(")")]
            fields = stat[stat.rindex(")") + 2:].split()
            if int(fields[2]) == self.pgid and fields[0] != "Z":
                out.append(f"{entry} ({comm})")
        return out

    def kill_group(self) -> str:
        """SIGKILL to the whole group, reap, then check the group is gone and stdout closed."""
        members = self.group_members()
        try:
            os.killpg(self.pgid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait()
        gone = False  # no live (non-zombie) member left; orphaned zombies wait for init to reap them
        for _ in range(40):
            if not self.group_members():
                gone = True
                break
            time.sleep(0.05)
        closed = self.eof
        deadline = time.monotonic() + 2.0
        while not closed and time.monotonic() < deadline:
            ready, _, _ = select.select([self.fd], [], [], 0.1)
            if ready and not os.read(self.fd, 1 << 20):
                closed = True
        self.close_pipes()
        return (f"killed process group {self.pgid} ({len(members)} process(es): {', '.join(members) or 'none'}); "
                f"group {'gone' if gone else 'STILL ALIVE'}, stdout {'closed' if closed else 'STILL OPEN'}")

    def close_pipes(self) -> None:
        for f in (self.proc.stdin, self.proc.stdout):
            try:
                f.close()
            except OSError:
                pass


# --------------------------------------------------------------------------------------------
# The conversation
# --------------------------------------------------------------------------------------------

class Checker:
    def __init__(self, args, schema: dict):
        self.args = args
        self.schema = schema["$defs"]
        self.plugin: Plugin | None = None
        self.handshake: dict | None = None
        self.next_id = 1
        self.failures = 0

    def report(self, ok: bool, what: str, detail: str) -> None:
        self.failures += not ok
        print(f"{'PASS' if ok else 'FAIL'}  {what}: {detail}", flush=True)

    def expect_reply(self, msg: dict, allowed: tuple[str, ...], rid: int | None, what: str) -> dict:
        kind = msg.get("type")
        if kind not in allowed:
            raise ProtocolError(f"{what}: unexpected reply type {kind!r} (expected {' or '.join(allowed)})")
        errors = validate(msg, self.schema[kind])
        if errors:
            raise ProtocolError(f"{what}: {kind} does not match its schema: {'; '.join(errors[:3])}")
        if rid is not None and msg["id"] != rid:
            raise ProtocolError(f"{what}: reply id {msg['id']} does not match request id {rid}")
        return msg

    def start(self) -> None:
        """Starts the plugin and does the handshake; raises ProtocolError on failure."""
        self.plugin = Plugin(self.args.command, self.args.log_file, self.args.verbose)
        self.plugin.send({"type": "hello", "protocol_version": PROTOCOL_VERSION})
        try:
            msg = self.plugin.receive(self.args.handshake_timeout, "the handshake")
        except ProtocolError as e:
            tail = last_log_line(self.args.log_path)
            raise ProtocolError(f"{e}" + (f"; last stderr line: {tail}" if tail else "")) from None
        if msg.get("type") == "handshake" and msg.get("protocol_version") != PROTOCOL_VERSION:
            raise ProtocolError(f"plugin speaks protocol version {msg.get('protocol_version')!r}, not {PROTOCOL_VERSION}")
        self.handshake = self.expect_reply(msg, ("handshake",), None, "handshake")

    def stop_after_error(self, reason: str) -> None:
        if self.plugin is not None:
            print(f"      {self.plugin.kill_group()}", flush=True)
        self.plugin = None

    def run_case(self, case_id: str) -> tuple[str, str]:
        """One case as the harness runs it; returns (status, notes)."""
        args = self.args
        kernel, dtype, params = parse_id(case_id)
        rid = self.next_id
        self.next_id += 1
        timeout = args.case_timeout
        p = self.plugin
        verified_first = None
        try:
            p.send({"type": "prepare", "id": rid, "case_id": case_id, "kernel": kernel, "dtype": dtype,
                    "parameters": params, "threads": args.threads})
            msg = self.expect_reply(p.receive(timeout, "the reply to prepare"), ("prepared", "unsupported", "error"),
                                    rid, "prepare")
            if msg["type"] == "unsupported":
                return "unsupported", msg["reason"]
            if msg["type"] == "error":
                return "error", msg["message"]
            if kernel == "gemm":
                m, n, k = (int(params[x]) for x in ("M", "N", "K"))
                entries = gemm_entries(case_id, m, n)
                check = lambda vals: gemm_check(case_id, dtype, m, n, k, entries, vals)  # noqa: E731
            elif kernel == "mlp_step":
                b, d, h = (int(params[x]) for x in ("B", "D", "H"))
                entries = mlp_entries(case_id, b, d)
                check = lambda vals: mlp_check(case_id, dtype, b, d, h, entries, vals)  # noqa: E731
            else:
                entries, check = [[0, 0]], None
            all_samples = []
            plan = [(1, 1)] + [(args.iterations, args.calls)] * args.runs
            for number, (iterations, calls) in enumerate(plan):
                p.send({"type": "run", "id": rid, "iterations": iterations, "calls_per_sample": calls})
                msg = self.expect_reply(p.receive(timeout, "the reply to run"), ("samples", "error"), rid, "run")
                if msg["type"] == "error":
                    self._teardown(rid, timeout)
                    return "error", msg["message"]
                samples = msg["samples_s"]
                if len(samples) != iterations:
                    raise ProtocolError(f"run: {len(samples)} samples for {iterations} iterations")
                all_samples += samples
                if number == 0 or number == len(plan) - 1:
                    p.send({"type": "verify", "id": rid, "entries": entries})
                    msg = self.expect_reply(p.receive(timeout, "the reply to verify"), ("verification", "error"),
                                            rid, "verify")
                    if msg["type"] == "error":
                        self._teardown(rid, timeout)
                        return "error", msg["message"]
                    values = msg["values"]
                    if len(values) != len(entries):
                        raise ProtocolError(f"verify: {len(values)} values for {len(entries)} entries")
                    if number == 0 or kernel == "gemm":
                        ok, detail = check(values) if check else (True, "not recomputed")
                    else:  # training state has moved on: finite values only
                        bad = [e for e, v in zip(entries, values) if v is None or not math.isfinite(v)]
                        ok, detail = not bad, f"{len(values)} entries finite" if not bad else f"non-finite at {bad[0]}"
                    label = "first" if number == 0 else "last"
                    if number == 0:
                        verified_first = detail
                    if not ok:
                        self._teardown(rid, timeout)
                        return "verify_failed", f"{label} verification: {detail}"
            self._teardown(rid, timeout)
            med = sorted(all_samples[1:] or all_samples)[len(all_samples[1:] or all_samples) // 2]
            return "ok", (f"verified ({verified_first}); {len(all_samples)} samples, "
                          f"median of the measured ones {med:.3g} s/call")
        except ProtocolError as e:
            self.stop_after_error(str(e))
            return "error", f"protocol error: {e}"

    def _teardown(self, rid: int, timeout: float) -> None:
        self.plugin.send({"type": "teardown", "id": rid})
        self.expect_reply(self.plugin.receive(timeout, "the reply to teardown"), ("torn_down", "error"), rid, "teardown")

    def shutdown(self) -> None:
        p = self.plugin
        if p is None:
            return
        t0 = time.monotonic()
        try:
            p.send({"type": "shutdown"})
            p.proc.stdin.close()
        except (ProtocolError, OSError):
            pass
        try:
            status = p.proc.wait(timeout=SHUTDOWN_TIMEOUT)
            ok = status == 0
            detail = f"exited with status {status} after {time.monotonic() - t0:.2f} s"
        except subprocess.TimeoutExpired:
            ok, detail = False, f"still running {SHUTDOWN_TIMEOUT:g} s after shutdown; {p.kill_group()}"
        else:
            if p.group_members():
                ok = False
                detail += f"; left processes behind: {', '.join(p.group_members())}; {p.kill_group()}"
        p.close_pipes()
        self.report(ok, "shutdown", detail)
        self.plugin = None


def last_log_line(path: str) -> str:
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            lines = [ln.rstrip("\n") for ln in f if ln.strip()]
        return lines[-1] if lines else ""
    except OSError:
        return ""


def outcome_matches(expect: str, status: str, notes: str) -> bool:
    want, _, text = expect.partition(":")
    return status == want and text in notes


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("plugin", help="the plugin executable")
    ap.add_argument("--plugin-arg", action="append", default=[], metavar="ARG", help="argument for the plugin (repeatable)")
    ap.add_argument("--python", metavar="PY", help="run the plugin as 'PY PLUGIN' (e.g. a virtual env's python)")
    ap.add_argument("--case", action="append", default=[], metavar="ID", help="case id to run (repeatable)")
    ap.add_argument("--threads", type=int, default=1, help="threads in each prepare (default 1)")
    ap.add_argument("--iterations", type=int, default=5, help="samples per measuring run (default 5)")
    ap.add_argument("--calls", type=int, default=3, help="calls per sample of a measuring run (default 3)")
    ap.add_argument("--runs", type=int, default=2, help="measuring runs after the first call (default 2)")
    ap.add_argument("--case-timeout", type=float, default=60.0, help="seconds per request (default 60)")
    ap.add_argument("--handshake-timeout", type=float, default=HANDSHAKE_TIMEOUT)
    ap.add_argument("--expect", default="ok", metavar="OUTCOME",
                    help="ok | verify_failed | unsupported | error[:TEXT] | handshake_failed[:TEXT] (default ok)")
    ap.add_argument("--no-probes", action="store_true", help="skip the unsupported-kernel/dtype probes")
    ap.add_argument("--log", metavar="FILE", help="plugin stderr log (default: a temporary file)")
    ap.add_argument("-v", "--verbose", action="store_true", help="print every message")
    args = ap.parse_args(argv)
    if min(args.threads, args.iterations, args.calls) < 1 or args.runs < 0:
        ap.error("--threads, --iterations and --calls must be >= 1, --runs >= 0")
    args.command = ([args.python] if args.python else []) + [args.plugin] + args.plugin_arg
    if args.log:
        args.log_path = args.log
    else:
        fd, args.log_path = tempfile.mkstemp(prefix="plugin-", suffix=".log")
        os.close(fd)
    args.log_file = open(args.log_path, "ab")
    schema, source = load_schema()
    print(f"plugin: {' '.join(args.command)}\nschemas: {source}\nplugin stderr: {args.log_path}", flush=True)

    checker = Checker(args, schema)
    expect_handshake_failure = args.expect.startswith("handshake_failed")
    try:
        checker.start()
    except ProtocolError as e:
        reason = str(e)
        if checker.plugin is not None:
            if checker.plugin.proc.poll() is None:
                reason += f"; {checker.plugin.kill_group()}"
            checker.plugin.close_pipes()
        ok = expect_handshake_failure and args.expect.partition(":")[2] in reason
        checker.report(ok, "handshake", f"failed: {reason}" + ("" if ok else f" (expected {args.expect})"))
        return 0 if ok else 1
    hs = checker.handshake
    checker.report(not expect_handshake_failure, "handshake",
                   f"backend_id={hs['backend_id']} kernels={hs['kernels']} dtypes={hs['dtypes']} "
                   f"price_hint={hs.get('price_hint_usd_per_hour')} device={hs['device']!r}")

    cases = [(c, args.expect) for c in args.case]
    if not cases:
        for kernel in hs["kernels"]:
            for dtype in hs["dtypes"]:
                if kernel in DEFAULT_CASES and dtype in ROUND:
                    cases += [(t.format(dt=dtype), args.expect) for t in DEFAULT_CASES[kernel]]
        if not args.no_probes and args.expect == "ok":
            if "transformer_block_step" not in hs["kernels"]:
                cases.append((PROBE_KERNEL, "unsupported"))
            if "gemm" in hs["kernels"]:
                odd = next(d for d in ("fp16", "fp8", "int8") if d not in hs["dtypes"])
                cases.append((f"gemm/{odd}/M=8,N=8,K=8", "unsupported"))
    for case_id, expect in cases:
        if checker.plugin is None:
            print("      restarting the plugin", flush=True)
            try:
                checker.start()
            except ProtocolError as e:
                checker.report(False, "handshake (restart)", str(e))
                return 1
        t0 = time.monotonic()
        status, notes = checker.run_case(case_id)
        ok = outcome_matches(expect, status, notes)
        checker.report(ok, case_id, f"{status} ({notes}) [{time.monotonic() - t0:.1f} s]"
                       + ("" if ok else f" -- expected {expect}"))
    checker.shutdown()
    print(f"{'OK' if checker.failures == 0 else 'FAILED'}: {checker.failures} failure(s); plugin stderr in {args.log_path}")
    return 0 if checker.failures == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
