"""Benchmarks: running the TensorFlow suite in an environment and reporting it.

:mod:`.run` orchestrates ``envtool bench``; :mod:`.target` finds the
environment's Python and the lock it must match; :mod:`.environment` checks it
against that lock before anything is timed (with :mod:`.probe`, run by the
environment's own Python); :mod:`.suite` runs pytest-benchmark with that
Python; :mod:`.results` reads and compares results, round by round;
:mod:`.report` writes the markdown; :mod:`.plot` the figure; :mod:`.host`
collects facts about the machine. Imports :mod:`envtool.env` and everything
below it.
"""
