"""Benchmarks: running the TensorFlow suite in an environment and reporting it.

:mod:`.run` orchestrates ``envtool bench``; :mod:`.suite` runs pytest-benchmark
with the environment's Python; :mod:`.results` reads and compares results;
:mod:`.report` writes the markdown; :mod:`.plot` the figure; :mod:`.host`
collects facts about the machine. Imports :mod:`envtool.env` and everything
below it.
"""
