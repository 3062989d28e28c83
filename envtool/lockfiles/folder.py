"""Every lock of a project at once: from a locks folder, or from a git revision of it.

A folder's locks are read from its conda-lock group files (``*-lock.yml``),
which hold every target with URLs and hashes; a revision's are the same files
as git stored them (``git show REV:locks/...``), read from a temporary folder.
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from envtool.errors import ConfigError, LockFormatError
from envtool.lockfiles.conda_lock import LOCK_SUFFIX, read_conda_lock
from envtool.model import TargetLock


def read_folder(folder: Path) -> dict[str, TargetLock]:
    """Target name -> lock, for every target in the folder's conda-lock files (empty if no folder)."""
    if not folder.is_dir():
        return {}
    out: dict[str, TargetLock] = {}
    for path in sorted(folder.glob(f"*{LOCK_SUFFIX}")):
        for lock in read_conda_lock(path):
            out[lock.target] = lock
    return out


def read_revision(folder: Path, revision: str) -> dict[str, TargetLock]:
    """The locks ``folder`` held at git ``revision`` (empty if it held none)."""
    anchor = folder if folder.is_dir() else folder.parent
    top = Path(_git(anchor, revision, "rev-parse", "--show-toplevel").strip())
    commit = _git(anchor, revision, "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}").strip()
    try:
        rel = folder.resolve().relative_to(top.resolve()).as_posix()
    except ValueError:
        raise ConfigError(
            str(folder), f"not inside the git repository at {top}", "run envtool diff in the project's checkout"
        ) from None
    names = _git(top, revision, "ls-tree", "--name-only", commit, "--", f"{rel}/").splitlines()
    with tempfile.TemporaryDirectory(prefix="envtool-diff-") as tmp:
        for name in names:
            if name.endswith(LOCK_SUFFIX):
                blob = _git_bytes(top, revision, "show", f"{commit}:{name}")
                (Path(tmp) / Path(name).name).write_bytes(blob)
        try:
            return read_folder(Path(tmp))
        except LockFormatError as err:
            raise LockFormatError(f"{revision}:{rel}/{Path(err.where).name}", err.what, err.fix) from None


def _git(cwd: Path, revision: str, *args: str) -> str:
    return _git_bytes(cwd, revision, *args).decode("utf-8", "replace")


def _git_bytes(cwd: Path, revision: str, *args: str) -> bytes:
    try:
        proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, timeout=60, check=False)
    except (OSError, subprocess.SubprocessError) as exc:
        raise ConfigError(revision, f"cannot run git ({exc})", "install git, or pass a locks folder instead") from None
    if proc.returncode != 0:
        reason = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise ConfigError(
            revision,
            f"not a locks folder, and git cannot read it as a revision ({reason[0] if reason else 'unknown revision'})",
            "pass a git revision (HEAD, main, a commit) of this checkout or a folder of locks",
        )
    return proc.stdout
