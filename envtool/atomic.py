"""Atomic file replacement: a reader sees the old file or the new one, never half of either.

>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> replace_all({d / "a.txt": "one\\n", d / "b.txt": "two\\n"})
>>> (d / "a.txt").read_text()
'one\\n'
"""

from __future__ import annotations

import contextlib
import os
import signal
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path


def _write_temp(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    if path.exists():
        Path(name).chmod(path.stat().st_mode & 0o777)
    else:
        Path(name).chmod(0o644)
    return Path(name)


@contextlib.contextmanager
def signals_deferred() -> Iterator[None]:
    """Hold back SIGINT/SIGTERM while a short critical section runs (POSIX main thread only)."""
    mask = {signal.SIGINT, signal.SIGTERM}
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    try:
        old = signal.pthread_sigmask(signal.SIG_BLOCK, mask)
    except (ValueError, OSError):
        yield
        return
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def replace_all(files: Mapping[Path, str]) -> None:
    """Write every file to a temporary sibling, then rename them all into place.

    Nothing is replaced until every temporary file is written; the renames run
    with SIGINT/SIGTERM held back, so an interrupt leaves all old files or all
    new ones. Unchanged files are not touched.
    """
    pending: dict[Path, Path] = {}
    try:
        for path, text in files.items():
            if path.is_file() and path.read_text(encoding="utf-8") == text:
                continue
            pending[path] = _write_temp(path, text)
        with signals_deferred():
            for path, temp in pending.items():
                temp.replace(path)
            pending.clear()
    finally:
        for temp in pending.values():
            temp.unlink(missing_ok=True)
