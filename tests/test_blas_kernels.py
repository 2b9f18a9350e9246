"""The stored outputs are checked under BLAS kernels
other than those that produced them.

`make execute` runs the notebooks under ``blas_kernels.VARIANT`` and the test run under
the machine's own kernels (tools/blas_kernels.py). These tests make sure that the
switch is real: it changes the bits of one training step in NumPy and in PyTorch (so
the nbval comparison cannot pass vacuously), and the kernels recorded in every notebook
differ from the ones this test run uses.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import nbformat
import pytest

from tools.blas_kernels import VARIANT, kernel_config, native_env
from tools.repository import notebooks, relative

# One float32 training step of a small MLP (NumPy, from scratch) and a small CNN
# (PyTorch); prints the SHA-256 of the updated parameters.
TRAINING_STEP = """
import hashlib, json
import numpy as np, torch
from dlbook.scratch.layers import Linear, ReLU, Sequential, softmax_cross_entropy
from dlbook.scratch.optim import SGD

def digest(arrays):
    data = b"".join(np.ascontiguousarray(a).tobytes() for a in arrays)
    return hashlib.sha256(data).hexdigest()

rng = np.random.default_rng(0)
X, y = rng.standard_normal((128, 784)).astype(np.float32), rng.integers(0, 10, 128)
mlp = Sequential(Linear(784, 256, rng), ReLU(), Linear(256, 10, rng))
mlp.backward(softmax_cross_entropy(mlp.forward(X), y)[1])
SGD(mlp.params, mlp.grads, lr=0.1).step()

torch.manual_seed(0)
torch.set_num_threads(2)  # MKL's AVX2 path then splits the work differently
cnn = torch.nn.Sequential(torch.nn.Conv2d(1, 8, 3), torch.nn.ReLU(), torch.nn.Flatten(),
                          torch.nn.Linear(8 * 26 * 26, 10))
images = torch.from_numpy(X[:, :784].reshape(-1, 1, 28, 28))
torch.nn.functional.cross_entropy(cnn(images), torch.from_numpy(y)).backward()
torch.optim.SGD(cnn.parameters(), lr=0.1).step()
print(json.dumps({"numpy": digest(mlp.params.values()),
                  "torch": digest(p.detach().numpy() for p in cnn.parameters())}))
"""


def training_step(env: dict) -> dict:
    run = subprocess.run(
        [sys.executable, "-c", TRAINING_STEP], env=env, capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def test_the_variant_kernels_change_a_training_step_in_numpy_and_torch():
    native = native_env()
    variant = {**native, **VARIANT}
    assert training_step(native) == training_step(native), (
        "one training step is not repeatable"
    )
    ours, theirs = training_step(native), training_step(variant)
    assert ours["numpy"] != theirs["numpy"], (
        "the variant kernels leave NumPy's results unchanged"
    )
    assert ours["torch"] != theirs["torch"], (
        "the variant kernels leave PyTorch's results unchanged"
    )


@pytest.fixture(scope="module")
def test_run_kernels() -> dict:
    return kernel_config(dict(os.environ))


@pytest.mark.parametrize("path", notebooks(), ids=relative)
def test_stored_outputs_came_from_other_kernels_than_this_run(path, test_run_kernels):
    recorded = (
        nbformat.read(path, as_version=4).metadata.get("dlbook", {}).get("kernels")
    )
    assert recorded, f"{path.name}: no kernels recorded; run `make execute NB=...`"
    assert recorded["openblas"] != test_run_kernels["openblas"], (
        f"{path.name} was executed with the NumPy kernels this test run uses "
        f"({recorded['openblas']}), so nbval cannot tell outputs that depend on "
        "rounding; "
        "unset the variables of tools/blas_kernels.py VARIANT before `make test`"
    )
    assert recorded["mkl_cbwr"] != test_run_kernels["mkl_cbwr"], (
        f"{path.name} was executed with the PyTorch kernels this test run uses"
    )
