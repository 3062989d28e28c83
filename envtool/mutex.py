"""One envtool process at a time: writing a project's ``locks/``, or creating one prefix.

An inter-process lock (``filelock``: ``flock``/``LockFileEx``, released by the
kernel if the holder dies) on a small file. A second process says it is
waiting, waits, and then re-reads whatever the first one wrote: no update is
lost, and no two processes build the same environment.

>>> import pathlib
>>> path = pathlib.Path(tmp) / "demo.lock"  # tmp: a fresh folder the test run provides (tests/conftest.py)
>>> with exclusive(path, "writing demo", print):
...     pass
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path


@contextlib.contextmanager
def exclusive(path: Path, what: str, say: Callable[[str], None]) -> Iterator[None]:
    """Hold the lock at ``path`` for the ``with`` block; ``say`` is told when another process holds it.

    A lock file that cannot be created (a read-only checkout) is no lock at
    all: whatever the block then tries to write fails on its own, naming its file.
    """
    from filelock import FileLock, Timeout

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        lock = FileLock(path, mode=0o666)
        try:
            lock.acquire(timeout=0)
        except Timeout:
            say(f"waiting for another envtool process {what} (it holds {path})")
            lock.acquire()
    except OSError:
        yield
        return
    try:
        yield
    finally:
        lock.release()
