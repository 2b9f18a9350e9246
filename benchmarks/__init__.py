"""The course's benchmark suite: machine, kernels, scaling, chapters (issue 17).

    .venv/bin/python -m benchmarks            # machine, kernels, scaling (~1 min)
    .venv/bin/python -m benchmarks --chapters # also execute every chapter notebook
    .venv/bin/python -m benchmarks --quick    # tiny shapes, seconds (the test's run)

Writes ``benchmarks/results.json`` and the plots under ``book/_static/benchmarks/``;
``python -m benchmarks.report`` then writes the appendix page ``book/costs.md`` from
the JSON (``python -m benchmarks`` does both). Targets are measured and reported, never
asserted: a kernel that misses its target gets a cProfile of where its time goes.
"""
