#!/usr/bin/env python3
"""Test fixture: the NumPy reference plugin (scripts/plugins/numpy_backend.py) with the causal
mask of its attention removed, so every position attends to the whole sequence: bench must
find its transformer_block_step (and attention_fwd_bwd) rows `verify_failed`. Backend id
`wrong-block`; needs numpy and threadpoolctl, like the plugin it wraps."""

import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the fixtures or scripts directories
here = os.path.dirname(os.path.realpath(__file__))
sys.path.insert(0, os.path.join(here, "..", "..", "..", "..", "scripts", "plugins"))
import numpy_backend as nb  # noqa: E402
import plugin_common as plc  # noqa: E402


class Unmasked(nb.Attention):
    def __init__(self, *args):
        super().__init__(*args)
        self.mask[:] = 0.0


nb.Attention = Unmasked
nb.NumpyBackend.backend_id = "wrong-block"

if __name__ == "__main__":
    plc.main(nb.make_backend, "wrong-block")
