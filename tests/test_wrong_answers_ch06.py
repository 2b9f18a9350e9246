"""Exercises 6 (autoencoders, VAEs) against the wrong answers learners write.

Every question of ``solutions/06-autoencoders.ipynb`` is graded, with its own public and
hidden tests (see ``wrong_answers.py``), against slips written as mutations of the
master's solution: sigma = exp(logvar) instead of exp(logvar / 2), a forgotten 1/2 or
term of the KL, a sign, the wrong axis, an input changed in place, noise drawn by the
answer instead of the one passed in, a formula that overflows or underflows. Each must
fail with a message a learner can act on. The answers that hand the work to PyTorch or
to the chapter's own code (however they reach it) must be refused as not NumPy-only.
"""

from __future__ import annotations

from functools import partial

import pytest
from wrong_answers import (
    assert_caught,
    failures,
    mutate,
    questions,
    standard_tests,
    wrong_answer_cases,
)

# what the wrong answers' own NumPy says (sqrt of a negative, overflow) is not the point
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")

STEM = "06-autoencoders"
SCRATCH = "dlbook.scratch.autoencoder"
REFERENCE = "dlbook.grading.reference.autoencoder"
slip = partial(mutate, STEM)  # the master's solution of a question, with one slip


def reaching(module: str, header: str, body: str) -> dict[str, str]:
    """Answers that compute with ``module`` (bound to ``ae``), reached in the ways a
    learner finds: an attribute chain through the imported package, importlib,
    getattr on the parent package, __import__, sys.modules, a plain alias."""
    parent, child = module.rsplit(".", 1)
    ways = {
        "an attribute chain": (f"import {module}\n", module),
        "importlib": ("import importlib\n", f'importlib.import_module("{module}")'),
        "getattr on a module": (f"import {module}\n", f'getattr({parent}, "{child}")'),
        "__import__": ("", f'__import__("{module}", fromlist=["_"])'),
        "sys.modules": (f"import sys\nimport {module}\n", f'sys.modules["{module}"]'),
        "an alias": (f"import {module} as chapter\n", "chapter"),
    }
    return {
        f"{module} via {way}": f"{top}\n\n{header}\n    ae = {reach}\n{body}"
        for way, (top, reach) in ways.items()
    }


# ---------------------------------------------------------------------------------
Q1 = "ch06-reparameterize"
REPARAMETERIZE = {
    "sigma = exp(logvar)": slip(Q1, "np.exp(0.5 * logvar)", "np.exp(logvar)"),
    "sigma = exp(logvar) / 2": slip(Q1, "np.exp(0.5 * logvar)", "0.5 * np.exp(logvar)"),
    "sigma = sqrt(logvar)": slip(Q1, "np.exp(0.5 * logvar)", "np.sqrt(logvar)"),
    "minus the noise": slip(Q1, "mu + np.exp", "mu - np.exp"),
    "(mu + sigma) * eps": slip(
        Q1, "mu + np.exp(0.5 * logvar) * eps", "(mu + np.exp(0.5 * logvar)) * eps"
    ),
    "draws its own noise": slip(Q1, "* eps", "* np.random.standard_normal(mu.shape)"),
    "mu changed in place": """
        def reparameterize(mu, logvar, eps):
            mu += np.exp(0.5 * logvar) * eps
            return mu
        """,
}

Q2 = "ch06-gaussian-kl"
GAUSSIAN_KL = {
    "no 1/2": slip(Q2, "0.5 * np.sum", "np.sum"),
    "no -1": slip(Q2, " - 1 - logvar", " - logvar"),
    "no -logvar": slip(Q2, " - 1 - logvar", " - 1"),
    "+logvar": slip(Q2, " - 1 - logvar", " - 1 + logvar"),
    "sigma for the variance": slip(Q2, "np.exp(logvar)", "np.exp(0.5 * logvar)"),
    "mu for mu**2": slip(Q2, "mu**2", "mu"),
    "the sum over the batch": slip(Q2, "axis=1", "axis=0"),
    "one number for the batch": slip(Q2, ", axis=1", ""),
    "the mean over the code": slip(Q2, "np.sum", "np.mean"),
    "mu changed in place": """
        def gaussian_kl(mu, logvar):
            mu **= 2
            mu += np.exp(logvar) - 1 - logvar
            return 0.5 * np.sum(mu, axis=1)
        """,
}

Q3 = "ch06-elbo-loss"
STABLE = "np.maximum(logits, 0) + np.log1p(np.exp(-np.abs(logits)))"
ELBO_LOSS = {
    "softplus that overflows beyond 709": slip(Q3, STABLE, "np.log1p(np.exp(logits))"),
    "log(1 + exp(l))": slip(Q3, STABLE, "np.log(1 + np.exp(logits))"),
    "softplus without the abs": slip(
        Q3, STABLE, "np.maximum(logits, 0) + np.log1p(np.exp(-logits))"
    ),
    "cross-entropy of clipped sigmoids": """
        def elbo_loss(x, logits, mu, logvar):
            y = np.clip(1 / (1 + np.exp(-logits)), 1e-7, 1 - 1e-7)
            reconstruction = -np.sum(x * np.log(y) + (1 - x) * np.log(1 - y), axis=1)
            kl = 0.5 * np.sum(mu**2 + np.exp(logvar) - 1 - logvar, axis=1)
            return float(np.mean(reconstruction + kl))
        """,
    "+x l": slip(Q3, "softplus - x * logits", "softplus + x * logits"),
    "no KL": slip(Q3, "reconstruction + kl", "reconstruction"),
    "KL without 1/2": slip(Q3, "kl = 0.5 * np.sum", "kl = np.sum"),
    "KL with sigma for the variance": slip(
        Q3, "np.exp(logvar)", "np.exp(0.5 * logvar)"
    ),
    "the mean over the pixels": slip(
        Q3,
        "np.sum(softplus - x * logits, axis=1)",
        "np.mean(softplus - x * logits, axis=1)",
    ),
    "the sum over the batch": slip(
        Q3, "np.mean(reconstruction + kl)", "np.sum(reconstruction + kl)"
    ),
    "logits changed in place": slip(
        Q3,
        "reconstruction = np.sum(softplus - x * logits, axis=1)",
        "logits *= x\n    reconstruction = np.sum(softplus - logits, axis=1)",
    ),
}

Q4 = "ch06-salt-and-pepper"
SALT_AND_PEPPER = {
    "u <= p / 2": slip(Q4, "u < p / 2", "u <= p / 2"),
    "u <= p": slip(Q4, "(u < p)", "(u <= p)"),
    "salt and pepper swapped": slip(Q4, "0.0", "1.0").replace("1.0, out", "0.0, out"),
    "only pepper": """
        def salt_and_pepper(x, u, p):
            return np.where(u < p, 0.0, x)
        """,
    "the top tail for the salt": slip(
        Q4,
        "np.where((u >= p / 2) & (u < p), 1.0, out)",
        "np.where(u >= 1 - p / 2, 1.0, out)",
    ),
    "draws its own noise": slip(
        Q4, "out = np.where", "u = np.random.random(x.shape)\n    out = np.where"
    ),
    "draws its own noise, seeded": slip(
        Q4,
        "out = np.where",
        "u = np.random.default_rng(0).random(x.shape)\n    out = np.where",
    ),
    "x changed in place": """
        def salt_and_pepper(x, u, p):
            x[u < p / 2] = 0.0
            x[(u >= p / 2) & (u < p)] = 1.0
            return x
        """,
}

Q5 = "ch06-vae-gradients"
VAE_GRADIENTS = {
    "sigma = exp(logvar)": slip(Q5, "np.exp(0.5 * logvar)", "np.exp(logvar)"),
    "dz/dlogvar without the 1/2": slip(
        Q5, "grad_z * 0.5 * sigma * eps", "grad_z * sigma * eps"
    ),
    "dz/dlogvar without sigma": slip(
        Q5, "grad_z * 0.5 * sigma * eps", "grad_z * 0.5 * eps"
    ),
    "no KL gradient for logvar": slip(Q5, " + 0.5 * (np.exp(logvar) - 1) / n", ""),
    "no KL gradient for mu": slip(Q5, "grad_mu = grad_z + mu / n", "grad_mu = grad_z"),
    "KL gradient for logvar without 1/2": slip(
        Q5, "0.5 * (np.exp(logvar) - 1) / n", "(np.exp(logvar) - 1) / n"
    ),
    "x - sigmoid": slip(Q5, "(sigmoid - x) / n", "(x - sigmoid) / n"),
    "the reconstruction not averaged": slip(Q5, "(sigmoid - x) / n", "sigmoid - x"),
    "the KL not averaged": slip(Q5, "mu / n", "mu").replace(
        "(np.exp(logvar) - 1) / n", "(np.exp(logvar) - 1)"
    ),
    "bias gradient over the wrong axis": slip(
        Q5, "grad_logits.sum(axis=0)", "grad_logits.sum(axis=1)"
    ),
    "decoder gradient transposed": slip(Q5, "z.T @ grad_logits", "grad_logits.T @ z"),
    "decodes mu, not z": slip(Q5, "logits = z @ W_d", "logits = mu @ W_d"),
    "softplus that overflows": slip(
        Q5,
        "np.maximum(logits, 0) + np.log1p(np.exp(-np.abs(logits)))",
        "np.log1p(np.exp(logits))",
    ),
    "sigmoid as exp(l) / (1 + exp(l))": slip(
        Q5,
        "sigmoid = np.where(logits >= 0, 1 / (1 + e), e / (1 + e))",
        "sigmoid = np.exp(logits) / (1 + np.exp(logits))",
    ),
    "draws its own noise": slip(
        Q5,
        "z = mu + sigma * eps",
        "z = mu + sigma * np.random.standard_normal(mu.shape)",
    ),
    "eps changed in place": slip(
        Q5, "z = mu + sigma * eps", "eps *= sigma\n    z = mu + eps"
    ).replace("grad_z * 0.5 * sigma * eps", "grad_z * 0.5 * eps"),
}

Q6 = "ch06-iwae-bound"
IWAE_BOUND = {
    "log(mean(exp(log_w)))": """
        def iwae_bound(log_w):
            return np.log(np.mean(np.exp(log_w), axis=1))
        """,
    "the mean of log w (the ELBO)": """
        def iwae_bound(log_w):
            return np.mean(log_w, axis=1)
        """,
    "no 1/K": slip(Q6, " - np.log(k)", ""),
    "log K added": slip(Q6, " - np.log(k)", " + np.log(k)"),
    "the maximum not added back": slip(Q6, "return top[:, 0] + ", "return "),
    "one maximum for the batch": slip(
        Q6,
        "np.max(log_w, axis=1, keepdims=True)",
        "np.full((len(log_w), 1), log_w.max())",
    ),
    "shifted by the minimum": slip(Q6, "np.max(log_w", "np.min(log_w"),
    "over the wrong axis": """
        def iwae_bound(log_w):
            k = log_w.shape[0]
            top = np.max(log_w, axis=0, keepdims=True)
            return top[0] + np.log(np.sum(np.exp(log_w - top), axis=0)) - np.log(k)
        """,
    "keepdims: shape (N, 1)": slip(
        Q6,
        "top[:, 0] + np.log(np.sum(np.exp(log_w - top), axis=1))",
        "top + np.log(np.sum(np.exp(log_w - top), axis=1, keepdims=True))",
    ),
    "log_w changed in place": slip(Q6, "np.exp(log_w - top)", "np.exp(log_w)").replace(
        "return", "log_w -= top\n    return"
    ),
}

WRONG = {
    Q1: REPARAMETERIZE,
    Q2: GAUSSIAN_KL,
    Q3: ELBO_LOSS,
    Q4: SALT_AND_PEPPER,
    Q5: VAE_GRADIENTS,
    Q6: IWAE_BOUND,
}

# ---------------------------------------------------------------------------------
# The work handed to PyTorch or to the chapter's own code: refused, not graded.
TORCH = {
    Q1: """
        def reparameterize(mu, logvar, eps):
            import torch
            mu, logvar, eps = (torch.tensor(a) for a in (mu, logvar, eps))
            return (mu + torch.exp(0.5 * logvar) * eps).numpy()
        """,
    Q2: """
        import torch

        def gaussian_kl(mu, logvar):
            D = torch.distributions
            q = D.Normal(torch.tensor(mu), torch.exp(0.5 * torch.tensor(logvar)))
            return D.kl_divergence(q, D.Normal(0.0, 1.0)).sum(-1).numpy()
        """,
    Q3: """
        import torch.nn.functional as F

        def elbo_loss(x, logits, mu, logvar):
            bce = F.binary_cross_entropy_with_logits(
                F.torch.tensor(logits), F.torch.tensor(x), reduction="sum"
            ).item()
            kl = 0.5 * np.sum(mu**2 + np.exp(logvar) - 1 - logvar)
            return (bce + kl) / len(x)
        """,
    Q4: """
        def salt_and_pepper(x, u, p):
            import torch
            x, u = torch.tensor(x), torch.tensor(u)
            out = torch.where(u < p / 2, 0.0, x)
            return torch.where((u >= p / 2) & (u < p), 1.0, out).numpy()
        """,
    Q5: """
        import torch

        def vae_loss_and_grads(x, eps, W_mu, b_mu, W_lv, b_lv, W_d, b_d):
            params = [
                torch.tensor(a, requires_grad=True)
                for a in (W_mu, b_mu, W_lv, b_lv, W_d, b_d)
            ]
            x, eps = torch.tensor(x), torch.tensor(eps)
            mu, logvar = x @ params[0] + params[1], x @ params[2] + params[3]
            logits = (mu + torch.exp(0.5 * logvar) * eps) @ params[4] + params[5]
            F = torch.nn.functional
            bce = F.binary_cross_entropy_with_logits(logits, x, reduction="sum")
            kl = 0.5 * torch.sum(mu**2 + torch.exp(logvar) - 1 - logvar)
            loss = (bce + kl) / len(x)
            loss.backward()
            return (loss.item(), *(p.grad.numpy() for p in params))
        """,
    Q6: """
        def iwae_bound(log_w):
            from torch import logsumexp, tensor
            return (logsumexp(tensor(log_w), 1) - np.log(log_w.shape[1])).numpy()
        """,
}

PACKAGE = {
    Q1: reaching(
        SCRATCH,
        "def reparameterize(mu, logvar, eps):",
        "    return ae.reparameterize(mu, logvar, eps)",
    ),
    Q2: reaching(
        SCRATCH,
        "def gaussian_kl(mu, logvar):",
        "    return ae.gaussian_kl(mu, logvar)[0]",
    ),
    Q3: reaching(
        SCRATCH,
        "def elbo_loss(x, logits, mu, logvar):",
        "    nll, _ = ae.bernoulli_nll(logits, x)\n"
        "    kl = ae.gaussian_kl(mu, logvar)[0]\n"
        "    return float(np.mean(nll + kl))",
    ),
    # no NumPy solution in the package: the grader's own reference
    Q4: reaching(
        REFERENCE,
        "def salt_and_pepper(x, u, p):",
        "    return ae.salt_and_pepper(x, u, p)",
    ),
    Q5: reaching(
        SCRATCH,
        "def vae_loss_and_grads(x, eps, W_mu, b_mu, W_lv, b_lv, W_d, b_d):",
        """\
    n = len(x)
    mu, logvar = x @ W_mu + b_mu, x @ W_lv + b_lv
    z = ae.reparameterize(mu, logvar, eps)
    logits = z @ W_d + b_d
    nll, grad_logits = ae.bernoulli_nll(logits, x)
    kl, grad_mu_kl, grad_logvar_kl = ae.gaussian_kl(mu, logvar)
    grad_logits = grad_logits / n
    grad_mu, grad_logvar = ae.reparameterize_backward(grad_logits @ W_d.T, logvar, eps)
    grad_mu, grad_logvar = grad_mu + grad_mu_kl / n, grad_logvar + grad_logvar_kl / n
    return (
        float(np.mean(nll + kl)),
        x.T @ grad_mu,
        grad_mu.sum(axis=0),
        x.T @ grad_logvar,
        grad_logvar.sum(axis=0),
        z.T @ grad_logits,
        grad_logits.sum(axis=0),
    )""",
    ),
    Q6: reaching(
        REFERENCE, "def iwae_bound(log_w):", "    return ae.iwae_bound(log_w)"
    ),
}
REFUSED = {
    question: {"torch": TORCH[question], **PACKAGE[question]} for question in WRONG
}


(
    test_every_question_is_tried,
    test_the_solution_passes,
    test_wrong_answer_is_caught,
) = standard_tests(STEM, WRONG)


def test_every_question_has_refused_answers():
    assert set(REFUSED) == set(questions(STEM))


@pytest.mark.parametrize(
    ("stem", "question", "answer"), wrong_answer_cases(STEM, REFUSED)
)
def test_torch_and_the_chapter_code_are_refused(stem, question, answer):
    messages = assert_caught(stem, question, answer)
    assert any("must use NumPy only" in m for m in messages), messages


def test_the_package_answers_are_right_but_for_the_guard():
    """The answers through the chapter's code compute the right values: what refuses
    them is the NumPy-only guard alone (checked with the guard switched off)."""
    from dlbook.grading.reference import autoencoder as reference

    guard = reference.numpy_only_answer
    try:
        reference.numpy_only_answer = _unguarded
        for question in (Q1, Q2, Q3, Q5):
            for what, answer in PACKAGE[question].items():
                assert not failures(STEM, question, answer), f"{question}: {what}"
    finally:
        reference.numpy_only_answer = guard


def _unguarded(fn, *args, **kwargs):
    from dlbook.grading import answer_of

    return answer_of(fn, *args, **kwargs)
