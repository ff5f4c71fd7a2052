#!/usr/bin/env python3
"""Test fixture: a bench plugin that handshakes correctly, then answers `prepare` with
`prepared` carrying another id (the request's id + 1). Backend id `out-of-order`.
Standard library only."""

import json
import sys


def send(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


if not sys.stdin.readline():
    sys.exit(0)
send({"type": "handshake", "protocol_version": 1, "backend_id": "out-of-order", "device": "test fixture",
      "kernels": ["gemm"], "dtypes": ["fp32", "fp64"], "price_hint_usd_per_hour": None})
for line in sys.stdin:
    req = json.loads(line)
    kind = req.get("type")
    if kind == "shutdown":
        sys.exit(0)
    if kind == "prepare":
        send({"type": "prepared", "id": req["id"] + 1})
    else:
        send({"type": "error", "id": req.get("id", 0), "message": f"out-of-order fixture: unexpected {kind!r}"})
