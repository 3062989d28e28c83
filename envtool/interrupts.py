"""SIGINT, SIGTERM and SIGHUP end a command the same way: clean up, then exit ``128 + signal``.

The CLI calls :func:`install` first thing. The first of these signals raises
:class:`Interrupted` (a ``KeyboardInterrupt``, so every ``finally`` and
``except BaseException`` clean-up runs, and asyncio cancels its tasks); later
ones are recorded but not raised, so a second Ctrl-C or CI's SIGTERM after
SIGINT cannot cut a clean-up short. :func:`exit_code` gives the conventional
code: 130 for SIGINT, 143 for SIGTERM, 129 for SIGHUP.

While the CLI's own modules are being imported (:func:`hold` to
:func:`release`), a signal is only recorded: raising it then would abort the
import with a traceback. :func:`install` then raises it at once. Importing the
CLI in another program (a test runner) leaves that program's handlers as they were.

>>> import signal
>>> exit_code(Interrupted(signal.SIGTERM)), exit_code(KeyboardInterrupt())
(143, 130)
"""

from __future__ import annotations

# ``_signal`` is the C module under ``signal``: importing ``signal`` itself builds enums, long
# enough (~10 ms on a loaded machine) for a Ctrl-C to land in it before anything is held.
import _signal  # type: ignore[import-not-found]

TYPE_CHECKING = False
if TYPE_CHECKING:  # the CLI imports this module first thing: nothing else at run time
    import subprocess
    from collections.abc import Coroutine
    from types import FrameType
    from typing import Any, TypeVar

    T = TypeVar("T")

#: SIGINT, SIGTERM and SIGHUP (where the platform has it)
SIGNALS: tuple[int, ...] = tuple(
    getattr(_signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(_signal, name)
)
_SIGINT: int = _signal.SIGINT


class Interrupted(KeyboardInterrupt):
    """The command was stopped by ``signum``."""

    def __init__(self, signum: int = _SIGINT) -> None:
        import signal

        self.signum = int(signum)
        super().__init__(signal.Signals(self.signum).name)


_state: dict[str, object] = {"received": [], "holding": False}


def _handler(signum: int, frame: FrameType | None) -> None:
    received = _state["received"]
    assert isinstance(received, list)
    received.append(signum)
    if len(received) == 1 and not _state["holding"]:
        raise Interrupted(signum)


def _install() -> bool:
    try:
        for sig in SIGNALS:
            _signal.signal(sig, _handler)
    except ValueError:  # not the main thread: signals are the main thread's business
        return False
    return True


def hold() -> None:
    """Record signals without raising them, while the CLI imports its modules (until :func:`release`).

    Holds nest: the script's entry point holds first, the CLI package again.
    """
    depth = _state.get("depth", 0)
    assert isinstance(depth, int)
    _state["depth"] = depth + 1
    if depth:
        return
    try:
        _state["previous"] = {sig: _signal.getsignal(sig) for sig in SIGNALS}
    except ValueError:
        return
    _state["holding"] = True
    _install()


def release() -> None:
    """End :func:`hold`: give the handlers back, unless a signal came (then :func:`install` acts on it)."""
    depth = _state.get("depth", 0)
    assert isinstance(depth, int)
    _state["depth"] = max(0, depth - 1)
    if depth > 1:
        return
    previous = _state.pop("previous", None)
    received = _state["received"]
    assert isinstance(received, list)
    if isinstance(previous, dict) and not received:
        for sig, handler in previous.items():
            _signal.signal(sig, handler if handler is not None else _signal.SIG_DFL)
        _state["holding"] = False


def install() -> None:
    """From now on the first SIGINT/SIGTERM/SIGHUP raises :class:`Interrupted`; raise it now if one came."""
    _state["holding"] = False
    _state["depth"] = 0
    _state.pop("previous", None)
    if _install():
        received = _state["received"]
        assert isinstance(received, list)
        if received:
            raise Interrupted(received[0])


def run_async(coro: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run(coro)``, stopped by SIGINT/SIGTERM/SIGHUP through the event loop itself.

    Raising from a signal handler while the loop runs can land inside the loop's own
    bookkeeping (a future's result half-delivered by rattler's threads), and the
    clean-up of ``asyncio.run`` then waits for it forever. So, while :func:`install`'s
    handlers are active, the loop takes the signals: the first cancels the task (every
    ``finally`` runs, uv children are stopped), later ones are only recorded, and
    :class:`Interrupted` is raised once the loop has ended. Elsewhere (envtool used as a
    library) this is plain ``asyncio.run``.
    """
    import asyncio

    try:
        ours = all(_signal.getsignal(sig) is _handler for sig in SIGNALS)
    except ValueError:
        ours = False
    if not ours:
        return asyncio.run(coro)
    received = _state["received"]
    assert isinstance(received, list)

    async def guarded() -> T:
        loop = asyncio.get_running_loop()
        task = asyncio.current_task()
        assert task is not None

        def on_signal(signum: int) -> None:
            received.append(signum)
            if len(received) == 1:
                task.cancel()

        for sig in SIGNALS:
            loop.add_signal_handler(sig, on_signal, sig)
        try:
            return await coro
        finally:
            for sig in SIGNALS:
                loop.remove_signal_handler(sig)
            _install()  # asyncio put back the defaults, not envtool's handlers

    try:
        return asyncio.run(guarded())
    except asyncio.CancelledError:
        if received:
            raise Interrupted(received[0]) from None
        raise


def exit_code(exc: BaseException) -> int:
    """``128 + signal`` for an interruption (130 for a plain ``KeyboardInterrupt``)."""
    return 128 + (exc.signum if isinstance(exc, Interrupted) else _SIGINT)


def stop(process: subprocess.Popen[bytes] | subprocess.Popen[str], grace: float = 5.0) -> None:
    """Terminate ``process`` (SIGKILL after ``grace`` seconds) and reap it."""
    import subprocess

    if process.poll() is not None:
        return
    try:
        process.terminate()
        process.wait(grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    except ProcessLookupError:
        process.wait()
