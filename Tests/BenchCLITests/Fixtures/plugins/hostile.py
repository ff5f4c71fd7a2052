#!/usr/bin/env python3
"""Test fixture: good_gemm.py with one reply bent, chosen by the first plugin argument
(`--plugin-arg MODE`):
  verify-null    every verify value is null
  verify-short   one value fewer than asked
  verify-nan     every verify value is NaN
  zero-time      every sample is 0.0 s
  too-fast       every sample is 1e-15 s (an impossible speed)
  too-slow       every sample is 1e306 s (a speed too small to be a number bench writes)
  formula        the device string starts like a spreadsheet formula
  id=ID          the handshake claims backend id ID (e.g. cpu-blas)
  hang-prepare   never answers prepare (for interrupt tests)
  hang-again=PATH  answers every case's first prepare; on a case's second one (its round 2)
                 writes PATH and never answers (bench is then between rounds)
  hang-hello     never answers the handshake
  escape=TAG     in prepare, starts a child in a new session (setsid) whose command line holds
                 TAG, then never answers
  daemon=TAG     in prepare, double-forks a daemon (new session, its parent gone) whose command
                 line holds TAG, then never answers
  fuzz=SEED      damages replies at random (bytes flipped, cut, inserted; fixed seed)
  handshake=JSON adds (or replaces) these fields of the handshake, e.g.
                 handshake={"catalog_device": "h100", "price_hint_usd_per_hour": 6.5}
Backend id `hostile` unless id= says otherwise."""

import json
import os
import sys
import threading

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
    elif mode == "too-slow":
        kwargs["samples_hook"] = lambda ss: [1e306 for _ in ss]
    elif mode == "formula":
        kwargs["device"] = "=HYPERLINK(\"http://evil.example\",\"click\")"
    elif mode.startswith("id="):
        kwargs["backend_id"] = mode[3:]
    elif mode.startswith("handshake="):
        extra = json.loads(mode[len("handshake="):])
        plain_send = good_gemm.send

        def send_with_extra(obj):
            if obj.get("type") == "handshake":
                obj = {**obj, **extra}
            plain_send(obj)

        good_gemm.send = send_with_extra
    elif mode == "hang-hello":
        threading.Event().wait()  # never answers
    elif mode.startswith("fuzz="):
        import random

        rng = random.Random(int(mode[5:]))
        original_send = good_gemm.send

        def send(obj):
            line = json.dumps(obj, separators=(",", ":"))
            if obj.get("type") != "handshake" and rng.random() < 0.3:
                chars = list(line)
                for _ in range(rng.randint(1, 3)):
                    i = rng.randrange(len(chars))
                    op = rng.randrange(4)
                    if op == 0:
                        chars[i] = rng.choice('{}[],:"0-9eE.n')
                    elif op == 1:
                        chars.insert(i, rng.choice(['NaN', 'null', '1e999', '-1', '"x"', '\\u0000', '{}']))
                    elif op == 2:
                        del chars[i:]
                    else:
                        chars[i] = chr(rng.randrange(32, 0x2FF))
                line = "".join(chars)
            sys.stdout.write(line + "\n")
            sys.stdout.flush()

        good_gemm.send = send
    elif mode == "long-notes":
        plain_send = good_gemm.send

        def send_long_notes(obj):
            if obj.get("type") == "prepared":
                obj = {**obj, "notes": "n" * 600 + "TAIL"}
            plain_send(obj)

        good_gemm.send = send_long_notes
    elif mode == "hang-prepare":
        original_send = good_gemm.send

        def send(obj):
            if obj.get("type") == "prepared":
                threading.Event().wait()  # never answers
            original_send(obj)

        good_gemm.send = send
    elif mode.startswith("escape=") or mode.startswith("daemon="):
        import subprocess

        tag = mode.split("=", 1)[1]
        sleeper = [sys.executable, "-c", "import time; time.sleep(300)", tag]
        original_send = good_gemm.send

        def send(obj):
            if obj.get("type") == "prepared":
                if mode.startswith("escape="):
                    subprocess.Popen(sleeper, start_new_session=True, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                elif os.fork() == 0:
                    os.setsid()
                    if os.fork() == 0:
                        devnull = os.open(os.devnull, os.O_RDWR)
                        for fd in (0, 1, 2):
                            os.dup2(devnull, fd)
                        os.execv(sleeper[0], sleeper)
                    os._exit(0)
                threading.Event().wait()  # never answers
            original_send(obj)

        good_gemm.send = send
    elif mode.startswith("hang-again="):
        marker = mode[len("hang-again="):]
        original_send, original_gemm = good_gemm.send, good_gemm.Gemm
        seen, last = set(), {}

        class Tracked(original_gemm):
            def __init__(self, case_id, *args, **kwargs):
                last["case"] = case_id
                super().__init__(case_id, *args, **kwargs)

        good_gemm.Gemm = Tracked

        def send(obj):
            if obj.get("type") == "prepared":
                case = last.get("case")
                if case in seen:
                    with open(marker, "w") as f:
                        f.write(f"{case}\n")
                    threading.Event().wait()  # never answers
                seen.add(case)
            original_send(obj)

        good_gemm.send = send
    sys.exit(good_gemm.main(**kwargs))
