"""Reference answers of the graded exercises, one module per chapter,
written with PyTorch.

- :mod:`~dlbook.grading.reference.neurons`: chapter 1 (a neuron and gradient descent);
- :mod:`~dlbook.grading.reference.backprop`: chapter 2 (backpropagation and the MLP);
- :mod:`~dlbook.grading.reference.cnn`: chapter 3 (convolutional networks).

A new chapter adds one module here; its exercise tests import it as ``reference``.
"""
