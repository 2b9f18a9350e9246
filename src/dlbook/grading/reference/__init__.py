"""Reference answers of the graded exercises, one module per module of
:mod:`dlbook.scratch` that the exercises rebuild, named like it:

- :mod:`~dlbook.grading.reference.neuron`: a neuron and gradient descent (chapter 1);
- :mod:`~dlbook.grading.reference.layers`: linear, dropout, softmax cross-entropy,
  the MLP (chapter 2);
- :mod:`~dlbook.grading.reference.optim`: Adam (chapter 2), clipping by the global norm
  (chapter 4);
- :mod:`~dlbook.grading.reference.conv`: convolution, pooling, Grad-CAM (chapter 3);
- :mod:`~dlbook.grading.reference.normalization`: batch normalization (chapter 3), layer
  normalization (chapter 5);
- :mod:`~dlbook.grading.reference.rnn`: recurrent networks (chapter 4);
- :mod:`~dlbook.grading.reference.attention`: attention and transformers (chapter 5);
- :mod:`~dlbook.grading.reference.autoencoder`: autoencoders and VAEs (chapter 6).

Each reference is the computation written with torch in float64, its gradients with
autograd, so that the exercise checks never hold the NumPy solution; inputs and outputs
are NumPy arrays (:func:`~dlbook.grading.reference._torch.tensor64` converts). Where a
chapter's answers must be NumPy only, the guard is the chapter's: ``FORBIDDEN`` lists
what they may not use and ``numpy_only_answer`` applies it
(:func:`dlbook.grading.numpy_only_answer`), in ``conv`` (chapter 3), ``rnn`` (chapter
4), ``attention`` (chapter 5) and ``autoencoder`` (chapter 6).

An exercise test imports the module of its concept as ``reference`` (and the chapter's
guard module beside it where the two differ); a new concept adds one module here, named
like its module in :mod:`dlbook.scratch`.
"""
