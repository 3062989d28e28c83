"""``envtool lock --update PKG``: only PKG and what must move with it change; every other record stays byte for byte."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from envtool.errors import ConfigError
from envtool.locking.lock import LockRequest, lock
from tests.factories import channel_url, index_channel, make_conda_package, make_python_package, make_wheel
from tests.projects import envtool, lock_files, write_project


def _records(text: str) -> dict[tuple[str, str], str]:
    """Each package's block of a conda-lock file, by (manager, name), as written."""
    body = text.split("\npackage:\n", 1)[1]
    blocks = re.split(r"\n(?=- name: )", body.strip("\n"))
    return {(re.search(r"manager: (\w+)", b).group(1), re.search(r"- name: (\S+)", b).group(1)): b for b in blocks}  # type: ignore[union-attr]


def _project(root: Path) -> tuple[Path, Path]:
    channel, links = root / "channel", root / "wheels"
    make_python_package(channel, "3.9.13")
    make_conda_package(channel, "numpy", "1.23.4", "py39_0", depends=["python >=3.9,<3.10"])
    make_conda_package(channel, "scipy", "1.9.0", "py39_0", depends=["python >=3.9,<3.10", "numpy >=1.23"])
    make_conda_package(channel, "tzdata", "2022a", "0", noarch="generic")
    make_conda_package(channel, "pip", "23.0", "pyhd8ed1ab_0", noarch="python", depends=["python >=3.7"])
    index_channel(channel)
    make_wheel(links, "tinypkg", "1.0", requires=["tinydep>=0.9"])
    make_wheel(links, "tinydep", "0.9")
    make_wheel(links, "other", "1.0")
    write_project(
        root, {"t": {"platform": "linux-64", "specs": ["s.yml"]}},
        {"s.yml": {"name": "t", "channels": [channel_url(channel)],
                   "dependencies": ["python=3.9", "scipy", "tzdata", "pip", {"pip": ["tinypkg", "other"]}]}},
        pypi={"find-links": [str(links)]},
    )  # fmt: skip
    return channel, links


def _newer_releases(channel: Path, links: Path) -> None:
    make_conda_package(channel, "numpy", "1.23.5", "py39_0", depends=["python >=3.9,<3.10"])
    make_conda_package(channel, "scipy", "1.10.0", "py39_0", depends=["python >=3.9,<3.10", "numpy >=1.23.5"])
    make_conda_package(channel, "tzdata", "2023c", "0", noarch="generic")
    index_channel(channel)
    make_wheel(links, "tinydep", "1.1")
    make_wheel(links, "other", "2.0")


def test_update_moves_only_the_named_package_and_what_must_follow(tmp_path: Path) -> None:
    channel, links = _project(tmp_path)
    assert envtool("lock", cwd=tmp_path).returncode == 0
    before = lock_files(tmp_path)
    with pytest.raises(ConfigError, match="--update scipyy: no lock of t holds 'scipyy'"):
        lock(LockRequest(tmp_path / "environments" / "targets.yml", update=("scipyy",)))
    _newer_releases(channel, links)

    dry = envtool("lock", "--update", "scipy", "--dry-run", cwd=tmp_path)
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.splitlines() == [
        "t (linux-64): 2 upgraded",
        "  upgraded   numpy  1.23.4 py39_0 -> 1.23.5 py39_0  (conda)",
        "  upgraded   scipy  1.9.0 py39_0 -> 1.10.0 py39_0  (conda)",
    ]
    assert lock_files(tmp_path) == before  # a dry run writes nothing

    done = envtool("lock", "--update", "scipy", "--update", "tinydep", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    old = _records(before["t-lock.yml"].decode())
    new = _records(lock_files(tmp_path)["t-lock.yml"].decode())
    moved = {key for key in old if old[key] != new.get(key)}
    assert moved == {("conda", "scipy"), ("conda", "numpy"), ("pip", "tinydep")}
    assert set(new) == set(old)
    assert yaml.safe_load(new[("pip", "tinydep")])[0]["version"] == "1.1"
    # tzdata and the pip package 'other' have newer releases, and stay where they were
    assert "2022a" in new[("conda", "tzdata")] and "version: '1.0'" in new[("pip", "other")]
