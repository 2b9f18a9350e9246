"""Reference answers of the graded exercises, one module a chapter, written with torch.

- :mod:`~dlbook.grading.reference.neurons`: chapter 1 (a neuron and gradient descent);
- :mod:`~dlbook.grading.reference.backprop`: chapter 2 (backpropagation and the MLP);
- :mod:`~dlbook.grading.reference.cnn`: chapter 3 (convolutional networks);
- :mod:`~dlbook.grading.reference.rnn`, :mod:`~dlbook.grading.reference.attention`,
  :mod:`~dlbook.grading.reference.autoencoder`: chapters 4-6 (recurrent networks,
  attention, autoencoders).

A new chapter adds one module here; its exercise tests import it as ``reference``.
"""
