"""Calling rattler's async installer from synchronous code, and forwarding its progress."""

from __future__ import annotations

import asyncio
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from envtool.env.progress import InstallProgress


def progress_reporter(progress: InstallProgress, total: int) -> Any:
    """Rattler's installer callbacks, forwarded to ``progress`` as package names.

    Built on rattler's ``InstallerReporter``, whose no-op defaults answer
    the callbacks not drawn here (imported lazily, hence the class in here).
    """
    from rattler.install.installer import InstallerReporter

    class Reporter(InstallerReporter):
        def __init__(self) -> None:
            self.names: dict[int, str] = {}
            self.done = {"fetch": 0, "link": 0}
            self.open = {"fetch", "link"}
            self.lock = threading.Lock()
            for phase in sorted(self.open):
                progress.begin(phase, total)

        def on_populate_cache_start(self, operation: int, package_name: str) -> int:
            self.names[operation] = package_name
            return operation

        def on_populate_cache_complete(self, cache_entry: int) -> None:
            self.step("fetch", cache_entry)

        def on_link_start(self, operation: int, package_name: str) -> int:
            self.names[operation] = package_name
            return operation

        def on_link_complete(self, index: int) -> None:
            self.step("link", index)

        def step(self, phase: str, token: int) -> None:
            progress.advance(phase, self.names.get(token, "?"))
            with self.lock:
                self.done[phase] += 1
                finished = self.done[phase] >= total and phase in self.open
                if finished:
                    self.open.discard(phase)
            if finished:
                progress.end(phase)

        def close(self) -> None:
            """End the phases still open (after a failure)."""
            for phase in sorted(self.open):
                progress.end(phase)
            self.open.clear()

    return Reporter()  # type: ignore[abstract]  # rattler's no-op defaults have docstring bodies


def run(coro: Any, settle: bool = True) -> Any:
    """Run a rattler coroutine to completion from synchronous code (even under a running loop).

    ``settle``: see :func:`let_rattler_finish`; needless when more rattler
    calls follow.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        from envtool.interrupts import run_async

        try:
            return run_async(coro)
        finally:
            if settle:
                let_rattler_finish()
    with ThreadPoolExecutor(max_workers=1) as pool:  # pragma: no cover - only inside async callers
        return pool.submit(asyncio.run, coro).result()


def let_rattler_finish() -> None:
    """Release the GIL for a moment after a rattler future resolves.

    The tokio thread that resolved it (pyo3-async-runtimes' ``set_result``)
    still needs the GIL to drop its references once ``call_soon_threadsafe``
    returns. Were the interpreter to exit first, that thread would crash it at
    shutdown (SIGSEGV/SIGABRT after a successful install, a few runs in a
    hundred; 1 in 3 on a loaded machine). A millisecond lets it finish.
    """
    time.sleep(0.001)
