"""``envtool lock`` (cold, warm, no-op) and ``envtool check`` as the channel grows: 1k to 300k records.

Every size holds the same base and env cluster (see :mod:`channels`), so the
two linux-64 targets (CPU, GPU) solve to the same records at every size;
only the repodata rattler reads, served over HTTP on ``127.0.0.1``, grows
(0.5 MB at 1k, 141 MB at 300k). Conda halves only: the pip half is
``test_lock.py``'s. Each case runs side by side with the raw ``rattler.solve``
calls for the same targets over one gateway (:mod:`rawlock`):

* cold: a fresh repodata cache on both sides each round (download + parse);
* warm: ``lock --force`` with the cache of earlier rounds (revalidated by a 304);
* no-op: ``lock`` with fresh locks, which must not solve at all, against a warm raw solve;
* check: ``check`` (in-process) against a warm raw solve.

The 300k case takes a few minutes; deselect it with ``-k "not 300k"``.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import rawlock
from workload import LINUX_TARGETS, raw_plan, write_project

from envtool.locking.lock import LockRequest, check, lock

#: label -> (records, rounds)
SIZES = {"1k": (1_000, 5), "10k": (10_000, 5), "100k": (100_000, 3), "300k": (300_000, 3)}


@dataclass(frozen=True)
class Scaled:
    """A two-target project over a channel of ``records`` records, locked once on each side."""

    label: str
    records: int
    rounds: int
    root: Path
    manifest: Path
    plan: dict[str, Any]

    def ours_lock(self, cache: Path, force: bool = True) -> Any:
        return lock(LockRequest(manifest=self.manifest, force=force, cache_dir=cache))

    def raw_lock(self, cache: Path) -> dict[str, tuple[int, int]]:
        return asyncio.run(rawlock.lock_plan(self.plan, cache))

    @property
    def warmup(self) -> bool:
        """An unmeasured first round, except for the largest channels (the caches are warm already)."""
        return self.records < 100_000


@pytest.fixture(scope="module", params=list(SIZES), ids=list(SIZES))
def scaled(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, bench_channel: Callable[..., str]
) -> Scaled:
    label = request.param
    records, rounds = SIZES[label]
    root = tmp_path_factory.mktemp(f"bench-scale-{label}")
    manifest = write_project(root, bench_channel(records), LINUX_TARGETS)
    project = Scaled(label, records, rounds, root, manifest, raw_plan(manifest))
    ours = project.ours_lock(root / "warm-envtool")  # warm caches, fresh locks
    raw = project.raw_lock(root / "warm-raw")
    assert {lk.target: (len(lk.conda), len(lk.pip)) for lk in ours.solved} == raw
    return project


@pytest.mark.benchmark(group="scaling: lock, cold cache")
def test_cold(benchmark: Any, side_by_side: Callable[..., Any], scaled: Scaled) -> None:
    cold = scaled.root / "cold"

    def prepare(number: int) -> None:
        shutil.rmtree(cold, ignore_errors=True)  # the previous round's caches
        cold.mkdir()

    side_by_side(
        f"lock cold {scaled.label}",
        lambda n: scaled.ours_lock(cold / f"envtool-{n}"),
        lambda n: scaled.raw_lock(cold / f"raw-{n}"),
        rounds=scaled.rounds,
        warmup=scaled.warmup,
        prepare=prepare,
        goal_ratio=1.3,
    )


@pytest.mark.benchmark(group="scaling: lock, warm cache")
def test_warm(benchmark: Any, side_by_side: Callable[..., Any], scaled: Scaled) -> None:
    side_by_side(
        f"lock warm {scaled.label}",
        lambda _: scaled.ours_lock(scaled.root / "warm-envtool"),
        lambda _: scaled.raw_lock(scaled.root / "warm-raw"),
        rounds=scaled.rounds,
        warmup=scaled.warmup,
        goal_ratio=1.3,
    )


@pytest.mark.benchmark(group="scaling: lock, no-op (fresh locks)")
def test_noop(benchmark: Any, side_by_side: Callable[..., Any], scaled: Scaled) -> None:
    solved: list[int] = []

    def ours(_: int) -> None:
        solved.append(len(scaled.ours_lock(scaled.root / "warm-envtool", force=False).solved))

    side_by_side(
        f"lock no-op {scaled.label}",
        ours,
        lambda _: scaled.raw_lock(scaled.root / "warm-raw"),
        rounds=scaled.rounds,
        warmup=scaled.warmup,
        baseline="raw warm",
    )
    assert not any(solved)  # fresh locks: nothing was solved


@pytest.mark.benchmark(group="scaling: check")
def test_check(benchmark: Any, side_by_side: Callable[..., Any], scaled: Scaled) -> None:
    def ours(_: int) -> None:
        assert all(status.fresh for status in check(scaled.manifest))

    side_by_side(
        f"check {scaled.label}",
        ours,
        lambda _: scaled.raw_lock(scaled.root / "warm-raw"),
        rounds=scaled.rounds,
        warmup=scaled.warmup,
        baseline="raw warm",
    )
