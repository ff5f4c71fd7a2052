#!/usr/bin/env python3
"""Test fixture: good_gemm.py (a correct protocol-version-1 gemm plugin, standard library only)
whose handshake also lists transformer_block_step, which version 1 does not define: bench must
run its gemm rows and report the block as `unsupported`. Backend id `v1-block`."""

import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the fixtures directory
sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
import good_gemm  # noqa: E402

if __name__ == "__main__":
    sys.exit(good_gemm.main(backend_id="v1-block", kernels=["gemm", "transformer_block_step"]))
