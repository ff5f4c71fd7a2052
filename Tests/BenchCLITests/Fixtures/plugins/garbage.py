#!/usr/bin/env python3
"""Test fixture: a bench plugin that handshakes correctly, then answers `prepare` with bytes
that are not JSON (nor valid UTF-8). Backend id `garbage`. Standard library only."""

import json
import sys

out = sys.stdout.buffer


def send(obj):
    out.write(json.dumps(obj).encode() + b"\n")
    out.flush()


if not sys.stdin.readline():
    sys.exit(0)
send({"type": "handshake", "protocol_version": 1, "backend_id": "garbage", "device": "test fixture",
      "kernels": ["gemm"], "dtypes": ["fp32", "fp64"], "price_hint_usd_per_hour": None})
for line in sys.stdin:
    req = json.loads(line)
    kind = req.get("type")
    if kind == "shutdown":
        sys.exit(0)
    if kind == "prepare":
        out.write(b"\xff\xfe this is not JSON {\"type\": prepared, id: \x00\x01 ]]\n")
        out.flush()
