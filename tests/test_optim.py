"""dlbook.scratch.optim: SGD with momentum, Adam, the learning-rate schedules and
clipping by global norm against torch.optim and torch.nn.utils."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from dlbook.scratch.layers import Linear, ReLU, Sequential
from dlbook.scratch.optim import (
    SGD,
    Adam,
    CosineDecay,
    ExponentialDecay,
    StepDecay,
    clip_grad_norm,
    global_norm,
)

from helpers import property_checks, seeds, train_full_batch

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
        (
            lambda o: CosineDecay(o, total_steps=10),
            lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=10),
        ),
    ],
    ids=["step", "exponential", "cosine"],
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
    losses = train_full_batch(model, optimizer, x, labels, steps=200)
    assert {k: id(v) for k, v in model.params.items()} == arrays
    assert all(v.dtype == np.float32 for v in model.params.values())
    assert losses[-1] < 0.5 * losses[0]  # it memorizes the random labels


def test_mismatched_keys_are_refused():
    with pytest.raises(KeyError, match="same keys"):
        SGD({"w": np.zeros(1)}, {"v": np.zeros(1)}, lr=0.1)


def test_cosine_decay_from_the_start_through_the_midpoint_to_zero():
    optimizer = SGD({"w": np.zeros(1)}, {"w": np.zeros(1)}, lr=0.4)
    schedule = CosineDecay(optimizer, total_steps=8)
    rates = [optimizer.lr]  # step 0: the starting rate, untouched
    for _ in range(8):
        schedule.step()
        rates.append(optimizer.lr)
    assert rates[0] == 0.4
    assert rates[1] == pytest.approx(0.2 * (1 + np.cos(np.pi / 8)), rel=1e-12)
    assert rates[4] == pytest.approx(0.2, rel=1e-12)  # half way: half the rate
    assert rates[8] == pytest.approx(0.0, abs=1e-15)  # the end: zero
    assert all(a > b for a, b in zip(rates, rates[1:]))  # falls at every step
    # symmetric about the midpoint: lr(k) + lr(total - k) = lr_0
    for k in range(9):
        assert rates[k] + rates[8 - k] == pytest.approx(0.4, rel=1e-12)


@pytest.mark.parametrize("max_norm", [0.1, 1.0, 5.0, 1e3])
def test_clip_grad_norm_matches_torch(max_norm):
    rng = np.random.default_rng(11)
    grads = [rng.normal(size=s) for s in [(3, 4), (5,), (2, 2, 2)]]
    tensors = [
        torch.zeros(g.shape, dtype=torch.float64, requires_grad=True) for g in grads
    ]
    for t, g in zip(tensors, grads, strict=True):
        t.grad = torch.from_numpy(g.copy())
    expected = float(torch.nn.utils.clip_grad_norm_(tensors, max_norm))
    norm = clip_grad_norm({str(i): g for i, g in enumerate(grads)}, max_norm)
    assert abs(norm - expected) < 1e-12
    for t, g in zip(tensors, grads, strict=True):
        np.testing.assert_allclose(g, t.grad.numpy(), rtol=1e-12)
    if expected > max_norm:  # scaled down to max_norm (torch adds 1e-6 to the norm)
        assert global_norm(grads) == pytest.approx(max_norm, rel=1e-5)
    else:  # left alone
        assert global_norm(grads) == pytest.approx(expected, rel=1e-12)


def test_clipping_scales_every_array_by_one_factor_and_keeps_the_direction():
    grads = [np.array([3.0, 0.0]), np.array([[0.0], [4.0]])]  # global norm 5
    assert clip_grad_norm(grads, 1.0) == 5.0
    np.testing.assert_allclose(grads[0], [0.6, 0.0], rtol=1e-6)
    np.testing.assert_allclose(grads[1], [[0.0], [0.8]], rtol=1e-6)
    assert clip_grad_norm(grads, 2.0) == pytest.approx(1.0, rel=1e-6)
    np.testing.assert_allclose(grads[0], [0.6, 0.0], rtol=1e-6)  # under 2: untouched
