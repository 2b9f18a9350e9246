"""dlbook.scratch.attention: forward passes against torch (scaled_dot_product_attention,
layer_norm, multi-head attention), every backward pass against finite differences and
torch.autograd in float64, and the exercise references against the scratch code."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st

from dlbook.gradcheck import numerical_gradient, relative_error
from dlbook.grading.reference import attention as reference
from dlbook.scratch import attention, layers, normalization
from dlbook.scratch.attention import (
    MultiHeadAttention,
    TransformerBlock,
    attention_backward,
    attention_forward,
    causal_mask,
    merge_heads,
    padding_mask,
    sinusoidal_positions,
    softmax,
    softmax_backward,
    split_heads,
)

from helpers import TOLERANCE, check_gradients, property_checks, seeds, t64

checks = property_checks(max_examples=12)


def random_mask(rng, shape) -> np.ndarray:
    """A random boolean mask in which every query (row) sees at least one key."""
    mask = rng.random(shape) < 0.6
    mask[..., 0] = True
    return mask


# --- softmax --------------------------------------------------------------------------


@checks
@given(seeds)
def test_softmax_matches_torch_and_survives_huge_logits(seed):
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(3, 7)) * 10.0 ** rng.integers(0, 5)
    ours = softmax(z)
    assert np.all(np.isfinite(ours))
    np.testing.assert_allclose(ours, torch.softmax(t64(z), -1).numpy(), atol=1e-12)
    np.testing.assert_allclose(softmax(z + 1e4), ours, atol=1e-12)  # shift invariance


def test_softmax_of_masked_logits_is_zero():
    z = np.array([[1.0, -np.inf, 2.0]])
    p = softmax(z)
    assert p[0, 1] == 0 and np.isclose(p.sum(), 1)


@checks
@given(seeds)
def test_softmax_backward(seed):
    rng = np.random.default_rng(seed)
    z, g = rng.normal(size=(4, 6)), rng.normal(size=(4, 6))
    check_gradients(
        lambda z: float(np.sum(softmax(z) * g)),
        lambda z: (torch.softmax(z, -1) * t64(g)).sum(),
        {"z": z},
        {"z": softmax_backward(softmax(z), g)},
    )


def test_the_primitives_live_once_and_import_from_here_too():
    """softmax is chapter 2's, LayerNorm sits beside BatchNorm: one object each."""
    assert attention.softmax is layers.softmax
    for name in ("LayerNorm", "layer_norm_forward", "layer_norm_backward"):
        assert getattr(attention, name) is getattr(normalization, name), name


# --- attention ------------------------------------------------------------------------


@st.composite
def attention_cases(draw):
    """(batch, heads, n_q, n_k, d_k, d_v, kind of mask)."""
    return (
        draw(st.integers(1, 2)),
        draw(st.integers(1, 3)),
        draw(st.integers(1, 6)),
        draw(st.integers(1, 6)),
        draw(st.integers(1, 5)),
        draw(st.integers(1, 4)),
        draw(st.sampled_from(["none", "causal", "random"])),
    )


def make_case(case, seed):
    n, h, n_q, n_k, d_k, d_v, kind = case
    rng = np.random.default_rng(seed)
    q = rng.normal(size=(n, h, n_q, d_k))
    k = rng.normal(size=(n, h, n_k, d_k))
    v = rng.normal(size=(n, h, n_k, d_v))
    if kind == "causal":
        n_k = n_q
        k, v = k[:, :, :1].repeat(n_q, 2), v[:, :, :1].repeat(n_q, 2)
        k += rng.normal(size=k.shape)
        v += rng.normal(size=v.shape)
        mask = causal_mask(n_q)
    elif kind == "random":
        mask = random_mask(rng, (n, 1, n_q, n_k))
    else:
        mask = None
    return q, k, v, mask, rng


@checks
@given(attention_cases(), seeds)
def test_attention_forward_matches_torch_sdpa(case, seed):
    q, k, v, mask, _ = make_case(case, seed)
    ours, _ = attention_forward(q, k, v, mask)
    theirs = F.scaled_dot_product_attention(
        t64(q),
        t64(k),
        t64(v),
        attn_mask=None if mask is None else torch.from_numpy(mask),
    )
    np.testing.assert_allclose(ours, theirs.numpy(), atol=1e-12)


def test_causal_attention_matches_is_causal():
    rng = np.random.default_rng(1)
    q, k, v = (rng.normal(size=(2, 3, 5, 4)) for _ in range(3))
    ours, _ = attention_forward(q, k, v, causal_mask(5))
    theirs = F.scaled_dot_product_attention(t64(q), t64(k), t64(v), is_causal=True)
    np.testing.assert_allclose(ours, theirs.numpy(), atol=1e-12)


def test_causal_attention_ignores_the_future():
    rng = np.random.default_rng(2)
    q, k, v = (rng.normal(size=(1, 1, 6, 3)) for _ in range(3))
    before, _ = attention_forward(q, k, v, causal_mask(6))
    k[..., 4:, :] += 10.0
    v[..., 4:, :] -= 10.0
    after, _ = attention_forward(q, k, v, causal_mask(6))
    np.testing.assert_allclose(after[..., :4, :], before[..., :4, :], atol=1e-14)
    assert not np.allclose(after[..., 4:, :], before[..., 4:, :])


@checks
@given(attention_cases(), seeds)
def test_attention_backward(case, seed):
    q, k, v, mask, rng = make_case(case, seed)
    out, cache = attention_forward(q, k, v, mask)
    g = rng.normal(size=out.shape)
    grad_q, grad_k, grad_v = attention_backward(g, cache)
    torch_mask = None if mask is None else torch.from_numpy(mask)
    check_gradients(
        lambda q, k, v: float(np.sum(attention_forward(q, k, v, mask)[0] * g)),
        lambda q, k, v: (
            F.scaled_dot_product_attention(q, k, v, attn_mask=torch_mask) * t64(g)
        ).sum(),
        {"q": q, "k": k, "v": v},
        {"q": grad_q, "k": grad_k, "v": grad_v},
    )


def test_padding_mask_shape_and_values():
    mask = padding_mask([2, 4], 4)
    assert mask.shape == (2, 1, 1, 4)
    assert mask[0, 0, 0].tolist() == [True, True, False, False]
    assert mask[1].all()


# --- heads and positions --------------------------------------------------------------


@checks
@given(
    st.integers(1, 3), st.integers(1, 5), st.integers(1, 4), st.integers(1, 4), seeds
)
def test_split_and_merge_heads(n, steps, heads, d_head, seed):
    x = np.random.default_rng(seed).normal(size=(n, steps, heads * d_head))
    split = split_heads(x, heads)
    assert split.shape == (n, heads, steps, d_head)
    np.testing.assert_array_equal(
        split[:, 1 % heads, :, 0], x[:, :, (1 % heads) * d_head]
    )
    np.testing.assert_array_equal(merge_heads(split), x)
    np.testing.assert_array_equal(split, reference.split_heads(x, heads))


def test_split_heads_refuses_a_width_that_does_not_divide():
    with pytest.raises(ValueError, match="multiple"):
        split_heads(np.zeros((1, 2, 6)), 4)


@pytest.mark.parametrize("n, d", [(1, 2), (7, 4), (50, 16), (9, 5)])
def test_sinusoidal_positions(n, d):
    pe = sinusoidal_positions(n, d)
    assert pe.shape == (n, d)
    np.testing.assert_allclose(pe, reference.sinusoidal_positions(n, d), atol=1e-12)
    np.testing.assert_allclose(pe[0, 0::2], 0.0)
    np.testing.assert_allclose(pe[0, 1::2], 1.0)


# --- layers against torch -------------------------------------------------------------


def torch_mha(
    params: dict, x: torch.Tensor, n_heads: int, causal: bool, mask=None, prefix=""
) -> torch.Tensor:
    """Multi-head attention with torch operations and the NumPy layer's weights."""
    p = {name: t64(value) for name, value in params.items()}
    n, steps, d = x.shape

    def heads(name):
        y = x @ p[f"{prefix}{name}.W"] + p[f"{prefix}{name}.b"]
        return y.view(n, steps, n_heads, d // n_heads).transpose(1, 2)

    attn = F.scaled_dot_product_attention(
        heads("query"),
        heads("key"),
        heads("value"),
        attn_mask=None if mask is None else torch.from_numpy(mask),
        is_causal=causal,
    )
    merged = attn.transpose(1, 2).reshape(n, steps, d)
    return merged @ p[f"{prefix}out.W"] + p[f"{prefix}out.b"]


@pytest.mark.parametrize("causal", [False, True])
def test_multi_head_attention_against_torch(causal):
    rng = np.random.default_rng(4)
    layer = MultiHeadAttention(8, 2, rng, causal=causal, dtype=np.float64)
    x = rng.normal(size=(2, 5, 8))
    mask = None if causal else padding_mask([5, 3], 5)
    out = layer.forward(x, mask)
    xt = t64(x, grad=True)
    theirs = torch_mha(layer.params, xt, 2, causal, mask)
    np.testing.assert_allclose(out, theirs.detach().numpy(), atol=1e-12)
    g = rng.normal(size=out.shape)
    grad_x = layer.backward(g)
    (torch_grad,) = torch.autograd.grad((theirs * t64(g)).sum(), xt)
    assert relative_error(grad_x, torch_grad.numpy()) < 1e-10
    # agrees with torch's own module, given the same weights (W transposed)
    module = torch.nn.MultiheadAttention(8, 2, batch_first=True, dtype=torch.float64)
    with torch.no_grad():
        module.in_proj_weight.copy_(
            torch.cat(
                [t64(layer.params[f"{n}.W"]).T for n in ("query", "key", "value")]
            )
        )
        module.in_proj_bias.copy_(
            torch.cat([t64(layer.params[f"{n}.b"]) for n in ("query", "key", "value")])
        )
        module.out_proj.weight.copy_(t64(layer.params["out.W"]).T)
        module.out_proj.bias.copy_(t64(layer.params["out.b"]))
        attn_mask = torch.from_numpy(~causal_mask(5)) if causal else None
        key_padding = None if causal else torch.from_numpy(~mask[:, 0, 0])
        theirs_module, _ = module(
            t64(x), t64(x), t64(x), attn_mask=attn_mask, key_padding_mask=key_padding
        )
    np.testing.assert_allclose(out, theirs_module.numpy(), atol=1e-12)


@pytest.mark.parametrize(
    "make",
    [
        lambda rng: MultiHeadAttention(4, 2, rng, causal=True, dtype=np.float64),
        lambda rng: TransformerBlock(4, 2, rng, causal=True, dtype=np.float64),
        lambda rng: TransformerBlock(6, 3, rng, causal=False, dtype=np.float64),
    ],
    ids=["mha", "block-causal", "block-bidirectional"],
)
def test_layer_gradients_against_finite_differences(make):
    rng = np.random.default_rng(5)
    layer = make(rng)
    d = layer.params[next(iter(layer.params))].shape[0]
    x = rng.normal(size=(2, 4, d))
    g = rng.normal(size=(2, 4, d))

    def loss(_=None):
        return float(np.sum(layer.forward(x) * g))

    loss()
    grad_x = layer.backward(g)
    assert relative_error(grad_x, numerical_gradient(loss, x)) < TOLERANCE
    analytic = {name: grad.copy() for name, grad in layer.grads.items()}
    for name, param in layer.params.items():
        numerical = numerical_gradient(loss, param)
        if name.endswith("key.b"):  # softmax ignores a shift shared by all keys: 0
            assert np.abs(analytic[name]).max() < 1e-12
            assert np.abs(numerical).max() < 1e-8
            continue
        assert relative_error(analytic[name], numerical) < TOLERANCE, name


def test_transformer_block_against_torch():
    rng = np.random.default_rng(6)
    block = TransformerBlock(6, 3, rng, causal=True, dtype=np.float64)
    x = rng.normal(size=(2, 5, 6))
    p = {name: t64(value) for name, value in block.params.items()}
    xt = t64(x, grad=True)
    h = F.layer_norm(xt, (6,), p["norm1.gamma"], p["norm1.beta"])
    y = xt + torch_mha(block.params, h, 3, True, prefix="attention.")
    h2 = F.layer_norm(y, (6,), p["norm2.gamma"], p["norm2.beta"])
    mlp = torch.relu(h2 @ p["mlp.0.W"] + p["mlp.0.b"]) @ p["mlp.2.W"] + p["mlp.2.b"]
    theirs = y + mlp
    ours = block.forward(x)
    np.testing.assert_allclose(ours, theirs.detach().numpy(), atol=1e-12)
    g = rng.normal(size=ours.shape)
    (torch_grad,) = torch.autograd.grad((theirs * t64(g)).sum(), xt)
    assert relative_error(block.backward(g), torch_grad.numpy()) < 1e-10


def test_self_attention_is_permutation_equivariant():
    rng = np.random.default_rng(7)
    layer = MultiHeadAttention(8, 2, rng, dtype=np.float64)
    x = rng.normal(size=(1, 6, 8))
    order = rng.permutation(6)
    np.testing.assert_allclose(
        layer.forward(x[:, order]), layer.forward(x)[:, order], atol=1e-12
    )


# --- the exercise references against the scratch code ---------------------------------


@checks
@given(seeds)
def test_references_agree_with_scratch(seed):
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(3, 5)) * 1e4
    np.testing.assert_allclose(reference.softmax(z), softmax(z), atol=1e-12)
    q, k, v = (rng.normal(size=(2, 4, 3)) for _ in range(3))
    ours, _ = attention_forward(q, k, v, causal_mask(4))
    np.testing.assert_allclose(reference.causal_attention(q, k, v), ours, atol=1e-12)
    x = rng.normal(size=(2, 3, 6))
    np.testing.assert_array_equal(reference.merge_heads(split_heads(x, 3)), x)
