"""Reading any of envtool's three lock formats into :class:`~envtool.model.TargetLock` objects."""

from __future__ import annotations

import re
from pathlib import Path

from envtool.errors import LockFormatError
from envtool.lockfiles.conda_lock import LOCK_SUFFIX, read_conda_lock
from envtool.lockfiles.env_file import read_env_file
from envtool.lockfiles.explicit import read_explicit
from envtool.model import TargetLock


def read_lock(path: Path) -> list[TargetLock]:
    """Read any envtool lock format: a conda-lock file, ``<target>.yml`` or ``<target>-explicit.txt``.

    ``<target>.yml`` pins only ``name=version=build``; its URLs and hashes are
    taken from the conda-lock file beside it that holds the same target.
    """
    kind = lock_kind(path)
    if kind == "conda-lock":
        return read_conda_lock(path)
    if kind == "explicit":
        return [read_explicit(path)]
    return [read_env_file(path)]


def lock_kind(path: Path) -> str:
    """``conda-lock``, ``explicit`` or ``env``: which of the formats ``path`` is."""
    if not path.is_file():
        raise LockFormatError(str(path), "lock file not found", "run 'envtool lock' or fix the path")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise LockFormatError(
            str(path), f"not a lock file: not UTF-8 text ({exc.reason})", "pass a lock written by envtool lock"
        ) from None
    if path.name.endswith(LOCK_SUFFIX) or re.search(r"^version:", text, re.MULTILINE):
        return "conda-lock"
    if re.search(r"^\s*@EXPLICIT\s*$", text, re.MULTILINE):  # conda's marker line, however long the preamble
        return "explicit"
    return "env"


def is_env_file(path: Path) -> bool:
    """Whether ``path`` is a ``<target>.yml`` env file (whose pins come with a group file)."""
    return lock_kind(path) == "env"
