"""envtool: reproducible conda + PyPI environments, locked per target and recreated by hash.

The package is laid out as the pipeline it runs; imports only go down this list
(``tests/test_layout.py`` keeps it so):

* :mod:`envtool.cli`: one thin module per command; parses, calls the library, prints, maps errors to exit codes.
* :mod:`envtool.bench`: the TensorFlow benchmarks of a created environment, their results, report and plot.
* :mod:`envtool.env`: ``create`` (staging, conda half, pip half, activation) and ``verify`` of environments.
* :mod:`envtool.locking`: solving a target's conda half (rattler) and pip half (uv); ``lock`` and ``check``.
* :mod:`envtool.lockfiles`: the lock formats (header, conda-lock v1, ``conda env create`` file, ``@EXPLICIT``).
* :mod:`envtool.inputs`: specs (``environment.yml``), the targets manifest, fingerprints, mirrors.
* bottom floor, importable by all: :mod:`envtool.errors`, :mod:`envtool.model`, :mod:`envtool.atomic`,
  :mod:`envtool.caches`, :mod:`envtool.urls`, :mod:`envtool.yamlio`, :mod:`envtool.tomlio`,
  :mod:`envtool.interrupts` (signals), :mod:`envtool.mutex` (one process at a time).
"""

__version__ = "0.1.0"  # pyproject.toml's version; tests/test_layout.py keeps them equal
