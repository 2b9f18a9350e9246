"""The course's tooling, one package (run its scripts as ``python -m tools.NAME``).

- :mod:`tools.repository`: the repository's root, ``_toc.yml`` and ``_config.yml`` read
  as YAML, the notebooks of the book and of the grader, the offline data.
- :mod:`tools.execute_notebooks`: :func:`~tools.execute_notebooks.run_notebook`, the one
  function that executes a notebook (for ``make execute`` and the benchmark), and the
  executor that stores a run in the notebook.
- :mod:`tools.blas_kernels`: the BLAS kernel variants ``make execute`` runs under.
- :mod:`tools.notebook_setup`: the set-up cell at the top of every notebook.
- :mod:`tools.run_times`: the "**Time:**" lines and the intro's table of run times,
  written from what the runs recorded.
- :mod:`tools.claims`: the table of every decimal number in a notebook's prose and the
  output, citation or stated reason that backs it (the prose-number test's rule).
- :mod:`tools.make_exercises`: ``exercises/`` from the masters in ``solutions/``.
- :mod:`tools.fetch_mathjax`: MathJax served with the book.
"""
