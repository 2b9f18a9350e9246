"""Every question of solutions/05-attention.ipynb against the wrong answers learners
write: each must fail the question's own tests with a message a learner can act on.

Most wrong answers are the master's solution with one slip (:func:`mutate`): a sign
or a transpose, a forgotten ``1/sqrt(d_k)`` or term, the softmax over the wrong axis, a
mask applied after the softmax, inverted or transposed, an input changed in place, an
unstable formula. The others hand the work to PyTorch or to the package's own solution
(``dlbook.scratch.attention``), reached in the ways a learner might try: an attribute
chain behind ``import dlbook.scratch.attention``, ``importlib``, ``__import__``,
``getattr`` on a module, ``sys.modules``, a default argument.
"""

from __future__ import annotations

from functools import partial

import pytest
from wrong_answers import mutate, mutate_all, standard_tests

STEM = "05-attention"
# the unstable wrong answers overflow, as they are meant to
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")
edits = partial(mutate_all, STEM)


SOFTMAX = "ch05-stable-softmax"
CAUSAL = "ch05-causal-attention"
BACKWARD = "ch05-attention-backward"
HEADS = "ch05-heads"
MHA = "ch05-multi-head-attention"
POSITIONS = "ch05-positional-encoding"
LAYER_NORM = "ch05-layer-norm-backward"

# the shift of the stable softmax, and the softmax of the causal attention
SHIFT = "shifted = z - z.max(axis=-1, keepdims=True)"
CAUSAL_SOFTMAX = """    scores = scores - scores.max(axis=-1, keepdims=True)
    weights = np.exp(scores)
    weights = weights / weights.sum(axis=-1, keepdims=True)
"""

WRONG: dict[str, dict[str, str]] = {
    SOFTMAX: {
        "no max shift (the textbook formula)": mutate(
            STEM, SOFTMAX, SHIFT, "shifted = z"
        ),
        "the max of the whole array": mutate(
            STEM, SOFTMAX, "z.max(axis=-1, keepdims=True)", "z.max()"
        ),
        "the min subtracted": mutate(STEM, SOFTMAX, "z.max(", "z.min("),
        "the mean subtracted": mutate(STEM, SOFTMAX, "z.max(", "z.mean("),
        "the max without keepdims": mutate(
            STEM, SOFTMAX, "z.max(axis=-1, keepdims=True)", "z.max(axis=-1)"
        ),
        "normalized over the first axis": mutate(
            STEM, SOFTMAX, "e.sum(axis=-1, keepdims=True)", "e.sum(axis=0)"
        ),
        "normalized over the whole array": mutate(
            STEM, SOFTMAX, "e.sum(axis=-1, keepdims=True)", "e.sum()"
        ),
        "logits clipped to ±700 instead of shifted": mutate(
            STEM, SOFTMAX, SHIFT, "shifted = np.clip(z, -700, 700)"
        ),
        "log-sum-exp without the shift": """
            def softmax(z):
                log_norm = np.log(np.exp(z).sum(axis=-1, keepdims=True))
                return np.exp(z - log_norm)
        """,
        "z shifted in place": mutate(
            STEM,
            SOFTMAX,
            SHIFT,
            "z -= z.max(axis=-1, keepdims=True)\n    shifted = z",
        ),
        "dlbook.scratch.attention through an attribute chain": """
            import dlbook.scratch.attention

            def softmax(z):
                return dlbook.scratch.attention.softmax(z)
        """,
        "dlbook.scratch through an alias of the package": """
            import dlbook as course

            def softmax(z):
                return course.scratch.attention.softmax(z, axis=-1)
        """,
        "the log_softmax of dlbook.scratch.layers": """
            from dlbook.scratch.layers import log_softmax

            def softmax(z):
                return np.exp(log_softmax(z))
        """,
        "importlib.import_module": """
            import importlib

            def softmax(z):
                return importlib.import_module("dlbook.scratch.attention").softmax(z)
        """,
        "__import__ with a fromlist": """
            def softmax(z):
                module = __import__("dlbook.scratch.attention", fromlist=["softmax"])
                return module.softmax(z)
        """,
        "getattr on sys.modules": """
            import sys

            import dlbook.scratch.attention as _loaded  # noqa: F401

            def softmax(z):
                return getattr(sys.modules["dlbook.scratch.attention"], "softmax")(z)
        """,
        "a default argument": """
            from dlbook.scratch import attention as _chapter

            def softmax(z, _impl=_chapter.softmax):
                return _impl(z)
        """,
        "a module name assembled at run time": """
            import importlib

            def softmax(z):
                name = ".".join(["dlbook", "scratch", "attention"])
                return importlib.import_module(name).softmax(z)
        """,
        "torch.softmax": """
            def softmax(z):
                import torch

                return torch.softmax(torch.from_numpy(z), dim=-1).numpy()
        """,
    },
    CAUSAL: {
        "no 1/sqrt(d_k)": mutate(STEM, CAUSAL, " / np.sqrt(q.shape[-1])", ""),
        "divided by d_k, not its square root": mutate(
            STEM, CAUSAL, "np.sqrt(q.shape[-1])", "q.shape[-1]"
        ),
        "sqrt(d_v) instead of sqrt(d_k)": mutate(
            STEM, CAUSAL, "np.sqrt(q.shape[-1])", "np.sqrt(v.shape[-1])"
        ),
        "the mask transposed (queries see the future)": mutate(
            STEM, CAUSAL, "np.tril(", "np.triu("
        ),
        "the mask inverted": mutate(
            STEM, CAUSAL, "np.where(allowed, scores", "np.where(~allowed, scores"
        ),
        "a query may not see itself": mutate(
            STEM,
            CAUSAL,
            "np.tril(np.ones((steps, steps), dtype=bool))",
            "np.tril(np.ones((steps, steps), dtype=bool), -1)",
        ),
        "the mask after the softmax (weights zeroed)": mutate(
            STEM,
            CAUSAL,
            "    scores = np.where(allowed, scores, -np.inf)\n" + CAUSAL_SOFTMAX,
            CAUSAL_SOFTMAX + "    weights = np.where(allowed, weights, 0.0)\n",
        ),
        "the mask after the softmax, rows renormalized": mutate(
            STEM,
            CAUSAL,
            "    scores = np.where(allowed, scores, -np.inf)\n" + CAUSAL_SOFTMAX,
            CAUSAL_SOFTMAX
            + "    weights = np.where(allowed, weights, 0.0)\n"
            + "    weights = weights / weights.sum(axis=-1, keepdims=True)\n",
        ),
        "the softmax over the queries' axis": mutate(
            STEM, CAUSAL, "axis=-1, keepdims=True", "axis=-2, keepdims=True", count=2
        ),
        "no max shift (overflows)": mutate(
            STEM,
            CAUSAL,
            "    scores = scores - scores.max(axis=-1, keepdims=True)\n",
            "",
        ),
        "q scaled in place": mutate(
            STEM,
            CAUSAL,
            "    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])",
            "    q /= np.sqrt(q.shape[-1])\n    scores = q @ np.swapaxes(k, -1, -2)",
        ),
        "dlbook.scratch.attention through an attribute chain": """
            import dlbook.scratch.attention

            def causal_attention(q, k, v):
                chapter = dlbook.scratch.attention
                mask = chapter.causal_mask(q.shape[-2])
                return chapter.attention_forward(q, k, v, mask)[0]
        """,
        "torch's fused kernel": """
            def causal_attention(q, k, v):
                import torch

                q, k, v = (torch.from_numpy(a) for a in (q, k, v))
                F = torch.nn.functional
                return F.scaled_dot_product_attention(q, k, v, is_causal=True).numpy()
        """,
    },
    BACKWARD: {
        "dv = A dO (A not transposed)": mutate(
            STEM,
            BACKWARD,
            "dv = np.swapaxes(weights, -1, -2) @ grad_out",
            "dv = weights @ grad_out",
        ),
        "dA transposed": mutate(
            STEM,
            BACKWARD,
            "d_weights = grad_out @ np.swapaxes(v, -1, -2)",
            "d_weights = np.swapaxes(grad_out @ np.swapaxes(v, -1, -2), -1, -2)",
        ),
        "the softmax backward without its subtracted term": mutate(
            STEM,
            BACKWARD,
            "d_weights - np.sum(d_weights * weights, axis=-1, keepdims=True)",
            "d_weights",
        ),
        "the softmax backward summed over the wrong axis": mutate(
            STEM,
            BACKWARD,
            "np.sum(d_weights * weights, axis=-1, keepdims=True)",
            "np.sum(d_weights * weights, axis=-2, keepdims=True)",
        ),
        "the softmax backward with a sign slip": mutate(
            STEM,
            BACKWARD,
            "d_weights - np.sum(d_weights * weights",
            "d_weights + np.sum(d_weights * weights",
        ),
        "dq without 1/sqrt(d_k)": mutate(
            STEM, BACKWARD, "dq = d_scores @ k * scale", "dq = d_scores @ k"
        ),
        "dk without 1/sqrt(d_k)": mutate(
            STEM, BACKWARD, "@ q * scale  # (5.10)", "@ q  # (5.10)"
        ),
        "dk = dS q (dS not transposed)": mutate(
            STEM,
            BACKWARD,
            "dk = np.swapaxes(d_scores, -1, -2) @ q * scale",
            "dk = d_scores @ q * scale",
        ),
        "1/d_k instead of 1/sqrt(d_k)": mutate(
            STEM,
            BACKWARD,
            "scale = 1.0 / np.sqrt(q.shape[-1])",
            "scale = 1.0 / q.shape[-1]",
        ),
        "the mask forgotten": mutate(
            STEM,
            BACKWARD,
            "    if mask is not None:\n"
            "        scores = np.where(mask, scores, -np.inf)  # (5.6)\n",
            "",
        ),
        "the mask inverted": mutate(
            STEM, BACKWARD, "np.where(mask, scores", "np.where(~mask, scores"
        ),
        "the mask on the gradient only, not on the forward pass": edits(
            BACKWARD,
            (
                "    if mask is not None:\n"
                "        scores = np.where(mask, scores, -np.inf)  # (5.6)\n",
                "",
            ),
            (
                "    )  # (5.8)\n",
                "    )  # (5.8)\n"
                "    if mask is not None:\n"
                "        d_scores = np.where(mask, d_scores, 0.0)\n",
            ),
        ),
        "no max shift in the recomputed softmax (overflows)": mutate(
            STEM,
            BACKWARD,
            "weights = softmax(scores)",
            "weights = np.exp(scores) / np.exp(scores).sum(axis=-1, keepdims=True)",
        ),
        "the gradients returned as (dq, dv, dk)": mutate(
            STEM, BACKWARD, "return dq, dk, dv", "return dq, dv, dk"
        ),
        "q scaled in place": edits(
            BACKWARD,
            (
                "scores = q @ np.swapaxes(k, -1, -2) * scale",
                "q *= scale\n    scores = q @ np.swapaxes(k, -1, -2)",
            ),
            ("@ q * scale  # (5.10)", "@ q  # (5.10)"),
        ),
        "dlbook.scratch.attention through an attribute chain": """
            import dlbook.scratch.attention

            def attention_backward(q, k, v, grad_out, mask=None):
                chapter = dlbook.scratch.attention
                _, cache = chapter.attention_forward(q, k, v, mask)
                return chapter.attention_backward(grad_out, cache)
        """,
        "getattr on an imported module": """
            import importlib

            def attention_backward(q, k, v, grad_out, mask=None):
                chapter = importlib.import_module("dlbook.scratch.attention")
                _, cache = getattr(chapter, "attention_forward")(q, k, v, mask)
                return getattr(chapter, "attention_backward")(grad_out, cache)
        """,
        "finite differences from dlbook.gradcheck": """
            from dlbook.gradcheck import numerical_gradient

            def attention_backward(q, k, v, grad_out, mask=None):
                def loss(q, k, v):
                    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
                    if mask is not None:
                        scores = np.where(mask, scores, -np.inf)
                    return np.sum(softmax(scores) @ v * grad_out)

                q, k, v = q.copy(), k.copy(), v.copy()
                return (
                    numerical_gradient(lambda a: loss(a, k, v), q),
                    numerical_gradient(lambda a: loss(q, a, v), k),
                    numerical_gradient(lambda a: loss(q, k, a), v),
                )
        """,
        "torch's autograd": """
            def attention_backward(q, k, v, grad_out, mask=None):
                import torch

                q, k, v = (torch.tensor(a, requires_grad=True) for a in (q, k, v))
                m = None if mask is None else torch.as_tensor(mask)
                F = torch.nn.functional
                out = F.scaled_dot_product_attention(q, k, v, attn_mask=m)
                (out * torch.from_numpy(grad_out)).sum().backward()
                return q.grad.numpy(), k.grad.numpy(), v.grad.numpy()
        """,
    },
    HEADS: {
        "split: a reshape without the transpose": mutate(
            STEM,
            HEADS,
            "x.reshape(n, steps, n_heads, d // n_heads).transpose(0, 2, 1, 3)",
            "x.reshape(n, n_heads, steps, d // n_heads)",
        ),
        "split: heads interleaved (feature i to head i mod h)": mutate(
            STEM,
            HEADS,
            "x.reshape(n, steps, n_heads, d // n_heads).transpose(0, 2, 1, 3)",
            "x.reshape(n, steps, d // n_heads, n_heads).transpose(0, 3, 1, 2)",
        ),
        "split: features and steps swapped": mutate(
            STEM,
            HEADS,
            "d // n_heads).transpose(0, 2, 1, 3)",
            "d // n_heads).transpose(0, 2, 3, 1)",
        ),
        "merge: a reshape without the transpose": mutate(
            STEM,
            HEADS,
            "x.transpose(0, 2, 1, 3).reshape(n, steps, h * d_head)",
            "x.reshape(n, steps, h * d_head)",
        ),
        "merge: heads interleaved": mutate(
            STEM,
            HEADS,
            "x.transpose(0, 2, 1, 3).reshape(n, steps, h * d_head)",
            "x.transpose(0, 2, 3, 1).reshape(n, steps, h * d_head)",
        ),
        "dlbook.scratch.attention through __import__": """
            def split_heads(x, n_heads):
                chapter = __import__("dlbook.scratch.attention", fromlist=["x"])
                return chapter.split_heads(x, n_heads)


            def merge_heads(x):
                chapter = __import__("dlbook.scratch.attention", fromlist=["x"])
                return chapter.merge_heads(x)
        """,
    },
    MHA: {
        "the weights transposed (x @ W.T)": edits(
            MHA,
            ("x @ W_q + b_q", "x @ W_q.T + b_q"),
            ("x @ W_k + b_k", "x @ W_k.T + b_k"),
            ("x @ W_v + b_v", "x @ W_v.T + b_v"),
        ),
        "no output projection": mutate(
            STEM,
            MHA,
            "merge_heads(weights @ v) @ W_o + b_o",
            "merge_heads(weights @ v)",
        ),
        "the output bias forgotten": mutate(STEM, MHA, "@ W_o + b_o", "@ W_o"),
        "1/sqrt(D) instead of 1/sqrt(D / h)": mutate(
            STEM, MHA, "np.sqrt(d // n_heads)", "np.sqrt(d)"
        ),
        "the key mask inverted (True taken as padding)": mutate(
            STEM,
            MHA,
            "allowed & key_mask[:, None, None, :]",
            "allowed & ~key_mask[:, None, None, :]",
        ),
        "the key mask on the queries' axis": mutate(
            STEM,
            MHA,
            "key_mask[:, None, None, :]",
            "key_mask[:, None, :, None]",
        ),
        "the key mask combined with | (ignored)": mutate(
            STEM,
            MHA,
            "allowed & key_mask[:, None, None, :]",
            "allowed | key_mask[:, None, None, :]",
        ),
        "the key mask dropped when causal": mutate(
            STEM,
            MHA,
            "if key_mask is not None:",
            "if key_mask is not None and not causal:",
        ),
        "the causal mask transposed": mutate(STEM, MHA, "np.tril(", "np.triu("),
        "the masks after the softmax": mutate(
            STEM,
            MHA,
            "weights = softmax(np.where(allowed, scores, -np.inf))",
            "weights = softmax(scores) * allowed",
        ),
        "the masks after the softmax, rows renormalized": mutate(
            STEM,
            MHA,
            "weights = softmax(np.where(allowed, scores, -np.inf))",
            "weights = softmax(scores) * allowed\n"
            "    weights = weights / weights.sum(axis=-1, keepdims=True)",
        ),
        "the softmax over the queries' axis": mutate(
            STEM,
            MHA,
            "weights = softmax(np.where(allowed, scores, -np.inf))",
            "weights = np.swapaxes(\n"
            "        softmax(np.swapaxes(np.where(allowed, scores, -np.inf), -1, -2)),"
            " -1, -2\n    )",
        ),
        "a softmax without the max shift (overflows)": mutate(
            STEM,
            MHA,
            "weights = softmax(np.where(allowed, scores, -np.inf))",
            "e = np.exp(np.where(allowed, scores, -np.inf))\n"
            "    weights = e / e.sum(axis=-1, keepdims=True)",
        ),
        "heads split by a reshape without the transpose": edits(
            MHA,
            ("split_heads(x @ W_q + b_q, n_heads)", "(x @ W_q + b_q)"),
            ("split_heads(x @ W_k + b_k, n_heads)", "(x @ W_k + b_k)"),
            ("split_heads(x @ W_v + b_v, n_heads)", "(x @ W_v + b_v)"),
            (
                "    allowed = np.ones(",
                "    q, k, v = (a.reshape(n, n_heads, steps, -1) for a in (q, k, v))\n"
                "    allowed = np.ones(",
            ),
        ),
        "the scale folded into W_q and b_q in place": edits(
            MHA,
            (
                "    q = split_heads(",
                "    W_q /= np.sqrt(d // n_heads)\n"
                "    b_q /= np.sqrt(d // n_heads)\n"
                "    q = split_heads(",
            ),
            (" / np.sqrt(d // n_heads)  # (5.3)", "  # (5.3)"),
        ),
        "dlbook.scratch.attention through an attribute chain": """
            import dlbook.scratch.attention

            def multi_head_self_attention(
                x, W_q, b_q, W_k, b_k, W_v, b_v, W_o, b_o, n_heads, key_mask=None,
                causal=False,
            ):
                chapter = dlbook.scratch.attention
                q, k, v = (
                    chapter.split_heads(x @ W + b, n_heads)
                    for W, b in ((W_q, b_q), (W_k, b_k), (W_v, b_v))
                )
                mask = None if key_mask is None else key_mask[:, None, None, :]
                if causal:
                    causal_mask = chapter.causal_mask(x.shape[1])
                    mask = causal_mask if mask is None else mask & causal_mask
                out, _ = chapter.attention_forward(q, k, v, mask)
                return chapter.merge_heads(out) @ W_o + b_o
        """,
    },
    POSITIONS: {
        "sin and cos swapped": edits(
            POSITIONS,
            (
                "encoding[:, 0::2] = np.sin(angles)",
                "encoding[:, 0::2] = np.cos(angles)",
            ),
            (
                "encoding[:, 1::2] = np.cos(angles)",
                "encoding[:, 1::2] = np.sin(angles)",
            ),
        ),
        "i instead of 2i in the exponent": mutate(
            STEM,
            POSITIONS,
            "np.arange(0, d_model, 2) / d_model",
            "np.arange(d_model // 2) / d_model",
        ),
        "multiplied by 10000^(2i/d) instead of divided": mutate(
            STEM, POSITIONS, "positions / 10000.0", "positions * 10000.0"
        ),
        "positions counted from 1": mutate(
            STEM,
            POSITIONS,
            "np.arange(n_positions)[:, None]",
            "np.arange(1, n_positions + 1)[:, None]",
        ),
        "sines and cosines in two halves, not interleaved": edits(
            POSITIONS,
            ("encoding[:, 0::2] =", "encoding[:, : d_model // 2] ="),
            ("encoding[:, 1::2] =", "encoding[:, d_model // 2 :] ="),
        ),
        "base 1000": mutate(STEM, POSITIONS, "10000.0", "1000.0"),
        "dlbook.scratch.attention through getattr": """
            import importlib

            def sinusoidal_positions(n_positions, d_model):
                chapter = importlib.import_module("dlbook.scratch.attention")
                return getattr(chapter, "sinusoidal_positions")(n_positions, d_model)
        """,
    },
    LAYER_NORM: {
        "gamma forgotten in g": mutate(
            STEM, LAYER_NORM, "g = grad_out * gamma", "g = grad_out"
        ),
        "the mean(g) term forgotten": mutate(
            STEM, LAYER_NORM, "        - g.mean(axis=-1, keepdims=True)\n", ""
        ),
        "the x_hat mean(g x_hat) term forgotten": mutate(
            STEM,
            LAYER_NORM,
            "        - x_hat * np.mean(g * x_hat, axis=-1, keepdims=True)\n",
            "",
        ),
        "a sign slip on the x_hat term": mutate(
            STEM,
            LAYER_NORM,
            "- x_hat * np.mean(g * x_hat",
            "+ x_hat * np.mean(g * x_hat",
        ),
        "dx without the 1/sqrt(var + eps) factor": mutate(
            STEM, LAYER_NORM, "dx = inv_std * (", "dx = ("
        ),
        "no eps (1/std)": mutate(
            STEM,
            LAYER_NORM,
            "1.0 / np.sqrt(x.var(axis=-1, keepdims=True) + eps)",
            "1.0 / x.std(axis=-1, keepdims=True)",
        ),
        "eps hard-coded to 1e-5": mutate(
            STEM, LAYER_NORM, "keepdims=True) + eps)", "keepdims=True) + 1e-5)"
        ),
        "the unbiased variance (ddof=1)": mutate(
            STEM,
            LAYER_NORM,
            "x.var(axis=-1, keepdims=True)",
            "x.var(axis=-1, keepdims=True, ddof=1)",
        ),
        "the variance as mean(x**2) - mean**2 (cancels)": mutate(
            STEM,
            LAYER_NORM,
            "x.var(axis=-1, keepdims=True)",
            "np.mean(x**2, axis=-1, keepdims=True) - mean**2",
        ),
        "standardized over the first axis": edits(
            LAYER_NORM,
            ("x.mean(axis=-1, keepdims=True)", "x.mean(axis=0, keepdims=True)"),
            ("x.var(axis=-1, keepdims=True)", "x.var(axis=0, keepdims=True)"),
        ),
        "dgamma and dbeta summed over the first axis only": mutate(
            STEM, LAYER_NORM, "leading = tuple(range(x.ndim - 1))", "leading = 0"
        ),
        "dgamma and dbeta swapped": mutate(
            STEM, LAYER_NORM, "return dx, dgamma, dbeta", "return dx, dbeta, dgamma"
        ),
        "grad_out scaled by gamma in place": mutate(
            STEM,
            LAYER_NORM,
            "g = grad_out * gamma",
            "grad_out *= gamma\n    g = grad_out",
        ),
        "dlbook.scratch.attention through an attribute chain": """
            import dlbook.scratch.attention

            def layer_norm_backward(x, gamma, grad_out, eps=1e-5):
                chapter = dlbook.scratch.attention
                _, cache = chapter.layer_norm_forward(x, gamma, 0 * gamma, eps)
                return chapter.layer_norm_backward(grad_out, cache)
        """,
        "torch's autograd": """
            def layer_norm_backward(x, gamma, grad_out, eps=1e-5):
                import torch

                x, gamma = torch.tensor(x, requires_grad=True), torch.tensor(gamma)
                gamma.requires_grad_(True)
                beta = torch.zeros_like(gamma, requires_grad=True)
                y = torch.nn.functional.layer_norm(x, gamma.shape, gamma, beta, eps)
                (y * torch.from_numpy(grad_out)).sum().backward()
                return x.grad.numpy(), gamma.grad.numpy(), beta.grad.numpy()
        """,
    },
}


(
    test_every_question_is_tried,
    test_the_solution_passes,
    test_wrong_answer_is_caught,
) = standard_tests(STEM, WRONG)
