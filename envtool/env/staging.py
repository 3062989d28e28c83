"""Build an environment in a temporary prefix beside its destination, then move it into place.

The staging folder sits on the destination's file system, so one rename puts
the finished environment in place. Until that rename the destination is
untouched, whatever fails (hash mismatch, network, full disk, Ctrl-C or
SIGTERM), and the staging folder is removed, with any parent folders made for
it. An existing environment is replaced only with ``force``, and then
atomically too: the old one is renamed aside, the new one renamed in, and the
old one deleted. Folders that are not environments are never replaced.
"""

from __future__ import annotations

import contextlib
import secrets
import shutil
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from envtool.atomic import signals_deferred
from envtool.errors import InstallError


def is_environment(path: Path) -> bool:
    """Whether ``path`` looks like a conda environment (it has ``conda-meta/``)."""
    return (path / "conda-meta").is_dir()


def check_destination(final: Path, force: bool) -> None:
    """Refuse a file, a non-empty folder that is not an environment, or (without ``force``) an environment."""
    if final.is_file() or final.is_symlink():
        raise InstallError(str(final), "exists and is not a folder", "choose another -p PREFIX")
    if not final.is_dir() or not any(final.iterdir()):
        return
    if not is_environment(final):
        raise InstallError(
            str(final),
            "exists, is not empty and is not an environment (no conda-meta/)",
            "choose another -p PREFIX; envtool never deletes other folders",
        )
    if not force:
        raise InstallError(
            str(final),
            "an environment already exists here",
            "pass --force to replace it, or choose another -p PREFIX / -n NAME",
        )


@contextlib.contextmanager
def claimed(final: Path, say: Callable[[str], None]) -> Iterator[None]:
    """Hold ``final`` for this process: one envtool at a time creates a given prefix.

    The lock file is ``.<name>.envtool.lock`` beside the prefix. When the
    command fails and no environment is there, the lock file goes again (with
    any parent folders made for it), so a failed command leaves no trace.
    """
    from envtool.mutex import exclusive

    made = _make_parents(final.parent)
    lock_file = final.parent / f".{final.name}.envtool.lock"
    try:
        with exclusive(lock_file, f"creating {final}", say):
            yield
    except BaseException:
        if not final.exists():
            with signals_deferred():
                lock_file.unlink(missing_ok=True)
                _remove_made(made)
        raise


@contextlib.contextmanager
def staging_folder(final: Path) -> Iterator[Path]:
    """A fresh folder beside ``final``; removed (with parents made for it) unless renamed away."""
    made = _make_parents(final.parent)
    staging = final.parent / f".{final.name}.envtool-new-{secrets.token_hex(4)}"
    try:
        staging.mkdir()
    except OSError as exc:
        _remove_made(made)
        raise InstallError(
            str(final.parent),
            f"cannot create the environment here ({exc.strerror})",
            "choose a writable -p PREFIX",
        ) from None
    try:
        yield staging
    except BaseException as exc:
        with signals_deferred():
            _remove_tree(staging)
            _remove_made(made)
        if isinstance(exc, OSError):  # writing envtool's own files: full or read-only disk
            raise InstallError(
                str(final.parent), f"cannot write ({exc.strerror})", "free some space or choose a writable -p PREFIX"
            ) from None
        raise


def _make_parents(parent: Path) -> list[Path]:
    missing = [p for p in (parent, *parent.parents) if not p.exists()]
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        _remove_made(missing)
        raise InstallError(
            str(parent), f"cannot create the folder ({exc.strerror})", "choose a writable -p PREFIX"
        ) from None
    return missing


def _remove_made(made: Sequence[Path]) -> None:
    for folder in made:  # deepest first
        with contextlib.suppress(OSError):
            folder.rmdir()


def _remove_tree(path: Path) -> None:
    """Delete ``path``; retried, as rattler's worker threads may still write just after a cancel."""
    for _ in range(20):
        shutil.rmtree(path, ignore_errors=True)
        time.sleep(0.02)
        if not path.exists():
            return


def swap_into_place(staging: Path, final: Path) -> bool:
    """Rename ``staging`` to ``final`` (an old environment there goes aside, then away)."""
    with signals_deferred() as held:
        old: Path | None = None
        try:
            if final.is_dir() and any(final.iterdir()):
                old = final.parent / f".{final.name}.envtool-old-{secrets.token_hex(4)}"
                final.rename(old)
            elif final.is_dir():
                final.rmdir()
            staging.rename(final)
        except OSError as exc:
            if old is not None and not final.exists():
                old.rename(final)
            raise InstallError(
                str(final),
                f"cannot move the new environment into place ({exc.strerror})",
                "check that nothing else uses or writes there, then retry",
            ) from None
        if old is not None:
            _remove_tree(old)
        held.clear()  # too late to stop: the exit code must say the new environment is in place
    return old is not None
