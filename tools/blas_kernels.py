"""The BLAS kernels behind the stored outputs, and why CI checks others.

Floating-point results depend on the kernels that compute them: NumPy's OpenBLAS picks
a kernel for the processor (Haswell on AVX2, SkylakeX on AVX-512), and PyTorch's MKL
(matrix products), oneDNN (convolutions) and ATen pick theirs. Two correct machines
print different last digits, and a training run from the same seed ends at slightly
different weights.

`make execute` runs every notebook under :data:`VARIANT`, kernels that no machine uses
by default: OpenBLAS's Sandybridge kernels, and MKL's reproducible AVX2 path (on AVX-512
and AMD machines alike another path than MKL's own choice), which changes every PyTorch
training run through its linear layers. They cost little time; ATen's scalar code
(``ATEN_CPU_CAPABILITY=default``) and oneDNN at AVX (``ONEDNN_MAX_CPU_ISA=AVX``) would
also change the bits, but made chapter 3 two to three times slower. The test run
(nbval) uses the machine's own kernels, so every CI run checks the stored outputs under
kernels other than those that made them: an output that depends on
rounding fails nbval unless its cell is marked (CONTRIBUTING.md, "What nbval compares").
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

VARIANT = {
    # NumPy's BLAS: AVX kernels instead of Haswell/Zen (AVX2) or SkylakeX (AVX-512)
    "OPENBLAS_CORETYPE": "Sandybridge",
    # PyTorch's matrix products (MKL): its reproducible AVX2 code path
    "MKL_CBWR": "AVX2",
}

_PROBE = """
import ctypes, glob, json, os
import numpy, torch
core = "unknown"
libs = os.path.join(os.path.dirname(numpy.__file__), os.pardir, "numpy.libs")
for path in glob.glob(os.path.join(libs, "libscipy_openblas*")):
    get = getattr(ctypes.CDLL(path), "scipy_openblas_get_corename64_", None)
    if get is not None:
        get.restype = ctypes.c_char_p
        core = get().decode()
print(json.dumps({"openblas": core, "aten": torch.backends.cpu.get_cpu_capability(),
                  "mkl_cbwr": os.environ.get("MKL_CBWR", "auto"),
                  "onednn_max_isa": os.environ.get("ONEDNN_MAX_CPU_ISA", "auto")}))
"""


def native_env(env: dict | None = None) -> dict:
    """``env`` (default: this process's) without the variables of :data:`VARIANT`."""
    return {
        k: v
        for k, v in (os.environ if env is None else env).items()
        if k not in VARIANT
    }


def kernel_config(env: dict | None = None) -> dict:
    """The kernels that a fresh Python process started with ``env`` uses
    (NumPy's and torch's)."""
    run = subprocess.run(
        [sys.executable, "-c", _PROBE],
        env=dict(os.environ if env is None else env),
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(run.stdout)
