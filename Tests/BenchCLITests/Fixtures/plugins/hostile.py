#!/usr/bin/env python3
"""Test fixture: good_gemm.py with one reply bent, chosen by the first plugin argument
(`--plugin-arg MODE`):
  verify-null    every verify value is null
  verify-short   one value fewer than asked
  verify-nan     every verify value is NaN
  zero-time      every sample is 0.0 s
  too-fast       every sample is 1e-15 s (an impossible speed)
  formula        the device string starts like a spreadsheet formula
  id=ID          the handshake claims backend id ID (e.g. cpu-blas)
  hang-prepare   never answers prepare (for interrupt tests)
  hang-hello     never answers the handshake
Backend id `hostile` unless id= says otherwise."""

import os
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
import good_gemm  # noqa: E402

if __name__ == "__main__":
    mode = sys.argv[1] if len(sys.argv) > 1 else ""
    kwargs = {"backend_id": "hostile"}
    if mode == "verify-null":
        kwargs["values_hook"] = lambda vs: [None for _ in vs]
    elif mode == "verify-short":
        kwargs["values_hook"] = lambda vs: vs[:-1]
    elif mode == "verify-nan":
        kwargs["values_hook"] = lambda vs: [float("nan") for _ in vs]
    elif mode == "zero-time":
        kwargs["samples_hook"] = lambda ss: [0.0 for _ in ss]
    elif mode == "too-fast":
        kwargs["samples_hook"] = lambda ss: [1e-15 for _ in ss]
    elif mode == "formula":
        kwargs["device"] = "=HYPERLINK(\"http://evil.example\",\"click\")"
    elif mode.startswith("id="):
        kwargs["backend_id"] = mode[3:]
    elif mode == "hang-hello":
        time.sleep(3600)
    elif mode == "hang-prepare":
        original_send = good_gemm.send

        def send(obj):
            if obj.get("type") == "prepared":
                time.sleep(3600)
            original_send(obj)

        good_gemm.send = send
    sys.exit(good_gemm.main(**kwargs))
