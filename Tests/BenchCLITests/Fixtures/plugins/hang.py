#!/usr/bin/env python3
"""Test fixture: a bench plugin that handshakes and prepares correctly, then on `run` spawns a
child `sleep 1000` that inherits its stdout (so the pipe stays open if only this process is
killed) and sleeps forever, ignoring SIGTERM. The harness must time out and SIGKILL the whole
process group. Backend id `hang`. Standard library only."""

import json
import signal
import subprocess
import sys
import threading


def send(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


signal.signal(signal.SIGTERM, signal.SIG_IGN)
if not sys.stdin.readline():
    sys.exit(0)
send({"type": "handshake", "protocol_version": 1, "backend_id": "hang", "device": "test fixture",
      "kernels": ["gemm"], "dtypes": ["fp32", "fp64"], "price_hint_usd_per_hour": None})
for line in sys.stdin:
    req = json.loads(line)
    kind = req.get("type")
    if kind == "shutdown":
        sys.exit(0)
    if kind == "prepare":
        send({"type": "prepared", "id": req["id"]})
    elif kind == "run":
        child = subprocess.Popen(["sleep", "1000"])  # inherits stdin, stdout (the pipe) and stderr
        sys.stderr.write(f"hang fixture: spawned sleep 1000 as pid {child.pid}; sleeping forever on run\n")
        sys.stderr.flush()
        while True:
            threading.Event().wait()  # never answers
    else:
        send({"type": "error", "id": req.get("id", 0), "message": f"hang fixture: unexpected {kind!r}"})
