"""dlbook.scratch.rnn: RNN, LSTM and GRU against torch.nn.RNN / LSTM / GRU with copied
weights (outputs, final states and every gradient, float64), and against finite
differences; the step functions; the embedding, sampling with temperature; the chapter
4 references."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from dlbook.gradcheck import relative_error
from dlbook.grading.reference import optim as optim_reference
from dlbook.grading.reference import rnn as reference
from dlbook.scratch import neuron, optim, rnn
from dlbook.scratch.rnn import (
    GRU,
    LSTM,
    RNN,
    Embedding,
    LastStep,
    clip_grad_norm,
    lstm_cell_forward,
    rnn_step_backward,
    rnn_step_forward,
    sample_with_temperature,
    sigmoid,
)

from helpers import TORCH_TOLERANCE as TOL
from helpers import check_gradients

SHAPES = [(1, 1, 1, 1), (2, 5, 3, 4), (3, 7, 2, 6), (4, 3, 5, 3)]  # (N, T, D, H)
TORCH = {RNN: nn.RNN, LSTM: nn.LSTM, GRU: nn.GRU}


def make(cls, D, H, seed):
    layer = cls(D, H, np.random.default_rng(seed), dtype=np.float64)
    # nonzero everywhere, larger than at init
    for name, value in layer.own_params.items():
        value_rng = np.random.default_rng(seed + 1 + len(name))
        value[...] = value_rng.normal(0, 0.5, value.shape)
    return layer


def to_torch(layer):
    """A torch module of the same kind with the layer's weights copied (float64)."""
    p = layer.own_params
    D, H = p["W_x"].shape[0], layer.hidden_size
    module = TORCH[type(layer)](D, H, batch_first=True).double()
    with torch.no_grad():
        module.weight_ih_l0.copy_(torch.from_numpy(p["W_x"].T))
        module.weight_hh_l0.copy_(torch.from_numpy(p["W_h"].T))
        module.bias_ih_l0.copy_(torch.from_numpy(p["b"]))
        module.bias_hh_l0.copy_(torch.from_numpy(p.get("b_h", np.zeros_like(p["b"]))))
    return module


def initial_state(cls, N, H, rng):
    if cls is LSTM:
        return rng.normal(size=(N, H)), rng.normal(size=(N, H))
    return rng.normal(size=(N, H))


def torch_state(state):
    if isinstance(state, tuple):
        return tuple(torch.tensor(s[None], requires_grad=True) for s in state)
    return torch.tensor(state[None], requires_grad=True)


def final_of(out):
    return out if isinstance(out, tuple) else (out,)


@pytest.mark.parametrize("cls", [RNN, LSTM, GRU])
@pytest.mark.parametrize("shape", SHAPES)
def test_forward_and_backward_match_torch(cls, shape):
    N, T, D, H = shape
    rng = np.random.default_rng(sum(shape))
    layer = make(cls, D, H, seed=T)
    x, state = rng.normal(size=(N, T, D)), initial_state(cls, N, H, rng)
    grad_out = rng.normal(size=(N, T, H))
    grad_final = tuple(rng.normal(size=(N, H)) for _ in final_of(state))
    out = layer.forward(x, state)
    grad_final_arg = grad_final if cls is LSTM else grad_final[0]
    dx = layer.backward(grad_out, grad_final_arg)

    module = to_torch(layer)
    xt, st = torch.tensor(x, requires_grad=True), torch_state(state)
    out_t, final_t = module(xt, st)
    assert relative_error(out, out_t.detach().numpy()) < TOL
    for ours, theirs in zip(
        final_of(layer.final_state), final_of(final_t), strict=True
    ):
        assert relative_error(ours, theirs[0].detach().numpy()) < TOL
    loss = (out_t * torch.from_numpy(grad_out)).sum() + sum(
        (f[0] * torch.from_numpy(g)).sum()
        for f, g in zip(final_of(final_t), grad_final, strict=True)
    )
    loss.backward()
    assert relative_error(dx, xt.grad.numpy()) < TOL
    for ours, theirs in zip(
        final_of(layer.grad_initial_state), final_of(st), strict=True
    ):
        assert relative_error(ours, theirs.grad[0].numpy()) < TOL
    g = layer.own_grads
    assert relative_error(g["W_x"], module.weight_ih_l0.grad.numpy().T) < TOL
    assert relative_error(g["W_h"], module.weight_hh_l0.grad.numpy().T) < TOL
    if cls is GRU:
        assert relative_error(g["b"], module.bias_ih_l0.grad.numpy()) < TOL
        assert relative_error(g["b_h"], module.bias_hh_l0.grad.numpy()) < TOL
    else:  # b = bias_ih + bias_hh: both have the same gradient
        assert relative_error(g["b"], module.bias_ih_l0.grad.numpy()) < TOL
        assert relative_error(g["b"], module.bias_hh_l0.grad.numpy()) < TOL


def torch_sequence_loss(layer, weights):
    """``sum(outputs * weights)`` of the torch layer of ``layer``'s kind, as a function
    of x and our parameters (None for the GRU of 2014, which torch does not have)."""
    if isinstance(layer, GRU) and not layer.reset_after:
        return None
    module = to_torch(layer)

    def loss(x, W_x, W_h, b, b_h=None):
        params = {
            "weight_ih_l0": W_x.T,
            "weight_hh_l0": W_h.T,
            "bias_ih_l0": b,
            "bias_hh_l0": torch.zeros_like(b) if b_h is None else b_h,
        }
        out, _ = torch.func.functional_call(module, params, (x,))
        return (out * torch.from_numpy(weights)).sum()

    return loss


@pytest.mark.parametrize(
    "make_layer",
    [
        lambda r: RNN(2, 3, r, np.float64),
        lambda r: LSTM(2, 3, r, np.float64, forget_bias=1.0),
        lambda r: GRU(2, 3, r, np.float64),
        lambda r: GRU(2, 3, r, np.float64, reset_after=False),
    ],
    ids=["rnn", "lstm", "gru", "gru-2014"],
)
def test_gradients_three_ways(make_layer):
    rng = np.random.default_rng(5)
    layer = make_layer(rng)
    x, weights = rng.normal(size=(2, 4, 2)), rng.normal(size=(2, 4, 3))
    layer.forward(x)
    grad_x = layer.backward(weights)

    def loss(x, **params):
        for name, value in params.items():
            layer.own_params[name][...] = value
        return float(np.sum(layer.forward(x) * weights))

    inputs = {"x": x} | {k: v.copy() for k, v in layer.own_params.items()}
    grads = {"x": grad_x} | {k: v.copy() for k, v in layer.own_grads.items()}
    check_gradients(loss, torch_sequence_loss(layer, weights), inputs, grads)


def test_gru_2014_differs_from_torch_and_matches_its_equations():
    rng = np.random.default_rng(8)
    paper = make(GRU, 3, 4, seed=3)
    paper.reset_after = False
    x, h = rng.normal(size=(2, 5, 3)), rng.normal(size=(2, 4))
    out = paper.forward(x, h)
    torch_out, _ = to_torch(paper)(torch.from_numpy(x), torch.from_numpy(h[None]))
    assert relative_error(out, torch_out.detach().numpy()) > 1e-2
    p, H = paper.own_params, 4
    for t in range(5):  # Cho et al. (2014), written out
        a = x[:, t] @ p["W_x"] + p["b"]
        r = 1 / (1 + np.exp(-(a[:, :H] + h @ p["W_h"][:, :H] + p["b_h"][:H])))
        z = 1 / (
            1
            + np.exp(
                -(a[:, H : 2 * H] + h @ p["W_h"][:, H : 2 * H] + p["b_h"][H : 2 * H])
            )
        )
        n = np.tanh(a[:, 2 * H :] + (r * h) @ p["W_h"][:, 2 * H :] + p["b_h"][2 * H :])
        h = (1 - z) * n + z * h
        np.testing.assert_allclose(out[:, t], h, rtol=1e-12, atol=1e-12)


def test_step_functions_match_the_layers():
    rng = np.random.default_rng(9)
    x, h0, c0 = (
        rng.normal(size=(3, 1, 2)),
        rng.normal(size=(3, 4)),
        rng.normal(size=(3, 4)),
    )
    rnn, lstm = make(RNN, 2, 4, 1), make(LSTM, 2, 4, 2)
    p = rnn.own_params
    h = rnn_step_forward(x[:, 0], h0, p["W_x"], p["W_h"], p["b"])
    np.testing.assert_allclose(h, rnn.forward(x, h0)[:, 0], atol=1e-12)
    grad_h = rng.normal(size=(3, 4))
    dx, dh0, dW_x, dW_h, db = rnn_step_backward(
        grad_h, x[:, 0], h0, h, p["W_x"], p["W_h"]
    )
    np.testing.assert_allclose(dx, rnn.backward(grad_h[:, None])[:, 0], atol=1e-12)
    np.testing.assert_allclose(dh0, rnn.grad_initial_state, atol=1e-12)
    for ours, name in [(dW_x, "W_x"), (dW_h, "W_h"), (db, "b")]:
        np.testing.assert_allclose(ours, rnn.own_grads[name], atol=1e-12)
    q = lstm.own_params
    h, c = lstm_cell_forward(x[:, 0], h0, c0, q["W_x"], q["W_h"], q["b"])
    lstm.forward(x, (h0, c0))
    np.testing.assert_allclose(h, lstm.final_state[0], atol=1e-12)
    np.testing.assert_allclose(c, lstm.final_state[1], atol=1e-12)
    # the gates it keeps on request, (4.11): what lstm_cell_backward needs
    gates = np.empty((3, 16))
    lstm_cell_forward(x[:, 0], h0, c0, q["W_x"], q["W_h"], q["b"], gates=gates)
    a = x[:, 0] @ q["W_x"] + h0 @ q["W_h"] + q["b"]
    expected = np.hstack([sigmoid(a[:, :8]), np.tanh(a[:, 8:12]), sigmoid(a[:, 12:])])
    np.testing.assert_allclose(gates, expected, atol=1e-15)
    np.testing.assert_allclose(lstm.gate_values[:, 0], expected, atol=1e-15)


def test_one_sigmoid_and_one_clipping_reached_from_here_too():
    assert rnn.sigmoid is neuron.sigmoid
    assert rnn.clip_grad_norm is optim.clip_grad_norm
    assert rnn.global_norm is optim.global_norm


def test_embedding_is_one_hot_times_matrix_and_its_gradient_adds_up():
    rng = np.random.default_rng(10)
    emb = Embedding(7, 3, rng, dtype=np.float64)
    ids = rng.integers(0, 7, size=(4, 5))
    one_hot = np.eye(7)[ids]
    np.testing.assert_allclose(
        emb.forward(ids), one_hot @ emb.own_params["W"], atol=1e-15
    )
    grad = rng.normal(size=(4, 5, 3))
    assert emb.backward(grad) is None
    expected = one_hot.reshape(-1, 7).T @ grad.reshape(-1, 3)
    np.testing.assert_allclose(emb.own_grads["W"], expected, atol=1e-12)


def test_last_step_forward_and_backward():
    x = np.arange(24.0).reshape(2, 3, 4)
    layer = LastStep()
    np.testing.assert_array_equal(layer.forward(x), x[:, -1])
    back = layer.backward(np.ones((2, 4)))
    assert back.shape == x.shape and back[:, -1].sum() == 8 and back[:, :-1].sum() == 0


def test_sampling_with_temperature_follows_the_softmax():
    logits = np.array([2.0, 1.0, 0.0, -1.0])
    for temperature in [0.5, 1.0, 2.0]:
        rng = np.random.default_rng(12)
        draws = [
            sample_with_temperature(logits, temperature, rng) for _ in range(20000)
        ]
        freq = np.bincount(draws, minlength=4) / len(draws)
        expected = reference.temperature_probabilities(logits, temperature)
        assert np.abs(freq - expected).max() < 0.015
    with pytest.raises(ValueError):
        sample_with_temperature(logits, 0.0, np.random.default_rng(0))


def test_references_agree_with_the_scratch_code():
    rng = np.random.default_rng(13)
    N, D, H = 3, 4, 5
    x, h_prev, c_prev = (
        rng.normal(size=(N, D)),
        rng.normal(size=(N, H)),
        rng.normal(size=(N, H)),
    )
    W_x, W_h, b = rng.normal(size=(D, H)), rng.normal(size=(H, H)), rng.normal(size=H)
    h = rnn_step_forward(x, h_prev, W_x, W_h, b)
    np.testing.assert_allclose(
        reference.rnn_step_forward(x, h_prev, W_x, W_h, b), h, atol=1e-12
    )
    grad_h = rng.normal(size=(N, H))
    for ours, theirs in zip(
        rnn_step_backward(grad_h, x, h_prev, h, W_x, W_h),
        reference.rnn_step_backward(grad_h, x, h_prev, W_x, W_h, b),
        strict=True,
    ):
        np.testing.assert_allclose(ours, theirs, atol=1e-12)
    W_x4, W_h4, b4 = (
        rng.normal(size=(D, 4 * H)),
        rng.normal(size=(H, 4 * H)),
        rng.normal(size=4 * H),
    )
    for ours, theirs in zip(
        lstm_cell_forward(x, h_prev, c_prev, W_x4, W_h4, b4),
        reference.lstm_cell_forward(x, h_prev, c_prev, W_x4, W_h4, b4),
        strict=True,
    ):
        np.testing.assert_allclose(ours, theirs, atol=1e-12)
    grads = [rng.normal(size=(3, 3)), rng.normal(size=4)]
    expected = optim_reference.clip_by_global_norm(grads, 0.5)
    clip_grad_norm(grads, 0.5)
    for ours, theirs in zip(grads, expected, strict=True):
        np.testing.assert_allclose(
            ours, theirs, rtol=1e-5
        )  # torch adds 1e-6 to the norm


def test_reference_numpy_only_guard_refuses_torch():
    def uses_torch(x):
        import torch

        return torch.tensor(x).numpy()

    with pytest.raises(AssertionError, match="NumPy only"):
        reference.numpy_only_answer(uses_torch, np.zeros(2))


@pytest.mark.parametrize(
    "answer, message",
    [
        (None, "is None"),
        (Ellipsis, "not written yet"),
        (2.0, "should return an int index"),
        (np.array([1]), "should return an int index"),
        ("2", "should return an int index"),
        (True, "should return an int index"),
        (4, "outside 0..3"),
        (-1, "outside 0..3"),
    ],
)
def test_check_index_refuses_what_is_not_an_index_with_a_clear_message(answer, message):
    with pytest.raises(AssertionError, match=message):
        reference.check_index("sample(...)", answer, 4)


def test_check_index_accepts_python_and_numpy_ints():
    reference.check_index("sample(...)", 3, 4)
    reference.check_index("sample(...)", np.int64(0), 4)


def test_temperature_checks_give_broken_answers_a_message_not_a_crash():
    # the exercise's first check on one draw, for the answers a learner may leave
    for broken in (lambda z, t, r: None, lambda z, t, r: ..., lambda z, t, r: 1.5):
        first = reference.numpy_only_answer(
            broken, np.zeros(4), 1.0, np.random.default_rng(0)
        )
        with pytest.raises(AssertionError):
            reference.check_index("sample_with_temperature(...)", first, 4)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_fast_lstm_is_the_cell_functions_step_after_step(dtype):
    """lstm_forward_fast and lstm_backward_fast (what the LSTM layer runs) give the
    numbers of lstm_cell_forward and lstm_cell_backward looped over the steps, in the
    input's precision."""
    rng = np.random.default_rng(12)
    N, T, D, H = 3, 6, 2, 4
    x, grad = rng.normal(size=(N, T, D)), rng.normal(size=(N, T, H))
    h0, c0, grad_hT, grad_cT = (rng.normal(size=(N, H)) for _ in range(4))
    W_x, W_h, b = (
        rng.normal(size=(D, 4 * H)),
        rng.normal(size=(H, 4 * H)),
        rng.normal(size=4 * H),
    )
    cast = [a.astype(dtype) for a in (x, grad, h0, c0, grad_hT, grad_cT, W_x, W_h, b)]
    x, grad, h0, c0, grad_hT, grad_cT, W_x, W_h, b = cast
    tol = 1e-12 if dtype == np.float64 else 1e-5
    h, c, gates, tanh_c = rnn.lstm_forward_fast(x, h0, c0, W_x, W_h, b)
    assert {a.dtype for a in (h, c, gates, tanh_c)} == {np.dtype(dtype)}
    states, cells, all_gates = [h0], [c0], []
    for t in range(T):
        step_gates = np.empty((N, 4 * H), dtype=dtype)
        h_t, c_t = lstm_cell_forward(
            x[:, t], states[-1], cells[-1], W_x, W_h, b, gates=step_gates
        )
        states.append(h_t), cells.append(c_t), all_gates.append(step_gates)
    np.testing.assert_allclose(h, np.stack(states), atol=tol)
    np.testing.assert_allclose(c, np.stack(cells), atol=tol)
    np.testing.assert_allclose(gates, np.stack(all_gates), atol=tol)
    grad_x, grad_W_x, grad_W_h, grad_b, grad_states, (grad_h0, grad_c0) = (
        rnn.lstm_backward_fast(grad, grad_hT, grad_cT, x, h, c, gates, tanh_c, W_x, W_h)
    )
    grad_h, grad_c = grad_hT, grad_cT
    expected_W_x, expected_W_h = np.zeros_like(W_x), np.zeros_like(W_h)
    for t in reversed(range(T)):
        grad_h = grad_h + grad[:, t]
        np.testing.assert_allclose(grad_states[t], grad_h, atol=tol)
        grad_a, grad_c = rnn.lstm_cell_backward(
            grad_h, grad_c, cells[t], all_gates[t], cells[t + 1]
        )
        np.testing.assert_allclose(grad_x[:, t], grad_a @ W_x.T, atol=tol)
        expected_W_x += x[:, t].T @ grad_a
        expected_W_h += states[t].T @ grad_a
        grad_h = grad_a @ W_h.T
    np.testing.assert_allclose(grad_W_x, expected_W_x, atol=tol * 10)
    np.testing.assert_allclose(grad_W_h, expected_W_h, atol=tol * 10)
    np.testing.assert_allclose(grad_h0, grad_h, atol=tol)
    np.testing.assert_allclose(grad_c0, grad_c, atol=tol)
    assert grad_b.shape == b.shape and grad_x.dtype == dtype
