#!/usr/bin/env python3
"""Test fixture: a bench plugin whose handshake says protocol_version 99 (otherwise a
well-formed handshake). Backend id `wrong-version`. Standard library only."""

import json
import sys

if not sys.stdin.readline():
    sys.exit(0)
sys.stdout.write(json.dumps({"type": "handshake", "protocol_version": 99, "backend_id": "wrong-version",
                             "device": "test fixture", "kernels": ["gemm"], "dtypes": ["fp32", "fp64"],
                             "price_hint_usd_per_hour": None}) + "\n")
sys.stdout.flush()
for line in sys.stdin:  # until the harness gives up (EOF) or says shutdown
    if json.loads(line).get("type") == "shutdown":
        break
