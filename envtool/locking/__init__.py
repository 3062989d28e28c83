"""Locking: solving each target and writing its lock files.

:mod:`.solve` solves the conda half with rattler against the target's
virtual packages; :mod:`.pypi` resolves the pip half with uv for the target's
platform and Python; :mod:`.pypi_names` maps conda names to PyPI names;
:mod:`.lock` orchestrates ``envtool lock`` and ``envtool check`` (staleness,
atomic writes of every file of a group). Imports :mod:`envtool.lockfiles`,
:mod:`envtool.inputs` and the bottom floor.
"""
