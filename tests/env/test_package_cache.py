"""Cached conda packages are checked against the lock before they are linked (real CLI, real cache)."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from envtool.env.create import CreateRequest, create_environment
from envtool.env.package_cache import trusted, verified_dir
from tests.factories import index_channel, make_conda_package
from tests.install_helpers import (
    World,
    build_world,
    host_subdir,
    leftovers,
    run_envtool,
    write_explicit,
)


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> World:
    monkeypatch.setenv("ENVTOOL_CACHE_DIR", str(tmp_path / "cache"))
    return build_world(tmp_path / "world", pip=False)


def _without_sha256(world: World) -> World:
    return replace(world, lock=replace(world.lock, conda=tuple(replace(p, sha256=None) for p in world.lock.conda)))


def test_a_warm_cache_does_not_hide_a_wrong_md5(world: World, tmp_path: Path) -> None:
    md5_only = _without_sha256(world)
    good = write_explicit(md5_only.lock, tmp_path / "good-explicit.txt")
    first = run_envtool(["create", str(good), "-p", str(tmp_path / "one"), *world.mirror_args()])
    assert first.returncode == 0, first.stderr
    lines = good.read_text().splitlines()
    url, _, md5 = lines[-1].partition("#")
    bad = tmp_path / "bad-explicit.txt"
    bad.write_text("\n".join([*lines[:-1], f"{url}#{'0' * 32}"]) + "\n")
    done = run_envtool(["create", str(bad), "-p", str(tmp_path / "two"), *world.mirror_args()])
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.splitlines()[-1].endswith(
        f"md5 is {md5}, the lock says {'0' * 32}; the file is corrupt or was changed; "
        "restore it on the channel/mirror, or re-lock if the change is intended"
    ), done.stderr
    assert not (tmp_path / "two").exists()
    assert leftovers(tmp_path) == []


def test_a_cache_entry_from_another_archive_is_fetched_again(world: World, tmp_path: Path) -> None:
    # another channel ships a different data-3-0 (same name, version, build); it fills the cache first
    other = tmp_path / "other"
    make_conda_package(other, "data", "3", "0", noarch="generic", files={"share/data.txt": "not the locked bytes\n"})
    index_channel(other, subdirs=("noarch", host_subdir()))
    impostor = World(world.root, other, world.wheels, world.lock)
    lock = _without_sha256(world).lock
    from tests.install_helpers import _locked

    data = _locked(other, other / "noarch" / "data-3-0.tar.bz2")
    other_lock = replace(lock, conda=(replace(data, sha256=None),))
    first = run_envtool(
        ["create", str(write_explicit(other_lock, tmp_path / "o-explicit.txt")), "-p", str(tmp_path / "o"),
         *impostor.mirror_args()]
    )  # fmt: skip
    assert first.returncode == 0, first.stderr
    pkgs = tmp_path / "cache" / "pkgs"
    assert (pkgs / "data-3-0" / "share/data.txt").read_text() == "not the locked bytes\n"
    locked_data = next(p for p in lock.conda if p.name == "data")
    assert not trusted(locked_data, pkgs)

    done = run_envtool(["create", str(write_explicit(lock, tmp_path / "l-explicit.txt")), "-p", str(tmp_path / "env"),
                        *world.mirror_args()])  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "env" / "share/data.txt").read_text() == "d\n"  # the locked package, fetched again
    assert json.loads((verified_dir(pkgs) / "data-3-0.json").read_text()) == {"md5": locked_data.md5}
    verify = run_envtool(["verify", str(tmp_path / "env")])
    assert verify.returncode == 0, verify.stdout + verify.stderr


def test_a_sha256_lock_trusts_what_rattler_recorded_and_nothing_else(world: World, tmp_path: Path) -> None:
    create_environment(CreateRequest(lock=world.lock, prefix=tmp_path / "env", mirrors=world.mirrors()))
    pkgs = tmp_path / "cache" / "pkgs"
    shutil.rmtree(verified_dir(pkgs))  # as if another rattler-based tool (pixi) had filled the cache
    assert all(trusted(p, pkgs) for p in world.lock.conda)
    assert not any(trusted(replace(p, sha256="0" * 64), pkgs) for p in world.lock.conda)
    assert not any(trusted(replace(p, sha256=None), pkgs) for p in world.lock.conda)  # md5 only: unknown
