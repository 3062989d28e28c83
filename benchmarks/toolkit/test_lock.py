"""``envtool lock --force`` against the raw py-rattler + uv calls for the same targets.

Four targets (linux-64 CPU and GPU via ``__cuda``, osx-64, win-64), each a
conda half solved over a generated channel served on ``127.0.0.1`` (a few
thousand records, several versions and builds per name, deep chains) and a
pip half of tiny wheels from a local ``--find-links`` folder. The baseline
(:mod:`rawlock`) makes only the ``rattler.solve`` and ``uv pip compile``
calls, concurrently per target like envtool, and hands uv the same advantages
(``--python``, so uv does not probe every Python on PATH). Both sides keep their own warm
repodata cache. Goal: envtool within 1.3x of raw, as a library call and as a
whole process (``envtool lock --force`` against ``python rawlock.py``).

Also, where they are here: the real TF 2.9 GPU spec against the conda-forge
snapshot (``../shared/conda-forge-tf29`` or ``$ENVTOOL_SNAPSHOT``), and
conda-lock (needs conda, mamba or micromamba on PATH).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import rawlock
from workload import FOUR_TARGETS, LINUX_TARGETS, TF_SPECS, make_wheels, raw_plan, write_plan, write_project

from envtool.inputs.mirrors import MirrorMap
from envtool.locking.lock import LockRequest, lock

RECORDS = 6_000
PLATFORMS = ("linux-64", "osx-64", "win-64")
ROUNDS = 5
ROOT = Path(__file__).resolve().parents[2]
SNAPSHOT = Path(os.environ.get("ENVTOOL_SNAPSHOT") or ROOT.parent / "shared" / "conda-forge-tf29")
ENVTOOL = str(Path(sys.executable).parent / "envtool")
RAWLOCK = str(Path(rawlock.__file__).resolve())


@dataclass(frozen=True)
class Project:
    """A benchmark project, its raw plan, and a cache folder for each side."""

    root: Path
    manifest: Path
    plan: dict[str, Any]
    plan_file: Path

    def cache(self, side: str) -> Path:
        """The warm cache of one side (``envtool`` or ``raw``)."""
        return self.root / f"cache-{side}"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory, bench_channel: Callable[..., str]) -> Project:
    root = tmp_path_factory.mktemp("bench-lock")
    links = make_wheels(root / "wheels")
    manifest = write_project(root, bench_channel(RECORDS, PLATFORMS), FOUR_TARGETS, links)
    plan = raw_plan(manifest)
    return Project(root, manifest, plan, write_plan(plan, root / "plan.json"))


def _counts(result: Any) -> dict[str, tuple[int, int]]:
    return {lk.target: (len(lk.conda), len(lk.pip)) for lk in result.solved}


@pytest.mark.benchmark(group="lock 4 targets")
def test_lock_library(benchmark: Any, side_by_side: Callable[..., Any], project: Project) -> None:
    results: dict[str, Any] = {}

    def ours(_: int) -> None:
        request = LockRequest(manifest=project.manifest, force=True, cache_dir=project.cache("envtool"))
        results["envtool"] = _counts(lock(request))

    def raw(_: int) -> None:
        results["raw"] = asyncio.run(rawlock.lock_plan(project.plan, project.cache("raw")))

    side_by_side("lock 4 targets (library)", ours, raw, rounds=ROUNDS, goal_ratio=1.3)
    # The same work on both sides: as many conda records and pip packages per target.
    assert results["envtool"] == results["raw"]
    assert all(conda > 100 and pip == 4 for conda, pip in results["raw"].values())


@pytest.mark.benchmark(group="lock 4 targets, whole process")
def test_lock_process(benchmark: Any, side_by_side: Callable[..., Any], project: Project) -> None:
    env = {**os.environ, "ENVTOOL_CACHE_DIR": str(project.cache("envtool"))}

    def ours(_: int) -> None:
        subprocess.run([ENVTOOL, "lock", "--force"], cwd=project.root, env=env, check=True, capture_output=True)

    def raw(_: int) -> None:
        command = [sys.executable, RAWLOCK, str(project.plan_file), str(project.cache("raw"))]
        subprocess.run(command, check=True, capture_output=True)

    side_by_side("lock 4 targets (process)", ours, raw, rounds=ROUNDS, goal_ratio=1.3)


@pytest.mark.snapshot
@pytest.mark.benchmark(group="lock TF 2.9 GPU, conda-forge snapshot")
@pytest.mark.skipif(
    not (SNAPSHOT / "noarch" / "repodata.json").is_file(),
    reason=f"conda-forge snapshot not found at {SNAPSHOT} (set ENVTOOL_SNAPSHOT)",
)
def test_lock_tf_snapshot(benchmark: Any, side_by_side: Callable[..., Any], tmp_path: Path) -> None:
    mirrors = MirrorMap.parse([f"conda-forge={SNAPSHOT.resolve()}"], origin="bench")
    manifest = write_project(tmp_path, "conda-forge", LINUX_TARGETS[1:], conda_specs=TF_SPECS)
    plan = raw_plan(manifest, dict(mirrors.mirrors))
    counts: dict[str, Any] = {}

    def ours(number: int) -> None:
        request = LockRequest(manifest=manifest, force=True, mirrors=mirrors, cache_dir=tmp_path / "envtool")
        counts["envtool"] = _counts(lock(request))

    def raw(number: int) -> None:
        counts["raw"] = asyncio.run(rawlock.lock_plan(plan, tmp_path / "raw"))

    side_by_side("lock TF 2.9 GPU, snapshot (library)", ours, raw, rounds=ROUNDS, goal_ratio=1.3)
    # The same solve on both sides (the count follows the snapshot: 125 records since its BLAS metadata).
    assert counts["envtool"] == counts["raw"]
    assert counts["raw"]["linux-gpu"][0] > 100


def _conda_like() -> str | None:
    for name in ("micromamba", "mamba", "conda"):
        found = shutil.which(name)
        if found:
            return found
    return None


@pytest.mark.benchmark(group="lock vs conda-lock")
@pytest.mark.skipif(_conda_like() is None, reason="conda-lock needs conda, mamba or micromamba on PATH")
def test_lock_vs_conda_lock(
    benchmark: Any, side_by_side: Callable[..., Any], tmp_path: Path, bench_channel: Callable[..., str]
) -> None:
    """One conda-only linux-64 target: ``envtool lock --force`` against ``conda-lock lock``."""
    import yaml

    channel = bench_channel(RECORDS, PLATFORMS)
    manifest = write_project(tmp_path / "envtool", channel, LINUX_TARGETS[:1])
    spec = yaml.safe_load((manifest.parent / "base.yml").read_text())
    env_file = tmp_path / "environment.yml"
    env_file.write_text(yaml.safe_dump({**spec, "platforms": ["linux-64"]}, sort_keys=False))
    conda = _conda_like()
    flag = {"micromamba": "--micromamba", "mamba": "--mamba"}.get(Path(str(conda)).name, "--no-mamba")
    conda_lock = str(Path(sys.executable).parent / "conda-lock")

    def ours(_: int) -> None:
        subprocess.run([ENVTOOL, "lock", "--force"], cwd=manifest.parent.parent, check=True, capture_output=True)

    def raw(number: int) -> None:
        command = [
            conda_lock, "lock", flag, "--conda", str(conda), "-f", str(env_file), "-p", "linux-64",
            "--lockfile", str(tmp_path / f"conda-lock-{number}.yml"),
        ]  # fmt: skip
        subprocess.run(command, cwd=tmp_path, check=True, capture_output=True)

    side_by_side("lock 1 target vs conda-lock (process)", ours, raw, rounds=3, baseline="conda-lock")
