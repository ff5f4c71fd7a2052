#!/usr/bin/env python3
"""Test fixture: a bench plugin that handshakes correctly, then exits with status 1 on the
first prepare without replying. Backend id `crash`. Standard library only."""

import json
import sys


def send(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


if not sys.stdin.readline():
    sys.exit(0)
send({"type": "handshake", "protocol_version": 1, "backend_id": "crash", "device": "test fixture",
      "kernels": ["gemm"], "dtypes": ["fp32", "fp64"], "price_hint_usd_per_hour": None})
for line in sys.stdin:
    req = json.loads(line)
    if req.get("type") == "shutdown":
        sys.exit(0)
    if req.get("type") == "prepare":
        sys.stderr.write("crash fixture: exiting with status 1 on the first prepare\n")
        sys.stderr.flush()
        sys.exit(1)
