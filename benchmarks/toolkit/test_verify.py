"""``envtool verify`` (every file hashed) against ``conda doctor``'s checks (``doctor.py``), same environment.

The environment is shaped like a small TensorFlow one: ``PACKAGES`` packages,
each with many small files (Python modules, headers) and one large shared
library, ~5,000 files and ~90 MB in all; every file is hashed on both sides
(warm page cache). The library case compares
:func:`envtool.env.verify.verify_environment` with :func:`doctor.doctor`; the
whole-process case ``envtool verify PREFIX`` with ``python doctor.py PREFIX``.
The goal: at least as fast as conda doctor (ratio <= 1).
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from doctor import doctor

from envtool.env.create import CreateRequest, create_environment
from envtool.env.verify import verify_environment
from envtool.model import TargetLock
from tests.factories import index_channel, make_conda_package
from tests.install_helpers import _locked, host_subdir, write_explicit

PACKAGES = 120
SMALL_FILES = 40
ROUNDS = 7
ENVTOOL = str(Path(sys.executable).parent / "envtool")


@pytest.fixture(scope="module")
def big_env(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, TargetLock, Path]:
    root = tmp_path_factory.mktemp("bench-verify")
    channel = root / "channel"
    subdir = host_subdir()
    archives = []
    for i in range(PACKAGES):
        files: dict[str, bytes | str] = {
            f"lib/python3.9/site-packages/pkg{i}/mod{j}.py": f"# module {i}.{j}\n" + "x = 1\n" * (200 + j)
            for j in range(SMALL_FILES)
        }
        files[f"lib/libpkg{i}.so"] = bytes((i + k) % 256 for k in range(256)) * 2048  # 512 KiB
        archives.append(make_conda_package(channel, f"pkg{i}", "1.0", "0", subdir=subdir, files=files, fmt=".conda"))
    index_channel(channel, subdirs=("noarch", subdir))
    conda = tuple(_locked(channel, path, channel.as_uri()) for path in archives)
    lock = TargetLock(target="big", platform=subdir, name="big", channels=(channel.as_uri(),), conda=conda)
    prefix = root / "env"
    create_environment(CreateRequest(lock=lock, prefix=prefix, cache_dir=root / "cache"))
    return prefix, lock, write_explicit(lock, root / "big-explicit.txt")


@pytest.mark.benchmark(group="verify, every file hashed")
def test_verify_library(
    benchmark: Any, side_by_side: Callable[..., Any], big_env: tuple[Path, TargetLock, Path]
) -> None:
    prefix, lock, _ = big_env

    def ours(_: int) -> None:
        assert verify_environment(prefix, lock).ok

    def raw(_: int) -> None:
        assert doctor(prefix) == ({}, {})

    side_by_side("verify ~5k files (library)", ours, raw, rounds=ROUNDS, goal_ratio=1.0, baseline="conda doctor")


@pytest.mark.benchmark(group="verify, every file hashed, whole process")
def test_verify_process(
    benchmark: Any, side_by_side: Callable[..., Any], big_env: tuple[Path, TargetLock, Path]
) -> None:
    prefix, _, lock_file = big_env
    script = str(Path(__file__).with_name("doctor.py"))

    def ours(_: int) -> None:
        subprocess.run([ENVTOOL, "verify", str(prefix), "--lock", str(lock_file)], check=True, capture_output=True)

    def raw(_: int) -> None:
        subprocess.run([sys.executable, script, str(prefix)], check=True, capture_output=True)

    side_by_side("verify ~5k files (process)", ours, raw, rounds=ROUNDS, goal_ratio=1.0, baseline="conda doctor")
