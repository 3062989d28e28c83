"""Environments: creating one from a lock without conda, and verifying it.

:mod:`.create` orchestrates ``envtool create``: :mod:`.locate` picks the lock
and prefix, :mod:`.staging` builds in a folder beside the destination and swaps
it into place, :mod:`.conda_half` checks every package's sha256/md5 and links
the conda half with rattler, :mod:`.pip_half` installs wheels with uv
(``--require-hashes``), :mod:`.activation` writes the lock's variables.
:mod:`.verify` compares an installed prefix with its lock. :mod:`.progress` is
the protocol installers report to. :mod:`.host` probes what this machine
offers (driver CUDA, glibc, macOS, AVX) and :mod:`.doctor` compares it with
what a lock needs; :mod:`.run` runs commands in an activated environment.
Imports :mod:`envtool.locking`,
:mod:`envtool.lockfiles`, :mod:`envtool.inputs` and the bottom floor.
"""
