"""Reference answers of the graded exercises, one module a chapter.

- :mod:`~dlbook.grading.reference.neurons`: chapter 1 (a neuron and gradient descent);
- :mod:`~dlbook.grading.reference.backprop`: chapter 2 (backpropagation and the MLP);
- :mod:`~dlbook.grading.reference.cnn`: chapter 3 (convolutional networks);
- :mod:`~dlbook.grading.reference.rnn`: chapter 4 (recurrent networks);
- :mod:`~dlbook.grading.reference.attention`: chapter 5 (attention and transformers);
- :mod:`~dlbook.grading.reference.autoencoder`: chapter 6 (autoencoders and VAEs).

Each reference is the computation written with torch in float64, its gradients with
autograd, so that the exercise checks never hold the NumPy solution; inputs and outputs
are NumPy arrays (:func:`~dlbook.grading.reference._torch.tensor64` converts). Where a
chapter's answers must be NumPy only, its module's ``FORBIDDEN`` lists what they may not
use, and its ``numpy_only_answer`` applies the guard
(:func:`dlbook.grading.numpy_only_answer`).

A new chapter adds one module here; its exercise tests import it as ``reference``.
"""
