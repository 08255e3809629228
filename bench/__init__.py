"""Benchmarks for the book and nnlib: ``make bench`` (or ``python -m bench.run``).

Every module ``bench/<name>.py`` with a ``main(quick=False)`` function is one benchmark: it
returns a list of result rows (see ``bench.common``), which ``bench.run`` prints and writes to the
appendix page ``appendix/benchmarks.md``. Add a benchmark by adding such a module.
"""
