"""``envtool.atomic``: all-or-nothing file replacement and signals held back during it."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from envtool.atomic import replace_all, signals_deferred


def test_replace_all_writes_every_file_and_leaves_no_temporaries(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("old\n")
    replace_all({tmp_path / "a.txt": "new\n", tmp_path / "sub" / "b.txt": "b\n"})
    assert (tmp_path / "a.txt").read_text() == "new\n"
    assert (tmp_path / "sub" / "b.txt").read_text() == "b\n"
    assert not list(tmp_path.rglob("*.tmp"))


@pytest.fixture
def default_sigint() -> Iterator[None]:
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


@pytest.mark.usefixtures("default_sigint")
def test_ctrl_c_landing_on_a_worker_thread_waits_for_the_critical_section() -> None:
    # a signal mask would hold back nothing here: the kernel hands the signal to a thread
    # that does not block it (rattler's, in real life) and Python raises in the main thread anyway
    stop = threading.Event()
    worker = threading.Thread(target=stop.wait, daemon=True)
    worker.start()
    inside: list[int] = []
    wakeup, wakeup_w = os.pipe()
    os.set_blocking(wakeup_w, False)
    previous_fd = signal.set_wakeup_fd(wakeup_w)
    try:
        with pytest.raises(KeyboardInterrupt), signals_deferred() as held:
            assert worker.ident is not None
            signal.pthread_kill(worker.ident, signal.SIGINT)
            # the worker thread took the signal; the main thread runs the handler once this call returns
            assert os.read(wakeup, 1) == bytes([signal.SIGINT])
            inside.extend(held)
    finally:
        signal.set_wakeup_fd(previous_fd)
        os.close(wakeup)
        os.close(wakeup_w)
        stop.set()
        worker.join()
    assert inside == [signal.SIGINT]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_sigterm_reaches_the_previous_handler_afterwards_unless_dropped() -> None:
    got: list[int] = []
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: got.append(signum))
    try:
        with signals_deferred():
            os.kill(os.getpid(), signal.SIGTERM)
            assert got == []
        assert got == [signal.SIGTERM]
        with signals_deferred() as held:
            os.kill(os.getpid(), signal.SIGTERM)
            held.clear()  # what the swap does once the new environment is in place
        assert got == [signal.SIGTERM]
    finally:
        signal.signal(signal.SIGTERM, previous)


def test_outside_the_main_thread_nothing_is_held() -> None:
    seen: list[list[int]] = []

    def body() -> None:
        with signals_deferred() as held:
            seen.append(held)

    thread = threading.Thread(target=body)
    thread.start()
    thread.join()
    assert seen == [[]]
