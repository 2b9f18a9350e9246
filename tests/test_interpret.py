"""dlbook.interpret (saliency, Grad-CAM, integrated
gradients) and the chapter-3 exercise references."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given
from torch import nn

from dlbook.grading.reference import conv as reference
from dlbook.interpret import (
    activations_and_gradients,
    grad_cam,
    integrated_gradients,
    saliency,
    upsample,
)
from dlbook.scratch.conv import (
    conv2d_forward,
    conv_output_size,
    im2col,
    max_pool2d_backward,
    max_pool2d_forward,
)

from helpers import property_checks, seeds

checks = property_checks(6)


def cam_model(seed: int, channels: int = 5, classes: int = 4):
    """conv-ReLU-conv-ReLU, then global average pooling and a linear layer:
    the architecture of CAM."""
    torch.manual_seed(seed)
    features = nn.Sequential(
        nn.Conv2d(2, 3, 3, padding=1), nn.ReLU(), nn.Conv2d(3, channels, 3), nn.ReLU()
    )
    head = nn.Linear(channels, classes)
    model = nn.Sequential(
        features, nn.AdaptiveAvgPool2d(1), nn.Flatten(), head
    ).double()
    return model, features, head


@checks
@given(seed=seeds)
def test_grad_cam_equals_cam_after_global_average_pooling(seed):
    """With global average pooling then a linear layer, dy_t/dA_c = w_tc / (h w)
    everywhere, so Grad-CAM's weights are the linear weights / (h w): Grad-CAM is CAM,
    ReLU(sum_c w_tc A_c) / (h w)."""
    model, features, head = cam_model(seed % 1000)
    x = np.random.default_rng(seed).normal(size=(3, 2, 9, 8))
    target = np.random.default_rng(seed + 1).integers(0, 4, size=3)
    maps = grad_cam(model, features, x, target, upsampled=False)
    with torch.no_grad():
        activations = features(torch.from_numpy(x)).numpy()  # (N, C, h, w)
    weights = head.weight.detach().numpy()[target]  # (N, C)
    hw = activations.shape[2] * activations.shape[3]
    cam = np.maximum(np.einsum("nc,ncij->nij", weights, activations), 0) / hw
    np.testing.assert_allclose(maps, cam, rtol=1e-10, atol=1e-12)


@checks
@given(seed=seeds)
def test_grad_cam_matches_the_exercise_reference(seed):
    model, layer = reference.small_cnn(seed % 1000)
    image = np.random.default_rng(seed).normal(size=(1, 12, 12))
    target = int(seed % 3)
    ours = grad_cam(model, layer, image[None], target, upsampled=False)[0]
    np.testing.assert_allclose(
        ours, reference.grad_cam(model, layer, image, target), rtol=1e-10, atol=1e-12
    )
    full = grad_cam(model, layer, image[None], target)
    assert full.shape == (1, 12, 12) and np.all(full >= -1e-12)


def test_activations_and_gradients_by_hand():
    model, features, head = cam_model(0)
    x = np.random.default_rng(0).normal(size=(2, 2, 7, 7))
    activations, gradients = activations_and_gradients(
        model, features, x, target=[1, 3]
    )
    a = features(torch.from_numpy(x)).detach().requires_grad_(True)
    logits = head(a.mean(dim=(2, 3)))
    (logits[0, 1] + logits[1, 3]).backward()
    np.testing.assert_allclose(activations, a.detach().numpy())
    np.testing.assert_allclose(gradients, a.grad.numpy(), rtol=1e-12)


def test_a_layer_used_twice_is_refused():
    relu = nn.ReLU()
    model = nn.Sequential(
        nn.Conv2d(1, 2, 3),
        relu,
        nn.Conv2d(2, 2, 3),
        relu,
        nn.Flatten(),
        nn.LazyLinear(3),
    )
    with pytest.raises(ValueError, match="ran 2 times"):
        activations_and_gradients(model, relu, np.zeros((1, 1, 8, 8), dtype=np.float32))


@checks
@given(seed=seeds)
def test_saliency_is_the_absolute_input_gradient(seed):
    model, _, _ = cam_model(seed % 1000)
    x = np.random.default_rng(seed).normal(size=(2, 2, 6, 6))
    ours = saliency(model, x)  # target: the predicted class
    xt = torch.from_numpy(x).requires_grad_(True)
    logits = model(xt)
    logits.gather(1, logits.argmax(1, keepdim=True)).sum().backward()
    np.testing.assert_allclose(ours, xt.grad.abs().amax(dim=1).numpy(), rtol=1e-12)


def test_integrated_gradients_of_a_linear_model_are_exact():
    """For f(x) = w . x + b the path gradient is w everywhere: IG = (x - x') * w,
    and complete."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(2 * 5 * 5, 3)).double()
    x = np.random.default_rng(1).normal(size=(2, 2, 5, 5))
    baseline = np.full((2, 5, 5), 0.3)
    attributions, gaps = integrated_gradients(
        model, x, target=2, baseline=baseline, steps=4
    )
    w = model[1].weight.detach().numpy()[2].reshape(2, 5, 5)
    np.testing.assert_allclose(attributions, (x - baseline) * w, rtol=1e-12)
    np.testing.assert_allclose(gaps, 0, atol=1e-12)


@checks
@given(seed=seeds)
def test_integrated_gradients_are_complete(seed):
    """(3.20): the attributions add up to score(x) - score(baseline),
    up to the quadrature error."""
    model, layer = reference.small_cnn(seed % 1000)
    x = np.random.default_rng(seed).normal(size=(2, 1, 12, 12))
    attributions, gaps = integrated_gradients(model, x, steps=128)
    with torch.no_grad():
        logits = model(torch.from_numpy(x))
        change = (logits - model(torch.zeros_like(torch.from_numpy(x)))).gather(
            1, logits.argmax(1, keepdim=True)
        )
    assert attributions.shape == x.shape
    np.testing.assert_allclose(
        attributions.sum(axis=(1, 2, 3)) - gaps, change[:, 0].numpy(), rtol=1e-10
    )
    assert np.all(np.abs(gaps) <= 0.05 * np.abs(change[:, 0].numpy()) + 2e-3)
    coarse = integrated_gradients(model, x, steps=8)[1]
    assert np.abs(gaps).sum() < np.abs(coarse).sum(), "more steps should shrink the gap"


def test_upsample_keeps_constants():
    np.testing.assert_allclose(
        upsample(np.full((2, 3, 3), 0.7), (12, 12)), np.full((2, 12, 12), 0.7)
    )


# --- the references of the graded exercises -------------------------------------------


@checks
@given(seed=seeds)
def test_references_agree_with_dlbook_conv(seed):
    rng = np.random.default_rng(seed)
    x, weight, bias, stride, padding = reference.random_conv_case(rng)
    kh, kw = weight.shape[2:]
    np.testing.assert_allclose(
        reference.conv2d(x, weight, bias, stride, padding),
        conv2d_forward(x, weight, bias, stride, padding)[0],
        rtol=1e-10,
        atol=1e-12,
    )
    ours = im2col(x, (kh, kw), stride, padding)  # columns (i, j, n): image last
    rows, n = ours.shape[0], x.shape[0]
    np.testing.assert_array_equal(
        reference.im2col(x, kh, kw, stride, padding),  # columns (n, i, j), as in (3.5)
        ours.reshape(rows, -1, n).transpose(0, 2, 1).reshape(rows, -1),
    )
    size = x.shape[2]
    assert reference.conv_output_size(size, kh, stride, padding) == conv_output_size(
        size, kh, stride, padding
    )
    kernel, pool_stride = int(rng.integers(1, 4)), int(rng.integers(1, 4))
    if min(x.shape[2:]) >= kernel:
        out = max_pool2d_forward(x, kernel, pool_stride)
        grad_out = rng.normal(size=out.shape)
        np.testing.assert_allclose(
            reference.max_pool2d_backward(x, grad_out, kernel, pool_stride),
            max_pool2d_backward(grad_out, x, out, kernel, pool_stride),
            rtol=1e-12,
        )


def test_small_cnn_is_seeded_and_leaves_the_global_generator_alone():
    torch.manual_seed(123)
    expected = torch.rand(1)
    torch.manual_seed(123)
    model_a, _ = reference.small_cnn(seed=5)
    model_b, layer_b = reference.small_cnn(seed=5)
    assert torch.rand(1) == expected
    for a, b in zip(model_a.parameters(), model_b.parameters()):
        assert torch.equal(a, b)
    assert layer_b in list(model_b.modules())
