"""Exercises 3 (solutions/03-cnn.ipynb): plausible wrong answers, each failed by the
master's own tests with a message a learner can act on (see wrong_answers.py).

Every question of the chapter must be answered with NumPy alone, so each also gets
answers that hand the work to torch or to the course's own code (``dlbook.scratch``),
reached in the ways a learner might: an import, an attribute chain through the package,
``importlib``, ``getattr`` on a module, ``__import__``.
"""

from __future__ import annotations

from functools import partial

from wrong_answers import mutate, mutate_all, solution_source, standard_tests

STEM = "03-cnn"
_mutate = partial(mutate, STEM)
_mutate_all = partial(mutate_all, STEM)


SIZE = "ch03-output-size"
LOOPS = "ch03-conv-loops"
IM2COL = "ch03-conv-im2col"
POOL = "ch03-maxpool-backward"
BATCHNORM = "ch03-batchnorm-backward"
CAM = "ch03-grad-cam"

# the body of two refused answers that differ in how they reach torch
BATCHNORM_BY_TORCH = (
    "    x_t = torch.tensor(x, requires_grad=True)\n"
    "    gamma_t = torch.tensor(gamma, requires_grad=True)\n"
    "    beta_t = torch.zeros_like(gamma_t, requires_grad=True)\n"
    "    y = torch.nn.functional.batch_norm(\n"
    "        x_t, None, None, gamma_t, beta_t, training=True, eps=eps\n"
    "    )\n"
    "    y.backward(torch.tensor(grad_out))\n"
    "    return x_t.grad.numpy(), gamma_t.grad.numpy(), beta_t.grad.numpy()\n"
)
SIZE_FORMULA = "(size + 2 * padding - span) // stride + 1"
LOOPS_WINDOW = "n, :, i * stride : i * stride + kh, j * stride : j * stride + kw"
IM2COL_ORDER = "windows.transpose(1, 4, 5, 0, 2, 3)"
POOL_ROWS_COLS = (
    "rows, cols = i * stride + first // kernel, j * stride + first % kernel"
)
BN_GRAD_X = "(grad_out - mean_grad - x_hat * projection)"
CAM_ALPHA = "alpha = gradients.mean(axis=(1, 2))  # (K,)"
CAM_MAP = "return np.maximum(np.tensordot(alpha, activations, axes=1), 0)"


def _pool_backward_loop(*body: str) -> str:
    """A ``max_pool2d_backward`` that loops over the output positions, ``rows`` and
    ``cols`` the window of position ``(i, j)``, and runs the lines ``body`` there."""
    inner = "".join(f"            {line}\n" for line in body)
    return (
        "def max_pool2d_backward(x, grad_out, kernel, stride):\n"
        "    grad_x = np.zeros(x.shape)\n"
        "    for i in range(grad_out.shape[2]):\n"
        "        for j in range(grad_out.shape[3]):\n"
        "            rows = slice(i * stride, i * stride + kernel)\n"
        "            cols = slice(j * stride, j * stride + kernel)\n"
        f"{inner}"
        "    return grad_x\n"
    )


WRONG = {
    SIZE: {
        "dilation forgotten": _mutate(
            SIZE, "span = dilation * (kernel - 1) + 1", "span = kernel"
        ),
        "span as dilation times kernel": _mutate(
            SIZE, "span = dilation * (kernel - 1) + 1", "span = dilation * kernel"
        ),
        "padding on one side only": _mutate(
            SIZE, SIZE_FORMULA, "(size + padding - span) // stride + 1"
        ),
        "true division (a float)": _mutate(
            SIZE, SIZE_FORMULA, "(size + 2 * padding - span) / stride + 1"
        ),
        "rounded up": _mutate(
            SIZE, SIZE_FORMULA, "-(-(size + 2 * padding - span) // stride) + 1"
        ),
        "the + 1 forgotten": _mutate(
            SIZE, SIZE_FORMULA, "(size + 2 * padding - span) // stride"
        ),
        "the package's conv_output_size": (
            "def conv_output_size(size, kernel, stride=1, padding=0, dilation=1):\n"
            "    from dlbook.scratch.conv import conv_output_size as size_of\n"
            "\n"
            "    return size_of(size, kernel, stride, padding, dilation)\n"
        ),
        "the package's conv_output_size through getattr on strings": (
            "import dlbook\n"
            "import dlbook.scratch.conv\n"
            "\n"
            "\n"
            "def conv_output_size(size, kernel, stride=1, padding=0, dilation=1):\n"
            '    package = getattr(dlbook, "scr" + "atch")\n'
            '    size_of = getattr(getattr(package, "co" + "nv"), "conv_output_size")\n'
            "    return size_of(size, kernel, stride, padding, dilation)\n"
        ),
        "torch's convolution measured": (
            "def conv_output_size(size, kernel, stride=1, padding=0, dilation=1):\n"
            "    import torch\n"
            "\n"
            "    out = torch.nn.functional.conv1d(\n"
            "        torch.zeros(1, 1, size), torch.zeros(1, 1, kernel),\n"
            "        stride=stride, padding=padding, dilation=dilation,\n"
            "    )\n"
            "    return int(out.shape[-1])\n"
        ),
    },
    LOOPS: {
        "the kernel flipped (a true convolution)": _mutate(
            LOOPS,
            "np.sum(window * weight[o])",
            "np.sum(window * weight[o, :, ::-1, ::-1])",
        ),
        "the bias forgotten": _mutate(
            LOOPS, "np.sum(window * weight[o]) + bias[o]", "np.sum(window * weight[o])"
        ),
        "the stride ignored in the window": _mutate(
            LOOPS, LOOPS_WINDOW, "n, :, i : i + kh, j : j + kw"
        ),
        "padded on one side only": _mutate(
            LOOPS,
            "((0, 0), (0, 0), (padding, padding), (padding, padding))",
            "((0, 0), (0, 0), (padding, 0), (padding, 0))",
        ),
        "kernel height and width swapped": _mutate(
            LOOPS, "c_out, _, kh, kw = weight.shape", "c_out, _, kw, kh = weight.shape"
        ),
        "the padding left out of the output size": _mutate_all(
            LOOPS,
            ("(height + 2 * padding - kh)", "(height - kh)"),
            ("(width + 2 * padding - kw)", "(width - kw)"),
        ),
        "the package's loops": (
            "def conv2d_loops(x, weight, bias, stride, padding):\n"
            "    from dlbook.scratch import conv\n"
            "\n"
            "    return conv.conv2d_forward_loops(x, weight, bias, stride, padding)\n"
        ),
        "the package's loops through sys.modules": (
            "import sys\n"
            "\n"
            "import dlbook.scratch.conv\n"
            "\n"
            "\n"
            "def conv2d_loops(x, weight, bias, stride, padding):\n"
            '    conv = sys.modules["dlbook.scratch." + "conv"]\n'
            "    return conv.conv2d_forward_loops(x, weight, bias, stride, padding)\n"
        ),
        "the package's loops through importlib": (
            "def conv2d_loops(x, weight, bias, stride, padding):\n"
            "    import importlib\n"
            "\n"
            '    conv = importlib.import_module("dlbook.scratch.conv")\n'
            "    return conv.conv2d_forward_loops(x, weight, bias, stride, padding)\n"
        ),
    },
    IM2COL: {
        "rows ordered (p, q, c)": _mutate(
            IM2COL, IM2COL_ORDER, "windows.transpose(4, 5, 1, 0, 2, 3)"
        ),
        "columns ordered (i, j, n)": _mutate(
            IM2COL, IM2COL_ORDER, "windows.transpose(1, 4, 5, 2, 3, 0)"
        ),
        "the stride ignored": _mutate(
            IM2COL,
            "    windows = windows[:, :, ::stride, ::stride]"
            "  # (N, C, H_out, W_out, kh, kw)\n",
            "",
        ),
        "the padding forgotten in im2col": _mutate(
            IM2COL,
            "    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding),"
            " (padding, padding)))\n"
            "    # (N, C, H', W', kh, kw)\n",
            "    xp = x\n",
        ),
        "the output reshaped without the transpose": _mutate(
            IM2COL,
            "out.reshape(c_out, x.shape[0], h_out, w_out).transpose(1, 0, 2, 3)",
            "out.reshape(x.shape[0], c_out, h_out, w_out)",
        ),
        "the bias added along the columns": _mutate(
            IM2COL, "+ bias[:, None]", "+ bias"
        ),
        "the kernel flipped": _mutate(
            IM2COL,
            "weight.reshape(c_out, -1) @",
            "weight[:, :, ::-1, ::-1].reshape(c_out, -1) @",
        ),
        "conv2d_im2col by the loops of question 2": (
            solution_source(STEM, IM2COL).split("\n\n\ndef conv2d_im2col")[0]
            + "\n\n\ndef conv2d_im2col(x, weight, bias, stride, padding):\n"
            "    return conv2d_loops(x, weight, bias, stride, padding)\n"
        ),
        "the package's im2col through __import__": (
            "def im2col(x, kh, kw, stride, padding):\n"
            '    conv = __import__("dlbook.scratch.conv", fromlist=["im2col"])\n'
            "    return conv.im2col(x, (kh, kw), stride, padding)\n"
            "\n"
            "\n"
            "def conv2d_im2col(x, weight, bias, stride, padding):\n"
            '    conv = __import__("dlbook.scratch.conv", fromlist=["im2col"])\n'
            "    cols = im2col(x, *weight.shape[2:], stride, padding)\n"
            "    return conv.conv2d_forward(x, weight, bias, stride, padding)\n"
        ),
        "the package's im2col, through the package's attributes": (
            "import dlbook.scratch.conv\n"
            "\n"
            "\n"
            "def im2col(x, kh, kw, stride, padding):\n"
            "    return dlbook.scratch.conv.im2col(x, (kh, kw), stride, padding)\n"
            "\n"
            "\n"
            "def conv2d_im2col(x, weight, bias, stride, padding):\n"
            "    cols = im2col(x, *weight.shape[2:], stride, padding)\n"
            "    return dlbook.scratch.conv.conv2d_forward("
            "x, weight, bias, stride, padding)\n"
        ),
    },
    POOL: {
        "the last maximum wins ties": _mutate(
            POOL,
            "first = window.argmax(axis=2)",
            "first = window.shape[2] - 1 - window[:, :, ::-1].argmax(axis=2)",
        ),
        "= instead of += (overlapping windows)": _mutate(
            POOL,
            "grad_x[images, channels, rows, cols] += grad_out",
            "grad_x[images, channels, rows, cols] = grad_out",
        ),
        "rows and columns swapped": _mutate(
            POOL,
            POOL_ROWS_COLS,
            "rows, cols = i * stride + first % kernel, j * stride + first // kernel",
        ),
        "the stride left out of the position": _mutate(
            POOL, POOL_ROWS_COLS, "rows, cols = i + first // kernel, j + first % kernel"
        ),
        "every tied input gets the gradient": _pool_backward_loop(
            "window = x[:, :, rows, cols]",
            "winners = window == window.max(axis=(2, 3), keepdims=True)",
            "grad_x[:, :, rows, cols] += winners * grad_out[:, :, i, j, None, None]",
        ),
        "the gradient of average pooling": _pool_backward_loop(
            "grad_x[:, :, rows, cols] += grad_out[:, :, i, j, None, None] / kernel**2"
        ),
        "the package's max_pool2d_backward through getattr": (
            "import dlbook.scratch\n"
            "\n"
            "\n"
            "def max_pool2d_backward(x, grad_out, kernel, stride):\n"
            '    pool = getattr(dlbook.scratch.conv, "max_pool2d_" + "forward")\n'
            '    backward = getattr(dlbook.scratch.conv, "max_pool2d_" + "backward")\n'
            "    out = pool(x, kernel, stride)\n"
            "    return backward(grad_out, x, out, kernel, stride)\n"
        ),
    },
    BATCHNORM: {
        "the mean of the gradient forgotten": _mutate(
            BATCHNORM, BN_GRAD_X, "(grad_out - x_hat * projection)"
        ),
        "the projection on x_hat forgotten": _mutate(
            BATCHNORM, BN_GRAD_X, "(grad_out - mean_grad)"
        ),
        "the evaluation-mode gradient (constant statistics)": _mutate(
            BATCHNORM, BN_GRAD_X, "grad_out"
        ),
        "the projection with a sign slip": _mutate(
            BATCHNORM, BN_GRAD_X, "(grad_out - mean_grad + x_hat * projection)"
        ),
        "statistics over the batch axis only (wrong axes for images)": _mutate(
            BATCHNORM,
            "axes = (0,) if x.ndim == 2 else (0, 2, 3)",
            "axes = (0,)",
        ),
        "the unbiased variance": _mutate(
            BATCHNORM,
            "x.var(axis=axes, keepdims=True)",
            "x.var(axis=axes, keepdims=True, ddof=1)",
        ),
        "eps forgotten": _mutate(
            BATCHNORM,
            "np.sqrt(x.var(axis=axes, keepdims=True) + eps)",
            "np.sqrt(x.var(axis=axes, keepdims=True))",
        ),
        "gamma forgotten in grad_x": _mutate(
            BATCHNORM,
            "scale = gamma.reshape(channel) * inv_std",
            "scale = inv_std",
        ),
        "grad_gamma from x instead of x_hat": _mutate(
            BATCHNORM,
            "grad_gamma = (grad_out * x_hat).sum(axis=axes)",
            "grad_gamma = (grad_out * x).sum(axis=axes)",
        ),
        "grad_beta averaged, not summed": _mutate(
            BATCHNORM,
            "grad_beta = grad_out.sum(axis=axes)",
            "grad_beta = grad_out.mean(axis=axes)",
        ),
        "grad_out changed in place": _mutate_all(
            BATCHNORM,
            (
                "    grad_x = scale * " + BN_GRAD_X + "\n",
                "    grad_out -= mean_grad\n"
                "    grad_out -= x_hat * projection\n"
                "    grad_x = scale * grad_out\n",
            ),
        ),
        "torch's autograd": (
            "def batchnorm_backward(x, gamma, grad_out, eps):\n"
            "    import torch\n"
            "\n" + BATCHNORM_BY_TORCH
        ),
        "torch through __import__": (
            "def batchnorm_backward(x, gamma, grad_out, eps):\n"
            '    torch = __import__("torch")\n' + BATCHNORM_BY_TORCH
        ),
        "the package's BatchNorm": (
            "def batchnorm_backward(x, gamma, grad_out, eps):\n"
            "    from dlbook.scratch.normalization import BatchNorm\n"
            "\n"
            "    layer = BatchNorm(x.shape[1], eps=eps, dtype=np.float64)\n"
            '    layer.own_params["gamma"][...] = gamma\n'
            "    layer.forward(x)\n"
            "    grad_x = layer.backward(grad_out)\n"
            '    return grad_x, layer.own_grads["gamma"], layer.own_grads["beta"]\n'
        ),
        "the package's BatchNorm through the package's attributes": (
            "import dlbook.scratch.normalization\n"
            "\n"
            "\n"
            "def batchnorm_backward(x, gamma, grad_out, eps):\n"
            "    layer = dlbook.scratch.normalization.BatchNorm(\n"
            "        x.shape[1], eps=eps, dtype=np.float64\n"
            "    )\n"
            '    layer.own_params["gamma"][...] = gamma\n'
            "    layer.forward(x)\n"
            "    grad_x = layer.backward(grad_out)\n"
            '    return grad_x, layer.own_grads["gamma"], layer.own_grads["beta"]\n'
        ),
        "the package's BatchNorm through importlib": (
            "import importlib\n"
            "\n"
            "\n"
            "def batchnorm_backward(x, gamma, grad_out, eps):\n"
            '    module = importlib.import_module("dlbook.scratch.normalization")\n'
            "    layer = module.BatchNorm(x.shape[1], eps=eps, dtype=np.float64)\n"
            '    layer.own_params["gamma"][...] = gamma\n'
            "    layer.forward(x)\n"
            "    grad_x = layer.backward(grad_out)\n"
            '    return grad_x, layer.own_grads["gamma"], layer.own_grads["beta"]\n'
        ),
    },
    CAM: {
        "weights summed, not averaged": _mutate(
            CAM, CAM_ALPHA, "alpha = gradients.sum(axis=(1, 2))"
        ),
        "weights averaged over the wrong axis": _mutate(
            CAM, CAM_ALPHA, "alpha = gradients.mean(axis=0)"
        ),
        "the ReLU forgotten": _mutate(
            CAM, CAM_MAP, "return np.tensordot(alpha, activations, axes=1)"
        ),
        "the weights rectified instead of the map": _mutate_all(
            CAM,
            (CAM_ALPHA, "alpha = np.maximum(gradients.mean(axis=(1, 2)), 0)"),
            (CAM_MAP, "return np.tensordot(alpha, activations, axes=1)"),
        ),
        "the absolute value instead of the ReLU": _mutate(
            CAM, CAM_MAP, "return np.abs(np.tensordot(alpha, activations, axes=1))"
        ),
        "the map normalized": _mutate(
            CAM,
            CAM_MAP,
            "cam = np.maximum(np.tensordot(alpha, activations, axes=1), 0)\n"
            "    return cam / cam.max()",
        ),
        "weights from the activations": _mutate(
            CAM, CAM_ALPHA, "alpha = activations.mean(axis=(1, 2))"
        ),
        "activations weighted in place": _mutate(
            CAM,
            CAM_MAP,
            "activations *= alpha[:, None, None]\n"
            "    return np.maximum(activations.sum(axis=0), 0)",
        ),
        "torch's relu": _mutate(
            CAM,
            CAM_MAP,
            "import torch\n\n"
            "    cam = torch.tensor(np.tensordot(alpha, activations, axes=1))\n"
            "    return torch.relu(cam).numpy()",
        ),
    },
}


(
    test_every_question_is_tried,
    test_the_solution_passes,
    test_wrong_answer_is_caught,
) = standard_tests(STEM, WRONG)
