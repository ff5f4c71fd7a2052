#!/usr/bin/env python3
"""Test fixture: good_gemm.py (a correct pure-Python gemm plugin, standard library only) except
that every verify value is returned + 1.0, so each row must come out `verify_failed`.
Backend id `wrong-result`."""

import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the fixtures directory
sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
import good_gemm  # noqa: E402

if __name__ == "__main__":
    sys.exit(good_gemm.main(verify_offset=1.0, backend_id="wrong-result"))
