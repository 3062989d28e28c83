"""SIGINT, SIGTERM and SIGHUP stop ``envtool lock`` cleanly, at any moment: real processes, real signals.

A channel or index served by a server that holds one request open makes the
timing deterministic: the signal is sent once the request has arrived, so the
command is mid-solve (rattler reading repodata) or mid-resolution (a uv child
reading the index).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from envtool.interrupts import Interrupted, exit_code
from tests.factories import channel_url, make_simple_index, make_wheel
from tests.install_helpers import GatedServer
from tests.projects import ENVTOOL, lock_files, tf_channel, write_project

SIGNALS = [signal.SIGINT, signal.SIGTERM, signal.SIGHUP]


def test_exit_codes_are_128_plus_the_signal() -> None:
    assert [exit_code(Interrupted(s)) for s in SIGNALS] == [130, 143, 129]
    assert exit_code(KeyboardInterrupt()) == 130


def test_importing_the_cli_leaves_the_importers_handlers_alone() -> None:
    code = (
        "import signal; before = [signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)]; "
        "import envtool.cli; "
        "assert [signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)] == before"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


def _start(args: list[str], cwd: Path, tmp: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "TMPDIR": str(tmp)}
    return subprocess.Popen(
        [ENVTOOL, *args], cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def _signal_when(proc: subprocess.Popen[str], ready: Callable[[], bool], sig: int) -> str:
    deadline = time.monotonic() + 60
    try:
        while not ready():
            if proc.poll() is not None or time.monotonic() > deadline:
                _, err = proc.communicate(timeout=5)
                raise AssertionError(f"never got ready (exit {proc.returncode}): {err}")
            time.sleep(0.01)
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return err


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        found += [int(p) for p in text]
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


@pytest.fixture
def locked(locked_copy: Path) -> Path:
    """A locked project of the test's own."""
    return locked_copy


def _spec_channel(root: Path) -> str:
    """The channel the project's specs name (the copied project still names the original's)."""
    import yaml

    return str(yaml.safe_load((root / "environments" / "base.yml").read_text())["channels"][0])


@pytest.mark.parametrize("sig", SIGNALS, ids=[s.name for s in SIGNALS])
def test_a_signal_mid_solve_leaves_the_locks_and_no_temp_files(locked: Path, tmp_path: Path, sig: int) -> None:
    before = lock_files(locked)
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    with GatedServer(locked / "channel", "linux-64/repodata.json") as server:
        mirror = f"{_spec_channel(locked)}={server.url}"
        proc = _start(["lock", "--force", "--mirror", mirror], locked, tmp)
        err = _signal_when(proc, server.arrived.is_set, sig)
    assert proc.returncode == 128 + sig, err
    assert err.strip().splitlines()[-1] == "interrupted"
    assert "Traceback" not in err
    assert lock_files(locked) == before
    assert list(tmp.iterdir()) == []
    assert [p.name for p in (locked / "locks").iterdir() if p.name.startswith(".")] == []


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
@pytest.mark.usefixtures("uv_online")
def test_a_signal_to_lock_alone_stops_its_uv_child_too(tmp_path: Path, sig: int) -> None:
    root = tmp_path / "project"
    channel = tf_channel(root)
    index = make_simple_index(tmp_path / "www", [make_wheel(tmp_path / "wheels", "tinydep", "1.1")])
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    with GatedServer(index.parent, "/simple/tinydep/") as server:
        write_project(
            root,
            {"t": {"platform": "linux-64", "specs": ["env.yml"]}},
            {
                "env.yml": {
                    "channels": [channel_url(channel)],
                    "dependencies": ["python=3.9", "pip", {"pip": ["tinydep"]}],
                }
            },
            pypi={"index-url": f"{server.url}/simple"},
        )
        proc = _start(["lock"], root, tmp)
        children: list[int] = []

        def uv_waits() -> bool:
            children[:] = _children(proc.pid)
            return server.arrived.is_set() and bool(children)

        err = _signal_when(proc, uv_waits, sig)  # to envtool alone, not its process group
    assert proc.returncode == 128 + sig, err
    assert "Traceback" not in err
    deadline = time.monotonic() + 5
    while any(_alive(pid) for pid in children) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not any(_alive(pid) for pid in children), "uv outlived envtool"
    assert list(tmp.iterdir()) == []
    assert not (root / "locks").exists()


def test_a_signal_during_start_up_never_gives_a_traceback_or_another_code(locked: Path, tmp_path: Path) -> None:
    # Before envtool's first line runs, the default action ends the process by the signal
    # itself (what a shell reports as 128 + N too); from then on envtool exits 128 + N.
    before = lock_files(locked)
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    for sig in (signal.SIGTERM, signal.SIGHUP):
        for delay in (0.0, 0.02, 0.05, 0.1):
            proc = _start(["lock", "--force"], locked, tmp)
            time.sleep(delay)
            proc.send_signal(sig)
            _, err = proc.communicate(timeout=30)
            assert proc.returncode in (-sig, 128 + sig), (sig, delay, proc.returncode, err)
            assert "Traceback" not in err and "Aborted" not in err, err
    assert lock_files(locked) == before
    assert list(tmp.iterdir()) == []


@pytest.fixture
def uv_online(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let uv reach the local HTTP server (conftest keeps uv offline by default)."""
    monkeypatch.delenv("UV_OFFLINE", raising=False)


def test_run_async_stops_the_loop_by_cancelling_it_and_raises_once_it_has_ended() -> None:
    # The loop takes the signals: the first cancels the task (its ``finally`` runs inside the
    # loop), a second during that clean-up is only recorded, envtool's handlers come back after.
    script = textwrap.dedent(
        """
        import asyncio, os, signal
        from envtool import interrupts

        interrupts.install()
        cleaned = []

        async def forever():
            loop = asyncio.get_running_loop()
            loop.call_soon(os.kill, os.getpid(), signal.SIGTERM)
            try:
                await asyncio.Event().wait()
            finally:
                os.kill(os.getpid(), signal.SIGINT)  # a second signal, during the clean-up
                await asyncio.sleep(0)
                cleaned.append(True)

        try:
            interrupts.run_async(forever())
        except interrupts.Interrupted as exc:
            print(exc.signum, cleaned, signal.getsignal(signal.SIGTERM) is interrupts._handler)
        """
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.split() == [str(int(signal.SIGTERM)), "[True]", "True"], out.stderr
