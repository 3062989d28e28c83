"""``envtool create`` from a warm cache against a raw ``rattler.install`` of the same records.

Run with ``pytest benchmarks/toolkit -p no:cacheprovider`` (add ``--benchmark-json``
to keep the numbers). The channel holds ~50 tiny packages (a few files each),
so the numbers measure envtool's own overhead (lock handling, staging, the
rename, ``conda-meta`` completion, the marker, interpreter start-up for the
CLI) rather than disk throughput. The goal: the library call within 1.3x of
the raw install (``test_create_within_goal_of_raw_install``, in the ratio table).

All cases link from the same warm package cache into a fresh prefix each
round; pytest-benchmark's ``group`` puts them side by side. The whole-process
cases compare ``envtool create`` with a bare Python process that only imports
rattler and installs the same records, so interpreter and rattler start-up
(~0.1 s) count on both sides.
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from envtool.env.conda_half import conda_records
from envtool.env.create import CreateRequest, create_environment
from tests.factories import run_sync
from tests.install_helpers import ENVTOOL, World, many_packages_world, write_explicit

PACKAGES = 50
ROUNDS = 15


@pytest.fixture(scope="module")
def warm(tmp_path_factory: pytest.TempPathFactory) -> tuple[World, Path, Path]:
    """The world, envtool's cache root (already holding every package) and a lock file."""
    root = tmp_path_factory.mktemp("bench-create")
    world = many_packages_world(root / "world", PACKAGES, canonical="local")  # no mirror needed
    cache = root / "cache"
    create_environment(
        CreateRequest(lock=world.lock, prefix=root / "warm-up", mirrors=world.mirrors(), cache_dir=cache)
    )
    return world, cache, write_explicit(world.lock, root / "bench-explicit.txt")


def fresh_prefixes(base: Path) -> Any:
    counter = itertools.count()
    return lambda: ((base / f"env{next(counter)}",), {})


@pytest.mark.benchmark(group="create 50 packages, warm cache")
def test_raw_rattler_install(benchmark: Any, warm: tuple[World, Path, Path], tmp_path: Path) -> None:
    from rattler import install

    world, cache, _ = warm
    records = conda_records(world.lock, world.mirrors())

    def raw(prefix: Path) -> None:
        run_sync(install(records, prefix, cache_dir=cache / "pkgs", show_progress=False))

    benchmark.pedantic(raw, setup=fresh_prefixes(tmp_path), rounds=ROUNDS, warmup_rounds=1)


@pytest.mark.benchmark(group="create 50 packages, warm cache")
def test_envtool_create_library(benchmark: Any, warm: tuple[World, Path, Path], tmp_path: Path) -> None:
    world, cache, _ = warm

    def library(prefix: Path) -> None:
        create_environment(CreateRequest(lock=world.lock, prefix=prefix, mirrors=world.mirrors(), cache_dir=cache))

    benchmark.pedantic(library, setup=fresh_prefixes(tmp_path), rounds=ROUNDS, warmup_rounds=1)
    assert (tmp_path / "env0" / "conda-meta").is_dir()


@pytest.mark.benchmark(group="create 50 packages, warm cache, whole process")
def test_envtool_create_cli(benchmark: Any, warm: tuple[World, Path, Path], tmp_path: Path) -> None:
    world, cache, lock = warm
    env = {**os.environ, "ENVTOOL_CACHE_DIR": str(cache)}

    def cli(prefix: Path) -> None:
        args = [*ENVTOOL, "create", str(lock), "-p", str(prefix), "--offline", *world.mirror_args()]
        subprocess.run(args, env=env, check=True, capture_output=True)

    benchmark.pedantic(cli, setup=fresh_prefixes(tmp_path), rounds=ROUNDS, warmup_rounds=1)


RAW_SCRIPT = """
import asyncio, json, sys, time
from rattler import BuildString, PackageRecord, RepoDataRecord, install
rows, cache, prefix = json.load(open(sys.argv[1])), sys.argv[2], sys.argv[3]
records = [
    RepoDataRecord(
        PackageRecord(name=r["name"], version=r["version"], build=BuildString(r["build"]), build_number=0,
                      subdir=r["subdir"], md5=bytes.fromhex(r["md5"]), sha256=bytes.fromhex(r["sha256"])),
        r["file"], r["url"], r["channel"])
    for r in rows
]
asyncio.run(install(records, prefix, cache_dir=cache, show_progress=False))
time.sleep(0.001)  # else exiting races rattler's thread (crash); envtool does the same
"""


@pytest.mark.benchmark(group="create 50 packages, warm cache, whole process")
def test_raw_rattler_install_process(benchmark: Any, warm: tuple[World, Path, Path], tmp_path: Path) -> None:
    world, cache, _ = warm
    mirrors = world.mirrors()
    rows = [
        {"name": p.name, "version": p.version, "build": p.build, "subdir": p.subdir, "md5": p.md5,
         "sha256": p.sha256, "file": p.filename, "url": mirrors.to_mirror(p.url), "channel": p.channel}
        for p in world.lock.conda
    ]  # fmt: skip
    records = tmp_path / "records.json"
    records.write_text(json.dumps(rows))

    def raw(prefix: Path) -> None:
        command = [sys.executable, "-c", RAW_SCRIPT, str(records), str(cache / "pkgs"), str(prefix)]
        subprocess.run(command, check=True, capture_output=True)

    benchmark.pedantic(raw, setup=fresh_prefixes(tmp_path), rounds=ROUNDS, warmup_rounds=1)


@pytest.mark.benchmark(group="create 50 packages, warm cache, goal")
def test_create_within_goal_of_raw_install(
    benchmark: Any, side_by_side: Callable[..., Any], warm: tuple[World, Path, Path], tmp_path: Path
) -> None:
    """The goal, measured interleaved (round by round) so that machine load hits both alike.

    A benchmark like the others, so ``--benchmark-only`` (the ``bench_toolkit`` session) runs it.
    """
    from rattler import install

    world, cache, _ = warm
    records = conda_records(world.lock, world.mirrors())

    def raw(number: int) -> None:
        run_sync(install(records, tmp_path / f"raw{number}", cache_dir=cache / "pkgs", show_progress=False))

    def ours(number: int) -> None:
        create_environment(CreateRequest(lock=world.lock, prefix=tmp_path / f"env{number}", cache_dir=cache))

    side_by_side("create 50 packages, warm cache (library)", ours, raw, rounds=21, goal_ratio=1.3,
                 baseline="rattler.install")  # fmt: skip
