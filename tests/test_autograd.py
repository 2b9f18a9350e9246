"""The scalar autograd engine (dlbook.scratch.autograd.Value)
against torch.autograd in float64."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from dlbook.scratch.autograd import Value

from helpers import property_checks, seeds, t64

# Each operation works on Values and on torch scalars alike; inputs that must be
# positive (log, division) are made so with x**2 + 1.
UNARY = {
    "exp": lambda x: (x * 0.5).exp(),
    "tanh": lambda x: x.tanh(),
    "relu": lambda x: x.relu(),
    "sigmoid": lambda x: x.sigmoid(),
    "log": lambda x: (x**2 + 1.0).log(),
    "square": lambda x: x**2,
    "cube": lambda x: x**3,
    "neg": lambda x: -x,
    "inverse": lambda x: 1.0 / (x**2 + 1.0),
    "scale": lambda x: 2.5 * x - 1.0,
}
BINARY = {
    "add": lambda x, y: x + y,
    "sub": lambda x, y: x - y,
    "mul": lambda x, y: x * y,
    "div": lambda x, y: x / (y**2 + 1.0),
    "rsub": lambda x, y: 3.0 - x * y,
}


def run_program(program: list[tuple[str, int, int]], inputs: list) -> object:
    """Apply ``program`` (op name and operand indices into the growing list of nodes);
    sum the last three nodes so that several paths reach the output."""
    nodes = list(inputs)
    for op, i, j in program:
        a, b = nodes[i % len(nodes)], nodes[j % len(nodes)]
        nodes.append(UNARY[op](a) if op in UNARY else BINARY[op](a, b))
    return nodes[-1] + nodes[-2] + nodes[-3]


programs = st.lists(
    st.tuples(
        st.sampled_from(sorted(UNARY) + sorted(BINARY)),
        st.integers(0, 50),
        st.integers(0, 50),
    ),
    min_size=3,
    max_size=25,
)


@property_checks(40)
@given(program=programs, seed=seeds, n_inputs=st.integers(1, 4))
def test_random_expressions_match_torch(program, seed, n_inputs):
    xs = np.random.default_rng(seed).normal(size=n_inputs)
    tensors = [t64(x, grad=True) for x in xs]
    out_t = run_program(program, tensors)
    out_t.backward()
    grads_t = [0.0 if t.grad is None else t.grad.item() for t in tensors]
    # no overflow
    assume(all(math.isfinite(g) and abs(g) < 1e12 for g in [out_t.item(), *grads_t]))
    values = [Value(x) for x in xs]
    out = run_program(program, values)
    out.backward()
    assert out.data == pytest.approx(out_t.item(), rel=1e-10, abs=1e-12)
    for v, expected in zip(values, grads_t, strict=True):
        assert v.grad == pytest.approx(expected, rel=1e-9, abs=1e-12)


def micrograd_expression(a, b):
    """micrograd's test expression; works on `Value`s and on torch tensors alike."""
    c = a + b
    d = a * b + b**3
    c = c + c + 1
    c = c + 1 + c + (-a)
    d = d + d * 2 + (b + a).relu()
    d = d + 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    return g + 10.0 / f


def test_micrograd_style_expression():
    a, b = Value(-4.0), Value(2.0)
    g = micrograd_expression(a, b)
    g.backward()

    at, bt = (t64(v, grad=True) for v in (-4.0, 2.0))
    gt = micrograd_expression(at, bt)
    gt.backward()
    assert g.data == pytest.approx(gt.item(), rel=1e-12)
    assert a.grad == pytest.approx(at.grad.item(), rel=1e-12)
    assert b.grad == pytest.approx(bt.grad.item(), rel=1e-12)


def test_each_operation_has_its_textbook_derivative():
    x = 0.7
    cases = {
        "exp": (lambda v: v.exp(), math.exp(x)),
        "log": (lambda v: v.log(), 1 / x),
        "tanh": (lambda v: v.tanh(), 1 - math.tanh(x) ** 2),
        "relu": (lambda v: v.relu(), 1.0),
        "pow": (lambda v: v**3, 3 * x**2),
        "sigmoid": (lambda v: v.sigmoid(), math.exp(-x) / (1 + math.exp(-x)) ** 2),
    }
    for name, (f, derivative) in cases.items():
        v = Value(x)
        f(v).backward()
        assert v.grad == pytest.approx(derivative, rel=1e-12), name
    v = Value(-0.3)
    v.relu().backward()
    assert v.grad == 0.0


def test_a_node_used_twice_gets_both_contributions():
    x = Value(3.0)
    y = x * x + x  # dy/dx = 2x + 1
    y.backward()
    assert x.grad == 7.0


def test_backward_twice_gives_the_same_gradients():
    x, w = Value(1.5), Value(-0.5)
    out = (x * w).tanh() * x
    out.backward()
    first = (x.grad, w.grad)
    out.backward()
    assert (x.grad, w.grad) == first


def test_topological_order_puts_children_first():
    a, b = Value(1.0), Value(2.0)
    out = (a * b + a).exp() * b
    order = out.topological_order()
    position = {id(node): i for i, node in enumerate(order)}
    assert order[-1] is out and len(position) == len(order)
    for node in order:
        for child in node._children:
            assert position[id(child)] < position[id(node)]


def test_deep_graph_needs_no_recursion():
    x = Value(0.5)
    y = x
    for _ in range(5000):
        y = y * 1.0 + 0.0
    y.backward()
    assert x.grad == 1.0


def test_variable_exponent_is_refused():
    with pytest.raises(TypeError, match="constant exponents"):
        Value(2.0) ** Value(3.0)
