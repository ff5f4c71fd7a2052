#!/usr/bin/env python3
"""Test fixture: a small, correct bench plugin (protocol version 1, docs/plugin-protocol.md)
for `gemm` in fp32 and fp64, in pure Python (standard library only) -- the positive control
of the plugin tests.

Backend id `good-gemm`. Inputs are the documented generator exactly: FNV-1a-64 of
"<case id>#A" / "<case id>#B" seeds SplitMix64, each value (next >> 40) * 2**-23 - 1, row-major.
C = A·B is computed with Python floats (fp64) and, for fp32, each entry rounded to fp32 as a
stored fp32 C would be. Only tiny shapes (M·N·K <= 2**21) are accepted; larger ones are
`unsupported`. `threads` is ignored (one thread).

wrong_result.py reuses this file with a verify offset of +1.0, v1_block.py with one more kernel,
hostile.py with its replies bent in the ways a broken or malicious plugin bends them.
"""

import json
import math
import struct
import sys
import time

MASK = (1 << 64) - 1
MAX_WORK = 1 << 21


def fnv1a64(text):
    h = 0xCBF29CE484222325
    for b in text.encode("utf-8"):
        h = ((h ^ b) * 0x100000001B3) & MASK
    return h


def uniforms(seed, count):
    s, out = seed, []
    for _ in range(count):
        s = (s + 0x9E3779B97F4A7C15) & MASK
        z = s
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        out.append(((z ^ (z >> 31)) >> 40) * 2.0**-23 - 1)
    return out


def to_fp32(v):
    return struct.unpack("<f", struct.pack("<f", v))[0]


def send(obj):
    sys.stdout.write(json.dumps(obj, separators=(",", ":")) + "\n")
    sys.stdout.flush()


def log(text):
    sys.stderr.write(f"[good_gemm] {text}\n")
    sys.stderr.flush()


class Gemm:
    def __init__(self, case_id, dtype, m, n, k):
        self.dtype, self.m, self.n, self.k = dtype, m, n, k
        self.a = uniforms(fnv1a64(case_id + "#A"), m * k)  # row-major M×K
        self.b = uniforms(fnv1a64(case_id + "#B"), k * n)  # row-major K×N
        self.c = None

    def call(self):
        m, n, k, a, b = self.m, self.n, self.k, self.a, self.b
        columns = [b[j::n] for j in range(n)]  # column j of B
        c = []
        for i in range(m):
            row = a[i * k:(i + 1) * k]
            c.append([math.fsum(x * y for x, y in zip(row, col)) for col in columns])
        if self.dtype == "fp32":
            c = [[to_fp32(v) for v in r] for r in c]
        self.c = c


def parse(req):
    """(M, N, K) or raises ValueError with the reason."""
    params = req["parameters"]
    expected = f"{req['kernel']}/{req['dtype']}/" + ",".join(f"{k}={v}" for k, v in params.items())
    if req["case_id"] != expected or list(params) != ["M", "N", "K"]:
        raise ValueError(f"case id {req['case_id']!r} does not match M,N,K parameters")
    dims = []
    for name in ("M", "N", "K"):
        v = params[name]
        if not (v.isascii() and v.isdigit() and v[0] != "0"):
            raise ValueError(f"{name}={v!r} is not a positive decimal integer")
        dims.append(int(v))
    return tuple(dims)


def main(verify_offset=0.0, backend_id="good-gemm", kernels=("gemm",), samples_hook=None, values_hook=None,
         device="pure Python (test fixture)"):
    hello = sys.stdin.readline()
    if not hello:
        return 0
    send({"type": "handshake", "protocol_version": 1, "backend_id": backend_id,
          "device": device, "kernels": list(kernels), "dtypes": ["fp32", "fp64"],
          "price_hint_usd_per_hour": None})
    case, case_id = None, None
    for line in sys.stdin:
        req = json.loads(line)
        kind, rid = req.get("type"), req.get("id")
        if kind == "shutdown":
            return 0
        if kind == "prepare":
            case, case_id = None, rid
            if req["kernel"] != "gemm" or req["dtype"] not in ("fp32", "fp64"):
                send({"type": "unsupported", "id": rid, "reason": f"{backend_id} runs gemm in fp32/fp64 only"})
                continue
            try:
                m, n, k = parse(req)
            except ValueError as e:
                send({"type": "error", "id": rid, "message": str(e)})
                continue
            if m * n * k > MAX_WORK:
                send({"type": "unsupported", "id": rid, "reason": f"{backend_id} runs only M*N*K <= {MAX_WORK}"})
                continue
            case = Gemm(req["case_id"], req["dtype"], m, n, k)
            send({"type": "prepared", "id": rid})
        elif case is None or rid != case_id:
            send({"type": "error", "id": rid, "message": f"{kind} for case {rid}, which is not prepared"})
        elif kind == "run":
            samples = []
            for _ in range(req["iterations"]):
                t0 = time.perf_counter()
                for _ in range(req["calls_per_sample"]):
                    case.call()
                samples.append((time.perf_counter() - t0) / req["calls_per_sample"])
            if samples_hook:
                samples = samples_hook(samples)
            send({"type": "samples", "id": rid, "samples_s": samples})
        elif kind == "verify":
            if case.c is None:
                send({"type": "error", "id": rid, "message": "verify before the first run"})
                continue
            try:
                values = [case.c[i][j] + verify_offset for i, j in req["entries"]]
            except (IndexError, TypeError, ValueError) as e:
                send({"type": "error", "id": rid, "message": f"bad verify entries: {e}"})
                continue
            if values_hook:
                values = values_hook(values)
            send({"type": "verification", "id": rid, "values": values})
        elif kind == "teardown":
            case, case_id = None, None
            send({"type": "torn_down", "id": rid})
        else:
            send({"type": "error", "id": rid, "message": f"unknown request {kind!r}"})
    return 0


if __name__ == "__main__":
    sys.exit(main())
