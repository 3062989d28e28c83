"""``envtool verify``: an installed environment against its lock."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from envtool.env.create import CreateRequest, create_environment
from envtool.env.verify import Difference, verify_environment
from envtool.errors import CheckFailed, InstallError
from tests.install_helpers import World, build_world, run_envtool, write_explicit


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> tuple[World, Path]:
    """One world and a lock file; each test creates its own environment from them (fast)."""
    root = tmp_path_factory.mktemp("verify")
    world = build_world(root / "world")
    return world, write_explicit(world.lock, root / "demo-explicit.txt")


@pytest.fixture
def env(made: tuple[World, Path], tmp_path: Path) -> Path:
    world, _ = made
    prefix = tmp_path / "env"
    create_environment(CreateRequest(lock=world.lock, prefix=prefix, mirrors=world.mirrors()))
    return prefix


def site_packages(prefix: Path) -> Path:
    return next(prefix.glob("lib/python*/site-packages"))


def test_a_fresh_environment_matches(made: tuple[World, Path], env: Path) -> None:
    report = verify_environment(env, made[0].lock)
    assert report.ok, report.differences
    assert (report.conda_checked, report.pip_checked) == (5, 1)  # hello's conda-owned dist-info is not pip's
    report.check()


def test_missing_extra_and_changed_conda_packages(made: tuple[World, Path], env: Path) -> None:
    meta = env / "conda-meta"
    (meta / "data-3-0.json").unlink()
    record = json.loads((meta / "prefixed-2.0-h1_1.json").read_text())
    (meta / "prefixed-2.0-h1_1.json").write_text(json.dumps({**record, "build": "h1_2", "sha256": "ff" * 32}))
    (meta / "stray-1-0.json").write_text(json.dumps({"name": "stray", "version": "1", "build": "0"}))

    report = verify_environment(env, made[0].lock)
    assert set(report.differences) == {
        Difference("missing", "conda", "data", "3 0", ""),
        Difference("extra", "conda", "stray", "", "1 0"),
        Difference(
            "changed", "conda", "prefixed", "2.0 h1_1", "2.0 h1_2",
            f"build h1_1 -> h1_2; sha256 {record['sha256']} -> {'ff' * 32}",
        ),
    }  # fmt: skip
    assert report.summary() == "1 missing, 1 extra, 1 changed"
    with pytest.raises(CheckFailed, match="--force"):
        report.check()


def test_missing_extra_and_changed_pip_packages(made: tuple[World, Path], env: Path) -> None:
    site = site_packages(env)
    metadata = site / "tiny-1.0.dist-info/METADATA"
    text = metadata.read_text()
    metadata.unlink()  # a hardlink into uv's cache: never edit it in place
    metadata.write_text(text.replace("Version: 1.0", "Version: 1.1"))
    extra = site / "Other_Pkg-2.0.dist-info"
    extra.mkdir()
    (extra / "METADATA").write_text("Metadata-Version: 2.1\nName: Other_Pkg\nVersion: 2.0\n")
    (extra / "INSTALLER").write_text("pip\n")
    (extra / "direct_url.json").write_text(json.dumps({"url": "x", "archive_info": {"hashes": {"sha256": "ab" * 32}}}))

    report = verify_environment(env, made[0].lock, fast=True)
    assert set(report.differences) == {
        Difference("changed", "pip", "tiny", "1.0", "1.1", "version 1.0 -> 1.1"),
        Difference("extra", "pip", "Other_Pkg", "", "2.0", "installed by pip"),
    }


def test_a_recorded_wheel_hash_that_differs(made: tuple[World, Path], env: Path) -> None:
    direct = site_packages(env) / "tiny-1.0.dist-info/direct_url.json"
    direct.unlink(missing_ok=True)
    direct.write_text(json.dumps({"url": "x", "archive_info": {"hash": "sha256=" + "cd" * 32}}))
    (diff,) = verify_environment(env, made[0].lock, fast=True).differences
    assert diff.kind == "changed" and diff.detail.startswith("sha256 ")


def _replace(path: Path, text: str) -> None:
    path.unlink()  # installed files are hardlinks into the package caches: never edit them in place
    path.write_text(text)


def test_altered_and_missing_files_are_reported_by_package(made: tuple[World, Path], env: Path) -> None:
    site = site_packages(env)
    _replace(env / "share/data.txt", "patched\n")  # a plain conda file: its sha256
    _replace(env / "share/prefixed/where.txt", f"prefix={env}\n\n")  # prefix rewritten: its sha256_in_prefix
    (env / "bin/prefixed-tool").unlink()
    _replace(site / "tiny/__init__.py", "import os\n")  # a wheel's file: its RECORD hash
    (site / "hello/__pycache__").mkdir(exist_ok=True)
    (site / "hello/__pycache__/__init__.cpython-311.pyc").write_bytes(b"written by python")  # no record lists it

    report = verify_environment(env, made[0].lock)
    details = {(d.kind, d.manager, d.name): d.detail for d in report.differences}
    assert details == {
        ("files", "conda", "data"): "altered share/data.txt",
        ("files", "conda", "prefixed"): "missing bin/prefixed-tool; altered share/prefixed/where.txt",
        ("files", "pip", "tiny"): f"altered {site.relative_to(env).as_posix()}/tiny/__init__.py",
    }
    assert report.summary() == "3 with missing or altered files"
    assert verify_environment(env, made[0].lock, fast=True).ok


def test_records_without_paths_data_still_need_their_files(made: tuple[World, Path], env: Path) -> None:
    meta = env / "conda-meta" / "data-3-0.json"
    record = json.loads(meta.read_text())
    del record["paths_data"]  # as older installers wrote them: a list of files, no hashes
    meta.write_text(json.dumps(record))
    assert verify_environment(env, made[0].lock).ok
    (env / "share/data.txt").unlink()
    (diff,) = verify_environment(env, made[0].lock).differences
    assert (diff.kind, diff.name, diff.detail) == ("files", "data", "missing share/data.txt")


def test_an_untouched_environment_with_rewritten_prefixes_passes_the_file_check(
    made: tuple[World, Path], env: Path
) -> None:
    assert "/opt/anaconda1anaconda2anaconda3" not in (env / "share/prefixed/where.txt").read_text()
    report = verify_environment(env, made[0].lock)
    assert report.ok, report.differences


def test_a_folder_that_is_not_an_environment(made: tuple[World, Path], tmp_path: Path) -> None:
    with pytest.raises(InstallError, match="not an environment"):
        verify_environment(tmp_path, made[0].lock)


def test_cli_exit_codes_and_json(made: tuple[World, Path], tmp_path: Path) -> None:
    world, lock = made
    prefix = tmp_path / "env"
    created = run_envtool(["create", str(lock), "-p", str(prefix), *world.mirror_args()])
    assert created.returncode == 0, created.stderr

    same = run_envtool(["verify", str(prefix)])  # the lock is found through the environment
    assert same.returncode == 0, same.stderr
    assert "matches its lock" in same.stdout

    (prefix / "conda-meta/data-3-0.json").unlink()
    drift = run_envtool(["verify", str(prefix), "--lock", str(lock)])
    assert drift.returncode == 1
    assert "missing" in drift.stdout and "data" in drift.stdout
    assert drift.stderr.strip().splitlines()[-1].startswith(f"error: {prefix}: differs from {lock}: 1 missing")
    assert "Traceback" not in drift.stderr

    as_json = run_envtool(["verify", str(prefix), "--json"])
    assert as_json.returncode == 1
    report = json.loads(as_json.stdout)
    assert report["ok"] is False
    assert report["differences"] == [
        {"kind": "missing", "manager": "conda", "name": "data", "locked": "3 0", "installed": "", "detail": ""}
    ]


def test_cli_bad_input(made: tuple[World, Path], tmp_path: Path) -> None:
    _, lock = made
    plain = tmp_path / "plain"
    (plain / "conda-meta").mkdir(parents=True)
    no_lock = run_envtool(["verify", str(plain)])
    assert no_lock.returncode == 2
    assert "pass --lock FILE or --target NAME" in no_lock.stderr
    for args in (["verify", str(tmp_path), "--lock", str(lock)], ["verify", str(tmp_path)]):
        not_env = run_envtool(args)
        assert not_env.returncode == 2
        assert not_env.stderr.startswith(f"error: {tmp_path}: is not an environment (no conda-meta/)")
    missing = run_envtool(["verify", str(tmp_path / "nowhere")])
    assert (missing.returncode, missing.stderr.splitlines()[0]) == (
        2,
        f"error: {tmp_path / 'nowhere'}: does not exist; pass the prefix of an environment made by envtool create, conda or micromamba",
    )


def test_cli_reports_an_altered_file_and_fast_skips_the_contents(made: tuple[World, Path], tmp_path: Path) -> None:
    world, lock = made
    prefix = tmp_path / "env"
    assert run_envtool(["create", str(lock), "-p", str(prefix), *world.mirror_args()]).returncode == 0
    _replace(prefix / "share/needs-glibc.txt", "changed\n")
    full = run_envtool(["verify", str(prefix), "--json"])
    assert full.returncode == 1, full.stderr
    assert json.loads(full.stdout)["differences"] == [
        {"kind": "files", "manager": "conda", "name": "needs-glibc", "locked": "", "installed": "",
         "detail": "altered share/needs-glibc.txt"}
    ]  # fmt: skip
    assert full.stderr.splitlines()[0] == (
        f"error: {prefix}: differs from {lock}: 1 with missing or altered files; "
        f"recreate it with 'envtool create {lock} -p {prefix} --force'"
    )
    fast = run_envtool(["verify", str(prefix), "--fast"])
    assert fast.returncode == 0, fast.stderr
