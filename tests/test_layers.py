"""dlbook.scratch.layers: every backward pass against
finite differences and torch.autograd, in float64."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from dlbook.scratch.layers import (
    Dropout,
    Layer,
    Linear,
    ReLU,
    Sequential,
    Sigmoid,
    Tanh,
    accuracy,
    init_weight,
    log_softmax,
    softmax_cross_entropy,
)
from dlbook.scratch.optim import SGD

from helpers import check_gradients, property_checks, seeds, t64

checks = property_checks(10)
# batch, in, out
shapes = st.tuples(st.integers(1, 6), st.integers(1, 7), st.integers(1, 5))


def check_elementwise(layer, torch_fn, x: np.ndarray, upstream: np.ndarray) -> None:
    """The loss sum(layer(x) * upstream) has dL/d(output) = upstream:
    compare the forward pass with torch and dL/dx three ways."""
    out = layer.forward(x)
    grad = layer.backward(upstream)
    expected = torch_fn(t64(x)).numpy()
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-15)
    check_gradients(
        lambda x: float(np.sum(layer.forward(x) * upstream)),
        lambda x: (torch_fn(x) * t64(upstream)).sum(),
        {"x": x},
        {"x": grad},
    )


@checks
@given(shape=shapes, steps=st.sampled_from([None, 1, 3]), seed=seeds)
def test_linear_backward(shape, steps, seed):
    """Rows (N, in) or every vector of sequences (N, T, in) alike."""
    n, d_in, d_out = shape
    batch = (n,) if steps is None else (n, steps)
    rng = np.random.default_rng(seed)
    layer = Linear(d_in, d_out, rng, dtype=np.float64)
    layer.params["b"][...] = rng.normal(size=d_out)
    x, upstream = rng.normal(size=(*batch, d_in)), rng.normal(size=(*batch, d_out))
    assert layer.forward(x).shape == (*batch, d_out)
    dx = layer.backward(upstream)
    check_gradients(
        lambda x, W, b: float(np.sum((x @ W + b) * upstream)),
        lambda x, W, b: ((x @ W + b) * t64(upstream)).sum(),
        {"x": x, "W": layer.params["W"], "b": layer.params["b"]},
        {"x": dx, "W": layer.grads["W"], "b": layer.grads["b"]},
    )


@checks
@given(shape=shapes, seed=seeds)
def test_activation_backward(shape, seed):
    n, d, _ = shape
    rng = np.random.default_rng(seed)
    x, upstream = rng.normal(size=(n, d)) * 3, rng.normal(size=(n, d))
    check_elementwise(ReLU(), torch.relu, x, upstream)
    check_elementwise(Sigmoid(), torch.sigmoid, x, upstream)
    check_elementwise(Tanh(), torch.tanh, x, upstream)


def test_sigmoid_is_stable_for_large_inputs():
    x = np.array([-1e4, -50.0, 0.0, 50.0, 1e4], dtype=np.float32)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        out = Sigmoid().forward(x)
    np.testing.assert_allclose(
        out, torch.sigmoid(torch.from_numpy(x)).numpy(), rtol=1e-6, atol=0
    )
    assert out.dtype == np.float32


@checks
@given(shape=shapes, seed=seeds, p=st.sampled_from([0.1, 0.5, 0.8]))
def test_dropout_backward_uses_the_forward_mask(shape, seed, p):
    n, d, _ = shape
    rng = np.random.default_rng(seed)
    layer = Dropout(p, np.random.default_rng(seed + 1))
    x, upstream = rng.normal(size=(n, d)), rng.normal(size=(n, d))
    out = layer.forward(x)
    mask = layer.mask
    assert set(np.unique(mask)) <= {0.0, 1 / (1 - p)}
    np.testing.assert_array_equal(out, x * mask)
    grad = layer.backward(upstream)
    # with its mask fixed, dropout is the linear map x -> x * mask
    check_gradients(
        lambda x: float(np.sum(x * mask * upstream)),
        lambda x: (x * t64(mask) * t64(upstream)).sum(),
        {"x": x},
        {"x": grad},
    )


def test_dropout_train_and_eval():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 500)).astype(np.float32)
    layer = Dropout(0.3, rng)
    out = layer.forward(x)
    assert out.dtype == np.float32
    dropped = np.mean(out == 0)
    assert abs(dropped - 0.3) < 0.01  # 200,000 draws: standard error 0.001
    kept = out != 0
    np.testing.assert_allclose(out[kept], x[kept] / 0.7, rtol=1e-6)
    assert not np.array_equal(out, layer.forward(x)), (
        "a new mask for every forward pass"
    )
    layer.eval()
    assert layer.forward(x) is x
    np.testing.assert_array_equal(layer.backward(x), x)
    assert Dropout(0.0, rng).forward(x) is x


def test_inverted_dropout_keeps_the_expectation():
    rng = np.random.default_rng(1)
    x = np.full((2000, 1000), 2.0)
    out = Dropout(0.5, rng).forward(x)
    assert abs(out.mean() - 2.0) < 0.01  # E[out] = x: nothing to rescale at test time


def test_dropout_refuses_bad_probabilities():
    for p in (-0.1, 1.0, 1.5):
        with pytest.raises(ValueError, match="drop probability"):
            Dropout(p, np.random.default_rng(0))


@checks
@given(shape=shapes, seed=seeds)
def test_softmax_cross_entropy_backward(shape, seed):
    n, _, k = shape
    k += 1
    rng = np.random.default_rng(seed)
    logits, labels = rng.normal(size=(n, k)) * 3, rng.integers(0, k, size=n)
    loss, grad = softmax_cross_entropy(logits, labels)
    labels_t = torch.from_numpy(labels)
    expected = torch.nn.functional.cross_entropy(t64(logits), labels_t)
    assert loss == pytest.approx(expected.item(), rel=1e-12)
    check_gradients(
        lambda z: softmax_cross_entropy(z, labels)[0],
        lambda z: torch.nn.functional.cross_entropy(z, labels_t),
        {"z": logits},
        {"z": grad},
    )


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_softmax_cross_entropy_is_stable_for_huge_logits(dtype):
    rng = np.random.default_rng(3)
    logits = (rng.choice([-1e4, 1e4], size=(8, 5)) + rng.normal(size=(8, 5))).astype(
        dtype
    )
    labels = rng.integers(0, 5, size=8)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        loss, grad = softmax_cross_entropy(logits, labels)
    zt = torch.tensor(logits, requires_grad=True)
    loss_t = torch.nn.functional.cross_entropy(zt, torch.from_numpy(labels))
    loss_t.backward()
    assert np.isfinite(loss) and np.all(np.isfinite(grad))
    assert grad.dtype == dtype
    rtol = 1e-12 if dtype == np.float64 else 1e-5
    assert loss == pytest.approx(loss_t.item(), rel=rtol)
    np.testing.assert_allclose(grad, zt.grad.numpy(), rtol=rtol, atol=1e-7)


def test_log_softmax_matches_torch():
    z = np.random.default_rng(4).normal(size=(3, 4)) * 100
    np.testing.assert_allclose(
        log_softmax(z), torch.log_softmax(t64(z), dim=-1).numpy(), rtol=1e-12
    )


@checks
@given(seed=seeds, hidden=st.integers(1, 6), n=st.integers(1, 5))
def test_sequential_mlp_backward(seed, hidden, n):
    rng = np.random.default_rng(seed)
    model = Sequential(
        Linear(4, hidden, rng, dtype=np.float64),
        Tanh(),
        Linear(hidden, hidden, rng, dtype=np.float64),
        ReLU(),
        Linear(hidden, 3, rng, dtype=np.float64),
    )
    for b in (model.params["0.b"], model.params["2.b"], model.params["4.b"]):
        b[...] = rng.normal(size=b.shape) * 0.1
    x, labels = rng.normal(size=(n, 4)), rng.integers(0, 3, size=n)
    _, grad = softmax_cross_entropy(model.forward(x), labels)
    dx = model.backward(grad)
    assert sorted(model.params) == ["0.W", "0.b", "2.W", "2.b", "4.W", "4.b"]
    labels_t = torch.from_numpy(labels)

    def loss(x, **params):
        for name, value in params.items():
            model.params[name.replace("_", ".")][...] = value
        return softmax_cross_entropy(model.forward(x), labels)[0]

    def torch_loss(x, **p):
        h = torch.tanh(x @ p["0_W"] + p["0_b"])
        h = torch.relu(h @ p["2_W"] + p["2_b"])
        logits = h @ p["4_W"] + p["4_b"]
        return torch.nn.functional.cross_entropy(logits, labels_t)

    # names without dots, to pass them as keyword arguments
    params = {k.replace(".", "_"): v.copy() for k, v in model.params.items()}
    grads = {k.replace(".", "_"): v.copy() for k, v in model.grads.items()}
    check_gradients(loss, torch_loss, {"x": x} | params, {"x": dx} | grads)


def test_gradients_are_written_in_place():
    rng = np.random.default_rng(5)
    model = Sequential(Linear(3, 4, rng, input_grad=False), ReLU(), Linear(4, 2, rng))
    arrays = {k: id(v) for k, v in model.grads.items()}
    for _ in range(2):
        x = rng.normal(size=(5, 3)).astype(np.float32)
        _, grad = softmax_cross_entropy(model.forward(x), np.zeros(5, dtype=int))
        assert model.backward(grad) is None  # the first layer skips dL/dx
    assert {k: id(v) for k, v in model.grads.items()} == arrays
    assert all(
        model.params[k] is model.layers[int(k[0])].params[k[2:]] for k in model.params
    )


def test_float32_stays_float32():
    rng = np.random.default_rng(6)
    model = Sequential(
        Linear(5, 4, rng),
        Sigmoid(),
        Linear(4, 4, rng),
        Tanh(),
        Dropout(0.5, rng),
        Linear(4, 3, rng),
        ReLU(),
    )
    x = rng.normal(size=(6, 5)).astype(np.float32)
    out = model.forward(x)
    assert out.dtype == np.float32
    assert model.backward(np.ones_like(out)).dtype == np.float32
    assert all(g.dtype == np.float32 for g in model.grads.values())


def test_train_and_eval_reach_every_layer():
    rng = np.random.default_rng(7)
    model = Sequential(Linear(2, 2, rng), Dropout(0.5, rng))
    model.eval()
    assert not model.training and not model.layers[1].training
    model.train()
    assert model.layers[1].training


class Block(Layer):
    """A custom layer holding a child layer in an attribute and more in a list."""

    def __init__(self, head: Layer, stages: list[Layer], rng: np.random.Generator):
        super().__init__()
        self.set_params(scale=np.ones(3))
        self.head = head
        self.stages = stages
        self.drop = Dropout(0.5, rng)

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.x = self.head.forward(x)
        for stage in self.stages:
            self.x = stage.forward(self.x)
        return self.drop.forward(self.x * self.own_params["scale"])

    def backward(self, grad: np.ndarray) -> np.ndarray:
        grad = self.drop.backward(grad)
        self.own_grads["scale"][...] = (grad * self.x).sum(axis=0)
        grad = grad * self.own_params["scale"]
        for stage in reversed(self.stages):
            grad = stage.backward(grad)
        return self.head.backward(grad)


def nested_model(rng: np.random.Generator):
    """Sequentials in a Sequential, then a Block whose list holds the same Linear twice
    (and a Sequential): the shared layer's parameters must be collected once."""
    shared = Linear(3, 3, rng, dtype=np.float64)
    model = Sequential(
        Sequential(Linear(4, 3, rng, dtype=np.float64), Dropout(0.5, rng)),
        ReLU(),
        Sequential(Linear(3, 3, rng, dtype=np.float64), Dropout(0.5, rng)),
        Block(
            Linear(3, 3, rng, dtype=np.float64),
            [shared, Sequential(Tanh(), Dropout(0.5, rng)), shared],
            rng,
        ),
    )
    return model, shared


def all_layers(layer: Layer) -> list[Layer]:
    """``layer`` and every layer below it, depth first."""
    found = [layer]
    for child in layer.children().values():
        found += all_layers(child)
    return found


def test_train_and_eval_reach_every_layer_of_nested_containers():
    model, _ = nested_model(np.random.default_rng(9))
    layers = all_layers(model)
    dropouts = [layer for layer in layers if isinstance(layer, Dropout)]
    assert len(dropouts) == 4
    assert model.eval() is model
    assert not any(layer.training for layer in layers)
    x = np.random.default_rng(10).normal(size=(5, 4))
    np.testing.assert_array_equal(model.forward(x), model.forward(x))
    model.train()
    assert all(layer.training for layer in layers)
    model.forward(x)
    assert all(d.mask is not None for d in dropouts)


def test_nested_params_are_collected_once_with_stable_dotted_names():
    model, shared = nested_model(np.random.default_rng(11))
    expected = [
        "0.0.W",
        "0.0.b",
        "2.0.W",
        "2.0.b",
        "3.scale",
        "3.head.W",
        "3.head.b",
        "3.stages.0.W",
        "3.stages.0.b",
    ]
    assert list(model.params) == expected
    assert list(model.grads) == expected
    assert list(nested_model(np.random.default_rng(12))[0].params) == expected
    assert model.params["3.stages.0.W"] is shared.own_params["W"]
    assert model.grads["3.stages.0.W"] is shared.own_grads["W"]
    ids = [id(p) for p in model.params.values()] + [id(g) for g in model.grads.values()]
    assert len(set(ids)) == len(ids)


def test_an_optimizer_on_nested_params_updates_every_nested_layer():
    rng = np.random.default_rng(13)
    model, shared = nested_model(rng)
    model.eval()
    before = {k: v.copy() for k, v in model.params.items()}
    optimizer = SGD(model.params, model.grads, lr=0.1)
    x, labels = rng.normal(size=(6, 4)), rng.integers(0, 3, size=6)
    _, grad = softmax_cross_entropy(model.forward(x), labels)
    model.backward(grad)
    optimizer.step()
    for name, param in model.params.items():
        assert not np.array_equal(param, before[name]), name
    # the shared Linear's arrays were updated in place, where both of its uses see them
    assert shared.own_params["W"] is model.params["3.stages.0.W"]
    np.testing.assert_allclose(
        shared.own_params["W"], before["3.stages.0.W"] - 0.1 * shared.own_grads["W"]
    )


def test_init_weight_variances():
    rng = np.random.default_rng(8)
    for init, variance in [
        ("he", 2 / 784),
        ("xavier", 2 / (784 + 256)),
        ("normal", 1.0),
    ]:
        w = init_weight(784, 256, rng, init)
        assert w.shape == (784, 256) and w.dtype == np.float32
        assert w.var() == pytest.approx(variance, rel=0.02)
        assert abs(w.mean()) < 0.01 * np.sqrt(variance) * 10
    with pytest.raises(ValueError, match="init must be one of"):
        init_weight(2, 2, rng, "uniform")


def test_accuracy():
    logits = np.array([[2.0, 1.0], [0.0, 3.0], [1.0, 0.0]])
    assert accuracy(logits, np.array([0, 1, 1])) == pytest.approx(2 / 3)
