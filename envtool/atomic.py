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
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import FrameType


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
    """Hold SIGINT/SIGTERM back while a short critical section runs, then deliver them.

    Yields the list of signals held so far; clearing it drops them (when it
    is too late to stop, say). Held signals are re-raised once the previous
    handlers are back, so each arrives as it would have: Ctrl-C as
    ``KeyboardInterrupt``, SIGTERM through whatever handler was installed
    (``envtool create`` turns it into ``KeyboardInterrupt`` as well).

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

    previous = {sig: signal.signal(sig, hold) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield held
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler if handler is not None else signal.SIG_DFL)
        if held:
            signal.raise_signal(held[0])


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
