"""A scalar automatic-differentiation engine: reverse mode on a graph of numbers
(chapter 2).

Each operation on :class:`Value` objects makes a new node that remembers its inputs (its
*children*) and the local derivatives d(node)/d(child), which are known as soon as the
forward value is. :meth:`Value.backward` then applies the chain rule (2.5)-(2.6):
visiting the nodes in reverse topological order, each node passes
``local derivative * its own gradient`` to each child, and a child reached along several
paths adds up what it receives.

    a, b = Value(2.0), Value(-3.0)
    loss = (a * b + a.exp()).tanh()
    loss.backward()
    a.grad, b.grad          # d loss / d a, d loss / d b
"""

from __future__ import annotations

import math

__all__ = ["Value"]


class Value:
    """One number in a computational graph,
    with its gradient ``grad`` = d(output)/d(self)."""

    __slots__ = ("data", "grad", "_children", "_local_grads", "_op")

    def __init__(
        self,
        data: float,
        children: tuple[Value, ...] = (),
        local_grads: tuple[float, ...] = (),
        op: str = "",
    ):
        self.data = float(data)
        self.grad = 0.0
        self._children = children  # the inputs of the operation that made this node
        self._local_grads = local_grads  # d(self)/d(child), one per child
        self._op = op  # the operation's name, for display

    def __repr__(self) -> str:
        return f"Value(data={self.data:.6g}, grad={self.grad:.6g})"

    @staticmethod
    def _lift(other: Value | float) -> Value:
        return other if isinstance(other, Value) else Value(other)

    # --- the operations: a value and its local derivatives ----------------------------

    def __add__(self, other: Value | float) -> Value:
        other = self._lift(other)
        # d(a+b)/da = d(a+b)/db = 1
        return Value(self.data + other.data, (self, other), (1.0, 1.0), "+")

    def __mul__(self, other: Value | float) -> Value:
        other = self._lift(other)
        # d(ab)/da = b
        return Value(
            self.data * other.data, (self, other), (other.data, self.data), "*"
        )

    def __pow__(self, exponent: float) -> Value:
        if isinstance(exponent, Value):
            raise TypeError("only constant exponents are supported: x ** 2, not x ** y")
        local = exponent * self.data ** (exponent - 1)  # d(x^k)/dx = k x^(k-1)
        return Value(self.data**exponent, (self,), (local,), f"**{exponent:g}")

    def exp(self) -> Value:
        out = math.exp(self.data)
        return Value(out, (self,), (out,), "exp")  # d(e^x)/dx = e^x

    def log(self) -> Value:
        # d(ln x)/dx = 1/x
        return Value(math.log(self.data), (self,), (1.0 / self.data,), "log")

    def tanh(self) -> Value:
        out = math.tanh(self.data)
        # d(tanh x)/dx = 1 - tanh(x)^2
        return Value(out, (self,), (1.0 - out**2,), "tanh")

    def relu(self) -> Value:
        positive = self.data > 0
        # 1 if x > 0
        return Value(
            self.data if positive else 0.0, (self,), (float(positive),), "relu"
        )

    # --- everything else is built from the operations above ---------------------------

    def __neg__(self) -> Value:
        return self * -1.0

    def __sub__(self, other: Value | float) -> Value:
        return self + (-self._lift(other))

    def __truediv__(self, other: Value | float) -> Value:
        return self * self._lift(other) ** -1.0

    def __radd__(self, other: float) -> Value:
        return self + other

    def __rmul__(self, other: float) -> Value:
        return self * other

    def __rsub__(self, other: float) -> Value:
        return self._lift(other) - self

    def __rtruediv__(self, other: float) -> Value:
        return self._lift(other) / self

    def sigmoid(self) -> Value:
        return 1.0 / (1.0 + (-self).exp())

    # --- reverse mode -----------------------------------------------------------------

    def topological_order(self) -> list[Value]:
        """Every node this one depends on, each after all of its children
        (iterative DFS)."""
        order: list[Value] = []
        visited: set[int] = set()
        stack: list[tuple[Value, bool]] = [(self, False)]
        while stack:
            node, children_done = stack.pop()
            if children_done:
                order.append(node)
            elif id(node) not in visited:
                visited.add(id(node))
                stack.append((node, True))
                stack.extend(
                    (child, False)
                    for child in node._children
                    if id(child) not in visited
                )
        return order

    def backward(self) -> None:
        """Set ``grad`` of every node in the graph to d(self)/d(node).

        Gradients are reset to zero first, then accumulated (``+=``): a node used twice
        receives both contributions (2.6), and calling ``backward`` twice gives the same
        result.
        """
        order = self.topological_order()
        for node in order:
            node.grad = 0.0
        self.grad = 1.0
        # every node's grad is complete before it is passed on
        for node in reversed(order):
            for child, local in zip(node._children, node._local_grads, strict=True):
                child.grad += local * node.grad  # (2.5): chain rule along one edge
