"""dlbook.scratch.optim: SGD with momentum,
Adam and the learning-rate schedules against torch.optim."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from dlbook.scratch.layers import Linear, ReLU, Sequential, softmax_cross_entropy
from dlbook.scratch.optim import SGD, Adam, ExponentialDecay, StepDecay

from helpers import property_checks, seeds

checks = property_checks(10)


def run_both(make_ours, make_torch, seed: int, steps: int = 6):
    """Feed the same random gradients to our optimizer and torch's;
    return both parameter sets."""
    rng = np.random.default_rng(seed)
    params = {"W": rng.normal(size=(3, 4)), "b": rng.normal(size=4)}
    grads = {k: np.zeros_like(v) for k, v in params.items()}
    tensors = {k: torch.tensor(v.copy(), requires_grad=True) for k, v in params.items()}
    ours, theirs = make_ours(params, grads), make_torch(list(tensors.values()))
    for _ in range(steps):
        for k in params:
            grads[k][...] = rng.normal(size=params[k].shape)
            tensors[k].grad = torch.tensor(grads[k].copy())
        ours.step()
        theirs.step()
    return params, {k: t.detach().numpy() for k, t in tensors.items()}


# (ours, torch's, hyperparameter strategies, rtol, atol): the same random gradients
# must lead both to the same parameters.
OPTIMIZER_PAIRS = [
    pytest.param(
        SGD,
        torch.optim.SGD,
        {
            "lr": st.floats(1e-3, 0.5),
            "momentum": st.sampled_from([0.0, 0.5, 0.9]),
            "weight_decay": st.sampled_from([0.0, 1e-2]),
        },
        1e-12,
        1e-14,
        id="sgd-momentum",
    ),
    pytest.param(
        Adam,
        torch.optim.Adam,
        {
            "lr": st.floats(1e-4, 0.1),
            "betas": st.sampled_from([(0.9, 0.999), (0.8, 0.99)]),
            "weight_decay": st.sampled_from([0.0, 1e-2]),
        },
        1e-10,
        1e-12,
        id="adam",
    ),
]


@pytest.mark.parametrize("ours_cls, torch_cls, hyper, rtol, atol", OPTIMIZER_PAIRS)
@checks
@given(seed=seeds, data=st.data())
def test_optimizer_matches_torch(ours_cls, torch_cls, hyper, rtol, atol, seed, data):
    kwargs = data.draw(st.fixed_dictionaries(hyper))
    ours, theirs = run_both(
        lambda p, g: ours_cls(p, g, **kwargs),
        lambda p: torch_cls(p, **kwargs),
        seed,
    )
    for k in ours:
        np.testing.assert_allclose(ours[k], theirs[k], rtol=rtol, atol=atol)


def test_first_adam_step_moves_each_weight_by_about_lr():
    params, grads = (
        {"w": np.array([1.0, -2.0, 3.0])},
        {"w": np.array([1e-3, -5.0, 300.0])},
    )
    Adam(
        params, grads, lr=0.01
    ).step()  # m_hat / sqrt(v_hat) = sign(g) on the first step
    np.testing.assert_allclose(params["w"], [0.99, -1.99, 2.99], rtol=1e-6, atol=1e-5)


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (
            lambda o: StepDecay(o, step_size=3, gamma=0.5),
            lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=3, gamma=0.5),
        ),
        (
            lambda o: ExponentialDecay(o, gamma=0.8),
            lambda o: torch.optim.lr_scheduler.ExponentialLR(o, gamma=0.8),
        ),
    ],
)
def test_schedules_match_torch(ours, theirs):
    params = {"w": np.zeros(2)}
    optimizer = SGD(params, {"w": np.zeros(2)}, lr=0.1)
    torch_optimizer = torch.optim.SGD([torch.zeros(2, requires_grad=True)], lr=0.1)
    schedule, torch_schedule = ours(optimizer), theirs(torch_optimizer)
    for _ in range(10):
        torch_optimizer.step()
        schedule.step()
        torch_schedule.step()
        assert optimizer.lr == pytest.approx(
            torch_optimizer.param_groups[0]["lr"], rel=1e-12
        )


def test_optimizer_updates_a_model_in_place():
    rng = np.random.default_rng(0)
    model = Sequential(Linear(6, 8, rng), ReLU(), Linear(8, 3, rng))
    x, labels = rng.normal(size=(64, 6)).astype(np.float32), rng.integers(0, 3, size=64)
    optimizer = Adam(model.params, model.grads, lr=0.03)
    arrays = {k: id(v) for k, v in model.params.items()}
    losses = []
    for _ in range(200):
        loss, grad = softmax_cross_entropy(model.forward(x), labels)
        model.backward(grad)
        optimizer.step()
        losses.append(loss)
    assert {k: id(v) for k, v in model.params.items()} == arrays
    assert all(v.dtype == np.float32 for v in model.params.values())
    assert losses[-1] < 0.5 * losses[0]  # it memorizes the random labels


def test_mismatched_keys_are_refused():
    with pytest.raises(KeyError, match="same keys"):
        SGD({"w": np.zeros(1)}, {"v": np.zeros(1)}, lr=0.1)
