"""Atomic file replacement: a reader sees the old file or the new one, never half of either.

>>> import pathlib
>>> d = pathlib.Path(tmp)  # a fresh folder the test run provides (tests/conftest.py)
>>> [p.name for p in replace_all({d / "a.txt": "one\\n", d / "b.txt": "two\\n"})]
['a.txt', 'b.txt']
>>> (d / "a.txt").read_text()
'one\\n'
"""

from __future__ import annotations

import contextlib
import os
import signal
import tempfile
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import FrameType

from envtool.interrupts import SIGNALS


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
def signals_deferred() -> Iterator[list[int]]:
    """Hold SIGINT/SIGTERM/SIGHUP back while a short critical section runs, then deliver them.

    Yields the list of signals held so far; clearing it drops them (when it
    is too late to stop, say). Held signals are re-raised once the previous
    handlers are back, so each arrives as it would have: Ctrl-C as
    ``KeyboardInterrupt``, SIGTERM and SIGHUP through whatever handler was
    installed (the CLI's, :mod:`envtool.interrupts`, turns them into
    ``KeyboardInterrupt`` as well).

    The Python-level handlers are swapped rather than the signal masked: a
    mask applies to the calling thread only, so once rattler's worker threads
    exist the kernel hands them the signal and CPython still runs the
    handler, and raises, in the main thread. Outside the main thread, where
    handlers cannot be set, nothing is held back.

    >>> import os, signal
    >>> with signals_deferred() as held:
    ...     os.kill(os.getpid(), signal.SIGINT)
    ...     held.clear()
    >>> held
    []
    """
    held: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield held
        return

    def hold(signum: int, frame: FrameType | None) -> None:
        held.append(signum)

    previous = {sig: signal.signal(sig, hold) for sig in SIGNALS}
    try:
        yield held
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler if handler is not None else signal.SIG_DFL)
        if held:
            signal.raise_signal(held[0])


def replace_all(files: Mapping[Path, str]) -> list[Path]:
    """Write every file to a temporary sibling, then rename them all into place.

    Nothing is replaced until every temporary file is written; the renames run
    with SIGINT/SIGTERM/SIGHUP held back, so an interrupt leaves all old files
    or all new ones. Unchanged files are not touched; the changed ones are
    returned. A file that cannot be read or written (read-only, full disk, a
    file where a folder should be) is a :class:`~envtool.errors.FileAccessError`
    naming it, with every old file left as it was.
    """
    pending: dict[Path, Path] = {}
    current: Path | None = None
    try:
        for path, text in files.items():
            current = path
            if path.is_file() and _read_or_none(path) == text:
                continue
            pending[path] = _write_temp(path, text)
        with signals_deferred():
            for path, temp in pending.items():
                current = path
                temp.replace(path)
            changed = list(pending)
            pending.clear()
    except OSError as exc:
        from envtool.errors import file_error

        raise file_error(exc, current) from None
    finally:
        for temp in pending.values():
            temp.unlink(missing_ok=True)
    return changed


def _read_or_none(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
