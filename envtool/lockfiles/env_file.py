"""The ``<target>.yml`` file that ``conda env create -f`` and ``micromamba create -f`` read.

``name``, ``channels``, exact ``name=version=build`` pins, a ``pip:`` list of
``==`` pins each with ``--hash=sha256:``, and the spec's ``variables``. It
carries no URLs or hashes of conda packages: reading it takes them from the
conda-lock file beside it that holds the same target.
"""

from __future__ import annotations

import json
from pathlib import Path

from envtool.errors import LockFormatError
from envtool.lockfiles.conda_lock import LOCK_SUFFIX, read_conda_lock, render_for_platform, target_header
from envtool.lockfiles.header import Stamp, parse_header, read_header
from envtool.model import TargetLock


def render_env_file(path: Path, lock: TargetLock) -> str:
    """The ``<target>.yml`` text for ``lock``."""
    usage = ["", "Create the environment with any of:", f"  conda env create -n NAME -f {path.as_posix()}",
             f"  micromamba create -n NAME -f {path.as_posix()}", f"  envtool create {lock.target}", ""]  # fmt: skip
    lines = [line for line in render_for_platform(lock, "env") if line]
    at = lines.index("channels:") if "channels:" in lines else len(lines)
    body = [*lines[:at], f"name: {lock.name or lock.target}", *lines[at:]]
    if lock.variables:
        body.append("variables:")
        body.extend(f"  {key}: {json.dumps(value)}" for key, value in sorted(lock.variables.items()))
    return target_header(path, lock, usage) + "\n".join(body) + "\n"


def find_group_file(folder: Path, target: str) -> Path | None:
    """The conda-lock file in ``folder`` whose header lists ``target``."""
    for candidate in sorted(folder.glob(f"*{LOCK_SUFFIX}")):
        try:
            if target in read_header(candidate):
                return candidate
        except LockFormatError:
            continue
    return None


def read_env_file(path: Path) -> TargetLock:
    """The lock ``path`` pins, with URLs and hashes from its group file."""
    stamps = parse_header(path.read_text(encoding="utf-8"), str(path))
    if len(stamps) != 1:
        raise LockFormatError(str(path), "header names no single target", "re-create it with 'envtool lock --force'")
    stamp: Stamp = next(iter(stamps.values()))
    group = find_group_file(path.parent, stamp.target)
    if group is None:
        raise LockFormatError(
            str(path), f"no conda-lock file beside it holds target {stamp.target!r}, so there are no hashes to verify",
            "keep the locks/ folder together, or pass the *-lock.yml file",
        )  # fmt: skip
    for lock in read_conda_lock(group):
        if lock.target == stamp.target:
            if lock.input_hash != stamp.input_hash:
                raise LockFormatError(
                    str(path), f"out of step with {group} (input hashes differ)", "re-lock with 'envtool lock --force'"
                )
            return lock
    raise LockFormatError(str(group), f"holds no target {stamp.target!r}", "re-lock with 'envtool lock --force'")
