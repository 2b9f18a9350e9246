"""The from-scratch library: the NumPy code the chapters derive, one module a concept.

- :mod:`~dlbook.scratch.neuron`: one neuron, activations, losses, gradient descent
  (chapter 1);
- :mod:`~dlbook.scratch.autograd`: a scalar reverse-mode autograd engine (chapter 2);
- :mod:`~dlbook.scratch.layers`: layers with hand-written backward passes, losses
  (chapter 2);
- :mod:`~dlbook.scratch.optim`: SGD, Adam, learning-rate schedules (chapter 2) and
  clipping by global norm (chapter 4);
- :mod:`~dlbook.scratch.conv`: convolution and pooling (chapter 3);
- :mod:`~dlbook.scratch.normalization`: batch normalization (chapter 3) and layer
  normalization (chapter 5);
- :mod:`~dlbook.scratch.rnn`: RNN, LSTM and GRU through time, embeddings, sampling
  (chapter 4);
- :mod:`~dlbook.scratch.attention`: attention, masks, multi-head attention, the
  transformer block (chapter 5);
- :mod:`~dlbook.scratch.autoencoder`: autoencoders and the VAE's pieces (chapter 6).

Every layer derives from :class:`~dlbook.scratch.layers.Layer`, so layers nest. Each
gradient is checked against finite differences and ``torch.autograd`` in ``tests/``. A
new chapter adds its module here.
"""
