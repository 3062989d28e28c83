"""A no-op ``envtool check`` (whole process) against ``python -c "import rattler"`` (whole process).

The project has the four targets of ``test_lock.py``, locked and up to date,
so ``check`` hashes the bytes of the manifest and the specs and reads the
lock headers: it parses no YAML and solves nothing. The goal: no more than a
bare ``import rattler`` process (a no-op check must not cost more than
importing the solver it never calls).
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from workload import FOUR_TARGETS, make_wheels, write_project

from envtool.locking.lock import LockRequest, check, lock

RECORDS = 6_000
PLATFORMS = ("linux-64", "osx-64", "win-64")
ROUNDS = 15
ENVTOOL = str(Path(sys.executable).parent / "envtool")


@pytest.fixture(scope="module")
def locked(tmp_path_factory: pytest.TempPathFactory, bench_channel: Callable[..., str]) -> Path:
    """The root of an up-to-date project of four targets."""
    root = tmp_path_factory.mktemp("bench-check")
    manifest = write_project(root, bench_channel(RECORDS, PLATFORMS), FOUR_TARGETS, make_wheels(root / "wheels"))
    lock(LockRequest(manifest=manifest, cache_dir=root / "cache"))
    assert all(status.fresh for status in check(manifest))
    return root


@pytest.mark.benchmark(group="check, whole process")
def test_check_process(benchmark: Any, side_by_side: Callable[..., Any], locked: Path) -> None:
    def ours(_: int) -> None:
        subprocess.run([ENVTOOL, "check"], cwd=locked, check=True, capture_output=True)

    def raw(_: int) -> None:
        subprocess.run([sys.executable, "-c", "import rattler"], check=True, capture_output=True)

    side_by_side("check 4 targets (process)", ours, raw, rounds=ROUNDS, goal_ratio=1.0, baseline="import rattler")
