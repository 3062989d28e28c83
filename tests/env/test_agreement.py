"""One truth per target: ``envtool create TARGET`` refuses lock files that pin different things."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from envtool.lockfiles.env_file import render_env_file
from envtool.lockfiles.explicit import render_explicit
from envtool.model import PipPackage, TargetLock
from tests.install_helpers import World, build_world, run_envtool, write_project
from tests.projects import lock_files


@pytest.fixture
def project(tmp_path: Path) -> tuple[World, Path]:
    """A project holding all three files of target ``demo``, as ``envtool lock`` writes them."""
    world = build_world(tmp_path / "world")
    root = write_project(world.lock, tmp_path / "project")
    explicit = root / "locks" / "demo-explicit.txt"
    explicit.write_text(render_explicit(explicit, world.lock), encoding="utf-8")
    return world, root


def _refused(world: World, root: Path, one: str, other: str, about: str) -> None:
    before = lock_files(root)
    done = run_envtool(["create", "demo", *world.mirror_args()], cwd=root)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    first = done.stderr.splitlines()[0]
    assert first.startswith(f"error: {root / 'locks' / one} and {root / 'locks' / other}: disagree about {about}"), (
        first
    )
    assert lock_files(root) == before
    assert not (root / ".envtool" / "envs" / "demo").exists()


def _rewrite(root: Path, name: str, lock: TargetLock) -> None:
    """Write one of the target's files, whole and sealed, from another solve with the same inputs.

    Each file is intact (its body digest holds); only together do they disagree, as after a merge
    that took one file from each side, or a checkout of part of ``locks/``.
    """
    path = root / "locks" / name
    render = render_explicit if name.endswith("-explicit.txt") else render_env_file
    path.write_text(render(path, lock), encoding="utf-8")


def _with(lock: TargetLock, name: str, **changes: str) -> TargetLock:
    return replace(lock, conda=tuple(replace(p, **changes) if p.name == name else p for p in lock.conda))


def test_an_env_file_from_another_solve_is_refused(project: tuple[World, Path]) -> None:
    world, root = project
    data = next(p for p in world.lock.conda if p.name == "data")
    _rewrite(root, "demo.yml", _with(world.lock, "data", version="4", url=data.url.replace("data-3-0", "data-4-0")))
    _refused(world, root, "demo.yml", "demo-lock.yml", "data: 4 0 vs 3 0")


def test_an_explicit_file_from_another_solve_is_refused(project: tuple[World, Path]) -> None:
    world, root = project
    data = next(p for p in world.lock.conda if p.name == "data")
    _rewrite(root, "demo-explicit.txt", _with(world.lock, "data", md5="0" * 32))
    _refused(world, root, "demo-explicit.txt", "demo-lock.yml", f"data: {data.url}#{'0' * 32} vs {data.url}#{data.md5}")


def test_a_pip_pin_the_group_file_lacks_is_refused(project: tuple[World, Path]) -> None:
    world, root = project
    extra = PipPackage("extra", "1.0", "https://pypi.invalid/packages/extra-1.0-py3-none-any.whl", "ab" * 32)
    _rewrite(root, "demo.yml", replace(world.lock, pip=(*world.lock.pip, extra)))
    _refused(world, root, "demo.yml", "demo-lock.yml", f"extra: 1.0 {'ab' * 32} vs absent")


def test_a_hand_edited_file_is_refused_too(project: tuple[World, Path]) -> None:
    world, root = project
    env_file = root / "locks" / "demo.yml"
    env_file.write_text(env_file.read_text().replace("  - data=3=0", "  - data=4=0"))
    done = run_envtool(["create", "demo", *world.mirror_args()], cwd=root)
    assert done.returncode == 2, done.stderr
    assert done.stderr.splitlines()[0].startswith(f"error: {env_file}: edited or truncated since envtool wrote it")


def test_files_that_agree_install_what_they_say_and_an_unused_mirror_is_reported(project: tuple[World, Path]) -> None:
    world, root = project
    unused = "https://unused.invalid/chan=/srv/nowhere"
    done = run_envtool(["create", "demo", *world.mirror_args(), "--mirror", unused], cwd=root)
    assert done.returncode == 0, done.stderr
    assert (
        "warning: --mirror for https://unused.invalid/chan is not used: the lock has no package from there"
        in done.stderr
    )
    prefix = root / ".envtool" / "envs" / "demo"
    assert sorted(p.name for p in (prefix / "conda-meta").glob("*.json")) == sorted(
        f"{p.name}-{p.version}-{p.build}.json" for p in world.lock.conda
    )
    assert not (prefix / "CACHEDIR.TAG").exists()  # backup tools skip folders tagged so
