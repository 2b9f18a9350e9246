"""Time and memory against batch size (MLP, CNN) and sequence length (attention),
with the exponent of a power law fitted on log axes."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from dlbook.scratch.attention import attention_backward, attention_forward
from dlbook.scratch.layers import Linear, ReLU, Sequential, softmax_cross_entropy

from .operations import _numpy_cnn, _torch_cnn
from .timing import (
    interleaved_times,
    numpy_peak_bytes,
    settle,
    torch_saved_bytes,
)


def fitted_exponent(xs, ys) -> float:
    """The slope of ``log y`` against ``log x`` (least squares): ``y ~ x^slope``."""
    return float(np.polyfit(np.log(xs), np.log(ys), 1)[0])


def _numpy_train_step(model, x, y):
    _, grad = softmax_cross_entropy(model.forward(x), y)
    model.backward(grad)


def _torch_train_step(net, x, y):
    net.zero_grad(set_to_none=True)
    F.cross_entropy(net(x), y).backward()


def _series(points, xs, key) -> dict:
    ys = [p[key] for p in points]
    return {"x": list(xs), "y": ys, "exponent": fitted_exponent(xs, ys)}


def batch_scaling(model_name: str, sizes, rng, quick: bool = False) -> dict:
    """One forward + backward pass of the chapter's model (no update) at each batch
    size, NumPy and torch: median time, NumPy's peak allocation, torch's saved
    tensors."""
    if model_name == "MLP":
        model = Sequential(
            Linear(784, 256, rng, input_grad=False), ReLU(), Linear(256, 10, rng)
        )
        net = torch.nn.Sequential(
            torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Linear(256, 10)
        )
        shape = (784,)
    else:
        model, net, shape = _numpy_cnn(rng), _torch_cnn(), (1, 28, 28)
    points = []
    for n in sizes:
        x = rng.standard_normal((n, *shape), dtype=np.float32)
        y = rng.integers(0, 10, n)
        xt, yt = torch.from_numpy(x), torch.from_numpy(y)
        np_step = lambda x=x, y=y: _numpy_train_step(model, x, y)  # noqa: E731
        t_step = lambda x=xt, y=yt: _torch_train_step(net, x, y)  # noqa: E731
        budget = 0.05 if quick else 1.2
        timing = interleaved_times({"numpy": np_step}, 1, 9, budget, 3)
        settle()
        timing |= interleaved_times({"torch": t_step}, 1, 9, budget, 3)
        settle()
        points.append(
            {
                "numpy_s": timing["numpy"]["median_s"],
                "torch_s": timing["torch"]["median_s"],
                "numpy_bytes": numpy_peak_bytes(np_step),
                "torch_bytes": torch_saved_bytes(lambda x=xt: net(x)),
            }
        )
    return _collect(points, sizes, "batch size")


def _collect(points, xs, variable) -> dict:
    keys = points[0].keys()
    return {
        "variable": variable,
        "points": [{variable: x, **p} for x, p in zip(xs, points)],
        "series": {key: _series(points, xs, key) for key in keys},
    }


def _naive_torch_attention(q, k, v):
    scores = q @ k.transpose(-1, -2) / q.shape[-1] ** 0.5
    return torch.softmax(scores, dim=-1) @ v


def attention_scaling(lengths, rng, n=4, heads=4, d=32, quick: bool = False) -> dict:
    """Forward + backward of attention at each sequence length: NumPy (naive, the
    ``(T, T)`` weights in memory), torch naive (the same algorithm) and torch's fused
    ``scaled_dot_product_attention``."""
    points = []
    for t in lengths:
        q, k, v, g = (
            rng.standard_normal((n, heads, t, d), dtype=np.float32) for _ in range(4)
        )
        qt, kt, vt = (torch.from_numpy(a).requires_grad_(True) for a in (q, k, v))
        gt = torch.from_numpy(g)

        def numpy_fb(q=q, k=k, v=v, g=g):
            _, cache = attention_forward(q, k, v)
            return attention_backward(g, cache)

        def torch_fb(fn, qt=qt, kt=kt, vt=vt, gt=gt):
            return torch.autograd.grad(fn(qt, kt, vt), (qt, kt, vt), gt)

        budget = 0.05 if quick else 1.5
        timing = interleaved_times({"numpy": numpy_fb}, 1, 7, budget, 3)
        settle()
        timing |= interleaved_times(
            {
                "torch_naive": lambda: torch_fb(_naive_torch_attention),
                "torch_fused": lambda: torch_fb(F.scaled_dot_product_attention),
            },
            1,
            7,
            budget,
            3,
        )
        settle()
        points.append(
            {
                **{f"{k}_s": v["median_s"] for k, v in timing.items()},
                "numpy_bytes": numpy_peak_bytes(numpy_fb),
                "torch_naive_bytes": torch_saved_bytes(
                    lambda qt=qt, kt=kt, vt=vt: _naive_torch_attention(qt, kt, vt)
                ),
                "torch_fused_bytes": torch_saved_bytes(
                    lambda qt=qt, kt=kt, vt=vt: F.scaled_dot_product_attention(
                        qt, kt, vt
                    )
                ),
            }
        )
    result = _collect(points, lengths, "sequence length")
    result["shape"] = f"batch {n}, {heads} heads, d_head {d}"
    return result


def scaling_parts(rng, quick: bool = False) -> list:
    """``(name, measure)`` for each scaling study; ``measure()`` runs it."""
    if quick:
        return [
            ("MLP", lambda: batch_scaling("MLP", [4, 8, 16], rng, quick)),
            ("CNN", lambda: batch_scaling("CNN", [2, 4], rng, quick)),
            ("attention", lambda: attention_scaling([8, 16, 32], rng, 1, 2, 8, quick)),
        ]
    return [
        ("MLP", lambda: batch_scaling("MLP", [16, 32, 64, 128, 256, 512, 1024], rng)),
        ("CNN", lambda: batch_scaling("CNN", [8, 16, 32, 64, 128, 256], rng)),
        ("attention", lambda: attention_scaling([128, 256, 512, 1024, 2048], rng)),
    ]
