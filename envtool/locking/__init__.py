"""Locking: solving each target and writing its lock files.

:mod:`.solve` solves the conda half with rattler against the target's
virtual packages, and :mod:`.explain` shortens the solver's reasons when it
cannot; :mod:`.pypi` resolves the pip half with uv for the target's platform
and Python; :mod:`.provided` makes what conda installs count as installed for
it, with PyPI names from :mod:`.pypi_names` (a maintained mapping, shipped as data);
:mod:`.freshness` decides whether a target's locks are stale (raw-byte
digests first, parsed fingerprints only when bytes changed); :mod:`.lock`
orchestrates ``envtool lock`` and ``envtool check`` (atomic writes of every
file of a group); :mod:`.update` keeps locked versions as the solvers'
preferences (``lock --update``), :mod:`.edit` re-locks after
``add``/``remove``, :mod:`.diff` tells what changed between locks and
:mod:`.why` how a package got into one. Imports :mod:`envtool.lockfiles`,
:mod:`envtool.inputs` and the bottom floor.
"""
