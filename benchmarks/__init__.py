"""The course's benchmark suite: machine, operations, scaling, chapters (issue 17).

    .venv/bin/python -m benchmarks            # machine, operations, scaling (~2 min)
    .venv/bin/python -m benchmarks --chapters # also execute every chapter notebook
    .venv/bin/python -m benchmarks --quick    # tiny shapes, seconds (the test's run)

- ``operations``: each from-scratch NumPy operation (layers, losses, training steps)
  timed against PyTorch at the chapters' shapes;
- ``machine``: the machine's facts and its float32 matrix-product ceiling;
- ``scaling``: how time grows with the model's size; ``alternation``: NumPy beside
  PyTorch; ``chapters``: each notebook executed as CI runs it;
- ``timing``: interleaved, settled timings, NumPy and PyTorch in alternating rounds;
  ``plots`` and ``report``: the figures and
  the page.

Writes ``benchmarks/results.json`` and the plots under ``book/_static/benchmarks/``;
``python -m benchmarks.report`` then writes the appendix page ``book/costs.md`` from
the JSON (``python -m benchmarks`` does both). Targets are measured and reported, never
asserted: an operation that misses its target gets a cProfile of where its time goes.
"""
