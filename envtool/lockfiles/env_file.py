"""The ``<target>.yml`` file that ``conda env create -f`` and ``micromamba create -f`` read.

``name``, ``channels`` (as the specs spell them, so the user's own channel
settings and mirrors apply), exact ``name=version=build`` pins, a ``pip:`` list
of ``==`` pins each with ``--hash=sha256:``, and the spec's ``variables``. It
carries no URLs or hashes of conda packages: reading it takes them from the
conda-lock file beside it that holds the same target. The lines after the
header are conda-lock's ``env`` render of the same lock, byte for byte
(``tests/lockfiles/test_conda_lock.py`` compares), plus ``name`` and
``variables``.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

from envtool.errors import LockFormatError
from envtool.lockfiles.conda_lock import LOCK_SUFFIX, read_conda_lock, read_text, target_header
from envtool.lockfiles.header import MARK, Stamp, ensure_intact, parse_header, read_header, seal
from envtool.model import CondaPackage, TargetLock

_SUFFIXES = (".tar", ".bz2", ".gz", ".conda")


def render_env_file(path: Path, lock: TargetLock) -> str:
    """The ``<target>.yml`` text for ``lock``."""
    usage = ["", "Create the environment with any of:", f"  conda env create -n NAME -f {path.as_posix()}",
             f"  micromamba create -n NAME -f {path.as_posix()}", f"  envtool create {lock.target}", ""]  # fmt: skip
    body = [
        f"# platform: {lock.platform}",
        f"# input_hash: {lock.input_hash}",
        f"name: {lock.name or lock.target}",
        *_pip_lines(env_lines(lock), lock),
    ]
    if lock.variables:
        body.append("variables:")
        body.extend(f"  {key}: {json.dumps(value)}" for key, value in sorted(lock.variables.items()))
    return seal(target_header(path, lock, usage) + "\n".join(body) + "\n")


def env_lines(lock: TargetLock) -> list[str]:
    """conda-lock's ``env`` render of ``lock`` from ``channels:`` on (packages by name, as it sorts them)."""
    conda = sorted((c for c in lock.conda if not c.name.startswith("__")), key=lambda c: c.name)
    lines = ["channels:", *(f"  - {ch}" for ch in lock.channels), "dependencies:"]
    lines.extend(f"  - {c.name}={c.version}={_url_build(c)}" for c in conda)
    if lock.pip:
        lines.append("  - pip:")
        for p in sorted(lock.pip, key=lambda p: p.name):
            lines.append(f"      - {p.name} == {p.version}" + (f" --hash=sha256:{p.sha256}" if p.sha256 else ""))
    return lines


def _url_build(package: CondaPackage) -> str:
    """The build string in the package's file name (what conda-lock pins, whatever the record says)."""
    name = urlsplit(package.url).path.rsplit("/", 1)[-1]
    while True:
        stem, dot, ext = name.rpartition(".")
        if not (dot and stem and f".{ext}" in _SUFFIXES):
            break
        name = stem
    return name.split("-")[-1]


def _pip_lines(lines: list[str], lock: TargetLock) -> list[str]:
    """The pip list with the index options first and direct wheels by URL, as pip must read them.

    conda writes the list into a requirements file for pip: option lines make pip
    search the indexes the lock was resolved from; a wheel asked for by URL is
    not on any index, so it is written ``name @ URL`` with its hash.
    """
    if "  - pip:" not in lines:
        return lines
    at = lines.index("  - pip:") + 1
    indent = " " * 6
    direct = {f"{indent}- {p.name} == {p.version} ": p for p in lock.pip if p.direct}
    out = [*lines[:at], *(f"{indent}- {option}" for option in lock.pip_options)]
    for line in lines[at:]:
        package = next((p for prefix, p in direct.items() if line.startswith(prefix)), None)
        out.append(f"{indent}- {package.name} @ {package.url} --hash=sha256:{package.sha256}" if package else line)
    return out


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
    text = read_text(path)
    if not text.startswith(MARK):  # an environment.yml: no hashes, so nothing create could verify
        raise LockFormatError(
            str(path), "not a lock (no envtool header, no @EXPLICIT line, not a conda-lock file)",
            "pass a *-lock.yml, *-explicit.txt or <target>.yml file written by 'envtool lock'",
        )  # fmt: skip
    stamps = parse_header(text, str(path))
    ensure_intact(path, text)
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
