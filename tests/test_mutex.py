"""One envtool at a time writes a project's ``locks/`` or creates a prefix: two real processes.

The first process is held mid-solve (or mid-download) by a server that keeps
one request waiting until the test opens the gate; the second one must say it
is waiting, and once the first is done, carry on from what the first wrote.
"""

from __future__ import annotations

import subprocess
import threading
from pathlib import Path
from typing import IO

import pytest

from envtool.mutex import exclusive
from tests.factories import channel_url, index_channel, make_conda_package, make_python_package
from tests.install_helpers import GatedServer, World, build_world, leftovers, write_explicit
from tests.projects import ENVTOOL, write_project


def _popen(args: list[str], cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen([ENVTOOL, *args], cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for_line(stream: IO[str], text: str) -> list[str]:
    """Read ``stream`` until a line containing ``text`` (blocking: the process prints it, or ends)."""
    seen: list[str] = []
    for line in stream:
        seen.append(line)
        if text in line:
            return seen
    raise AssertionError(f"never said {text!r}: {''.join(seen)}")


def test_a_second_holder_waits_for_the_first(tmp_path: Path) -> None:
    said: list[str] = []
    order: list[str] = []
    path = tmp_path / "x.lock"
    with exclusive(path, "writing x", said.append):
        waiter = threading.Thread(target=lambda: _hold(path, said, order))
        waiter.start()
        waiter.join(0.3)
        assert waiter.is_alive() and order == []
        order.append("first done")
    waiter.join(10)
    assert order == ["first done", "second"]
    assert said == [f"waiting for another envtool process writing x (it holds {path})"]


def _hold(path: Path, said: list[str], order: list[str]) -> None:
    with exclusive(path, "writing x", said.append):
        order.append("second")


@pytest.fixture
def two_platform_group(tmp_path: Path) -> tuple[Path, Path]:
    """A project whose targets ``lin`` (linux-64) and ``mac`` (osx-64) share the group file ``both``."""
    channel = tmp_path / "channel"
    for subdir in ("linux-64", "osx-64"):
        make_python_package(channel, "3.9.13", subdir=subdir)
    make_conda_package(channel, "zlib", "1.2.13", "h0", noarch="generic")
    index_channel(channel, subdirs=("noarch", "linux-64", "osx-64"))
    spec = {"channels": [channel_url(channel)], "dependencies": ["python=3.9", "zlib"]}
    write_project(
        tmp_path,
        {
            "lin": {"platform": "linux-64", "specs": ["env.yml"], "lockfile": "both"},
            "mac": {"platform": "osx-64", "specs": ["env.yml"], "lockfile": "both"},
        },
        {"env.yml": spec},
    )
    return tmp_path, channel


def test_two_locks_of_one_group_both_land(two_platform_group: tuple[Path, Path]) -> None:
    root, channel = two_platform_group
    with GatedServer(channel, "linux-64/repodata.json") as server:
        first = _popen(["lock", "-t", "lin", "--mirror", f"{channel_url(channel)}={server.url}"], root)
        assert server.arrived.wait(60), "the first lock never asked for repodata"
        second = _popen(["lock", "-t", "mac"], root)
        assert second.stderr is not None
        _wait_for_line(second.stderr, "waiting for another envtool process writing locks/")
        server.open()
        _, first_err = first.communicate(timeout=60)
        _, second_err = second.communicate(timeout=60)
    assert (first.returncode, second.returncode) == (0, 0), first_err + second_err
    group = (root / "locks" / "both-lock.yml").read_text()
    assert "# target: lin (linux-64)" in group and "# target: mac (osx-64)" in group
    assert sorted(p.name for p in (root / "locks").iterdir()) == [
        "both-lock.yml", "lin-explicit.txt", "lin.yml", "mac-explicit.txt", "mac.yml",
    ]  # fmt: skip


def test_a_second_lock_of_the_same_target_reads_the_first_ones_result(two_platform_group: tuple[Path, Path]) -> None:
    root, channel = two_platform_group
    with GatedServer(channel, "linux-64/repodata.json") as server:
        first = _popen(["lock", "-t", "lin", "--mirror", f"{channel_url(channel)}={server.url}"], root)
        assert server.arrived.wait(60)
        second = _popen(["lock", "-t", "lin"], root)
        assert second.stderr is not None
        _wait_for_line(second.stderr, "waiting for another envtool process")
        server.open()
        first.communicate(timeout=60)
        _, second_err = second.communicate(timeout=60)
    assert (first.returncode, second.returncode) == (0, 0)
    assert "lin: up to date" in second_err  # re-read what the first wrote: nothing left to solve


@pytest.fixture
def world(tmp_path: Path) -> World:
    return build_world(tmp_path / "world", pip=False)


def test_two_creates_of_one_prefix_take_turns(world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVTOOL_CACHE_DIR", str(tmp_path / "cache"))
    lock = write_explicit(world.lock, tmp_path / "demo-explicit.txt")
    prefix = tmp_path / "envs" / "demo"
    with GatedServer(world.channel, "needs-glibc-0.1-0.tar.bz2") as server:
        first = _popen(["create", str(lock), "-p", str(prefix), *world.mirror_args(conda=server.url)], tmp_path)
        assert server.arrived.wait(60)
        second = _popen(["create", str(lock), "-p", str(prefix), *world.mirror_args()], tmp_path)
        assert second.stderr is not None
        _wait_for_line(second.stderr, f"waiting for another envtool process creating {prefix}")
        server.open()
        _, first_err = first.communicate(timeout=60)
        _, second_err = second.communicate(timeout=60)
    assert first.returncode == 0, first_err
    assert second.returncode == 2, second_err  # it re-checked the destination the first one filled
    assert f"error: {prefix}: an environment already exists here" in second_err
    assert leftovers(prefix.parent) == []
    assert (prefix / "conda-meta" / "envtool").is_file()
