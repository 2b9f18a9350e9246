"""Every layer of dlbook.scratch keeps float32: its forward output, the gradient it
returns for its input, and its parameters' gradients are float32 for float32 inputs
and parameters (NumPy 2 promotes an array to float64 when it meets an ``np.float64``
scalar, so a stray ``np.sqrt(d)`` doubles a layer's time and memory)."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import dlbook.scratch as scratch_package
from dlbook.scratch import (
    attention,
    autoencoder,
    conv,
    layers,
    neuron,
    normalization,
    rnn,
)
from dlbook.scratch.layers import Layer

F32 = np.float32


def _rng():
    return np.random.default_rng(0)


# Every Layer subclass in dlbook.scratch: how to build it and a float32 input.
# (layer factory, input factory); the input is float32 unless it holds integer ids.
CASES = {
    "Linear": (lambda: layers.Linear(5, 3, _rng()), (4, 5)),
    "ReLU": (layers.ReLU, (4, 5)),
    "Sigmoid": (layers.Sigmoid, (4, 5)),
    "Tanh": (layers.Tanh, (4, 5)),
    "Dropout": (lambda: layers.Dropout(0.5, _rng()), (4, 5)),
    "Sequential": (
        lambda: layers.Sequential(layers.Linear(5, 6, _rng()), layers.ReLU()),
        (4, 5),
    ),
    "Conv2d": (lambda: conv.Conv2d(2, 3, 3, _rng(), padding=1), (2, 2, 5, 5)),
    "MaxPool2d": (lambda: conv.MaxPool2d(2), (2, 2, 4, 4)),
    "AvgPool2d": (lambda: conv.AvgPool2d(2), (2, 2, 4, 4)),
    "Flatten": (conv.Flatten, (2, 2, 3, 3)),
    "BatchNorm": (lambda: normalization.BatchNorm(3), (4, 3, 2, 2)),
    "RNN": (lambda: rnn.RNN(3, 4, _rng()), (2, 5, 3)),
    "LSTM": (lambda: rnn.LSTM(3, 4, _rng()), (2, 5, 3)),
    "GRU": (lambda: rnn.GRU(3, 4, _rng()), (2, 5, 3)),
    "LastStep": (rnn.LastStep, (2, 5, 3)),
    "Embedding": (lambda: rnn.Embedding(7, 3, _rng()), "ids"),
    "LayerNorm": (lambda: attention.LayerNorm(6), (2, 4, 6)),
    "MultiHeadAttention": (
        lambda: attention.MultiHeadAttention(6, 2, _rng(), causal=True),
        (2, 4, 6),
    ),
    "TransformerBlock": (
        lambda: attention.TransformerBlock(6, 2, _rng(), causal=True),
        (2, 4, 6),
    ),
    "Autoencoder": (lambda: autoencoder.Autoencoder((8, 4, 2), _rng()), (3, 8)),
    "VAE": (lambda: autoencoder.VAE(8, 5, 2, _rng()), (3, 8)),
}


def scratch_layers() -> set[str]:
    """The names of every Layer subclass defined in dlbook.scratch's modules."""
    found = set()
    for module in (attention, autoencoder, conv, layers, normalization, rnn):
        for name, value in vars(module).items():
            if (
                inspect.isclass(value)
                and issubclass(value, Layer)
                and value is not Layer
                and value.__module__ == module.__name__
                and not name.startswith("_")
            ):
                found.add(name)
    return found


def test_every_layer_is_covered():
    assert scratch_package  # the package imports
    assert scratch_layers() == set(CASES), (
        "a Layer of dlbook.scratch has no float32 case (or a case names no layer): "
        f"{scratch_layers() ^ set(CASES)}"
    )


@pytest.mark.parametrize("name", sorted(CASES))
def test_layer_keeps_float32(name):
    make, shape = CASES[name]
    layer = make()
    for key, value in layer.params.items():
        assert value.dtype == F32, f"{name}: parameter {key} is {value.dtype}"
    rng = np.random.default_rng(1)
    if shape == "ids":
        x = rng.integers(0, 7, size=(2, 5))
    else:
        x = rng.standard_normal(shape).astype(F32)
    if name == "VAE":  # its training step is loss_and_backward (the ELBO, 6.10)
        x = rng.uniform(size=shape).astype(F32)
        assert layer.forward(x).dtype == F32, f"{name}: forward gives float64"
        eps = rng.standard_normal((3, 2)).astype(F32)
        layer.loss_and_backward(x, eps)
    else:
        y = layer.forward(x)
        assert y.dtype == F32, f"{name}: forward gives {y.dtype} for float32 input"
        grad_x = layer.backward(rng.standard_normal(y.shape).astype(F32))
        if grad_x is not None:
            assert grad_x.dtype == F32, f"{name}: backward gives {grad_x.dtype}"
    for key, value in layer.grads.items():
        assert value.dtype == F32, f"{name}: gradient of {key} is {value.dtype}"


def test_attention_functions_keep_float32():
    rng = np.random.default_rng(2)
    q, k, v = (rng.standard_normal((2, 3, 4)).astype(F32) for _ in range(3))
    out, cache = attention.attention_forward(q, k, v, attention.causal_mask(3))
    assert out.dtype == F32
    grads = attention.attention_backward(np.ones_like(out), cache)
    assert [g.dtype for g in grads] == [F32] * 3


def test_shared_primitives_keep_float32():
    """The one sigmoid and softmax that every layer calls, and the step functions."""
    rng = np.random.default_rng(3)
    z = (rng.standard_normal((4, 8)) * 50).astype(F32)
    assert neuron.sigmoid(z).dtype == F32
    assert layers.softmax(z).dtype == F32
    x, h, c = (rng.standard_normal((4, 2)).astype(F32) for _ in range(3))
    W_x, W_h, b = (rng.standard_normal(s).astype(F32) for s in [(2, 8), (2, 8), 8])
    h_lstm, c_lstm = rnn.lstm_cell_forward(x, h, c, W_x, W_h, b)
    assert h_lstm.dtype == F32 and c_lstm.dtype == F32
    assert rnn.rnn_step_forward(x, h, W_x[:, :2], W_h[:, :2], b[:2]).dtype == F32
