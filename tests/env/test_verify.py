"""``envtool verify``: an installed environment against its lock."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from envtool.env.create import CreateRequest, create_environment
from envtool.env.verify import (
    Difference,
    InstalledConda,
    InstalledPip,
    VerifyReport,
    compare_conda,
    compare_pip,
    installed_pip,
    lock_for,
    verify_environment,
)
from envtool.errors import CheckFailed, ConfigError, InstallError
from envtool.lockfiles.read import read_lock
from envtool.model import CondaPackage, PipPackage, TargetLock
from tests.install_helpers import World, build_world, run_envtool, write_explicit, write_project


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
    report = verify_environment(env, made[0].lock, made[1])
    assert report.ok, report.differences
    assert (report.prefix, report.target, report.lock_path) == (env, "demo", made[1])
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
    with pytest.raises(InstallError) as err:
        verify_environment(tmp_path, made[0].lock)
    assert str(err.value) == (
        f"{tmp_path}: is not an environment (no conda-meta/); "
        "pass the prefix of an environment made by envtool create, conda or micromamba"
    )


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


# --------------------------------------------------------------------------- every comparison, one at a time


def test_a_missing_pip_package(made: tuple[World, Path], env: Path) -> None:
    shutil.rmtree(site_packages(env) / "tiny-1.0.dist-info")
    report = verify_environment(env, made[0].lock)
    assert report.differences == (Difference("missing", "pip", "tiny", "1.0", ""),)
    assert (report.conda_checked, report.pip_checked, report.summary()) == (5, 0, "1 missing")


def test_a_recorded_wheel_hash_that_matches_the_lock(made: tuple[World, Path], env: Path) -> None:
    lock = made[0].lock
    sha = lock.pip[0].sha256
    direct = site_packages(env) / "tiny-1.0.dist-info/direct_url.json"
    for archive in ({"hashes": {"sha256": sha}}, {"hash": f"sha256={sha}"}, {"hashes": {"sha256": sha.upper()}}):
        direct.unlink(missing_ok=True)
        direct.write_text(json.dumps({"url": "x", "archive_info": archive}))
        assert installed_pip(env)["tiny"].sha256 == archive.get("hashes", {}).get("sha256", sha)
        assert verify_environment(env, lock, fast=True).ok, archive  # fast: direct_url.json is in RECORD
    # a wheel for another tag of the same release is one of the lock's accepted hashes
    other = replace(lock, pip=(replace(lock.pip[0], sha256="ee" * 32, hashes=("ee" * 32, sha)),))
    assert verify_environment(env, other, fast=True).ok
    assert not verify_environment(env, replace(other, pip=(replace(other.pip[0], hashes=("ee" * 32,)),)), fast=True).ok


def test_conda_md5_and_sha256_are_compared_ignoring_case(made: tuple[World, Path], env: Path) -> None:
    lock = made[0].lock
    path = env / "conda-meta" / "data-3-0.json"
    record = json.loads(path.read_text())
    data = next(p for p in lock.conda if p.name == "data")
    path.write_text(json.dumps({**record, "md5": data.md5.upper(), "sha256": str(data.sha256).upper()}))
    assert verify_environment(env, lock).ok
    path.write_text(json.dumps({**record, "md5": "0" * 32}))
    assert verify_environment(env, lock).differences == (
        Difference("changed", "conda", "data", "3 0", "3 0", f"md5 {data.md5} -> {'0' * 32}"),
    )
    # a lock (or record) without an md5 cannot differ in it
    without = replace(lock, conda=tuple(replace(p, md5="") if p.name == "data" else p for p in lock.conda))
    assert verify_environment(env, without).ok
    path.write_text(json.dumps({**record, "md5": "", "sha256": None}))
    assert verify_environment(env, lock).ok


def test_compare_conda_reports_version_and_every_hash_in_order() -> None:
    pkg = CondaPackage("z", "1.2", "h0_0", "https://c/linux-64/z-1.2-h0_0.conda", "aa" * 16, "bb" * 32)
    have = InstalledConda("z", "1.3", "h0_1", "cc" * 16, "dd" * 32)
    assert compare_conda([pkg], {"z": have}) == [
        Difference(
            "changed", "conda", "z", "1.2 h0_0", "1.3 h0_1",
            f"version 1.2 -> 1.3; build h0_0 -> h0_1; md5 {'aa' * 16} -> {'cc' * 16}; sha256 {'bb' * 32} -> {'dd' * 32}",
        )
    ]  # fmt: skip
    assert compare_conda([], {"z": have}) == [Difference("extra", "conda", "z", "", "1.3 h0_1")]
    # every locked package is looked at, whatever comes before it
    y = replace(pkg, name="y", url="https://c/linux-64/y-1.2-h0_0.conda")
    assert [d.name for d in compare_conda([pkg, y], {"z": have})] == ["y", "z"]
    assert compare_conda([pkg], {}) == [Difference("missing", "conda", "z", "1.2 h0_0", "")]


def test_compare_pip_matches_names_as_pep_503_does() -> None:
    pkg = PipPackage("Tiny_Pkg", "1.0", "https://p/tiny_pkg-1.0-py3-none-any.whl", "aa" * 32, ("aa" * 32,))
    have = InstalledPip("tiny.pkg", "1.0", "uv", None, "lib/python3.9/site-packages/tiny.pkg-1.0.dist-info")
    assert compare_pip([pkg], {"tiny-pkg": have}) == []
    assert compare_pip([pkg], {"tiny-pkg": replace(have, version="2.0", sha256="bb" * 32)}) == [
        Difference("changed", "pip", "Tiny_Pkg", "1.0", "2.0", f"version 1.0 -> 2.0; sha256 {'aa' * 32} -> {'bb' * 32}")
    ]
    gone = replace(pkg, name="a-first")
    assert [(d.kind, d.name) for d in compare_pip([gone, pkg], {"tiny-pkg": replace(have, version="2.0")})] == [
        ("missing", "a-first"),
        ("changed", "Tiny_Pkg"),
    ]
    assert compare_pip([], {"tiny-pkg": replace(have, installer="")}) == [
        Difference("extra", "pip", "tiny.pkg", "", "1.0", "installed by unknown")
    ]


def fake_prefix(root: Path) -> Path:
    """A prefix as conda leaves it: two records, one of which owns a dist-info; and a pip-installed one."""
    site = root / "lib" / "python3.9" / "site-packages"
    (root / "conda-meta").mkdir(parents=True)
    (root / "conda-meta" / "history").write_text("")
    (root / "conda-meta" / "a-1-0.json").write_text(
        json.dumps(
            {
                "name": "a",
                "version": "1",
                "build": "0",
                "md5": "",
                "files": ["lib/python3.9/site-packages/a-1.dist-info/METADATA"],
            }
        )
    )
    (root / "conda-meta" / "b-2-0.json").write_text(
        json.dumps({"name": "b", "version": "2", "build": "0", "sha256": "ab" * 32})
    )
    (root / "conda-meta" / "not-a-record.json").write_text(json.dumps(["x"]))
    (root / "conda-meta" / "no-name.json").write_text(json.dumps({"version": "1"}))
    (root / "conda-meta" / "sparse.json").write_text(json.dumps({"name": "s"}))  # no version, build or hashes
    for name, meta in (("a-1.dist-info", "METADATA"), ("c-3.dist-info", "METADATA"), ("d-4.egg-info", "PKG-INFO")):
        (site / name).mkdir(parents=True)
        (site / name / meta).write_text(f"Metadata-Version: 2.1\nName: {name[0].upper()}\nVersion: {name[2]}\n")
    (site / "c-3.dist-info" / "INSTALLER").write_text("pip\n")
    (site / "e-5.dist-info").mkdir()  # no METADATA: not an installed distribution
    (site / "f-6.dist-info").mkdir()
    (site / "f-6.dist-info" / "METADATA").write_text("Metadata-Version: 2.1\nVersion: 6\n")  # no Name
    (site / "g-7.dist-info").mkdir()
    (site / "g-7.dist-info" / "METADATA").write_bytes(b"Name: g\nVersion: 7\nSummary: caf\xe9\n")  # not UTF-8
    (site / "h-8.dist-info").mkdir()
    (site / "h-8.dist-info" / "METADATA").write_text("name: H\n")  # no Version; field names ignore case
    return root


def test_installed_packages_are_read_from_conda_meta_and_site_packages(tmp_path: Path) -> None:
    prefix = fake_prefix(tmp_path / "env")
    lock = TargetLock("t", "linux-64", "", (), ())
    report = verify_environment(prefix, lock, fast=True)  # packages only: these have no files to check
    assert (report.conda_checked, report.pip_checked) == (3, 5)
    assert set(report.differences) == {
        Difference("extra", "conda", "a", "", "1 0"),
        Difference("extra", "conda", "b", "", "2 0"),
        Difference("extra", "conda", "s", "", " "),
        Difference("extra", "pip", "g", "", "7", "installed by unknown"),
        Difference("extra", "pip", "H", "", "", "installed by unknown"),
        Difference("extra", "pip", "C", "", "3", "installed by pip"),
        Difference("extra", "pip", "D", "", "4", "installed by unknown"),
        Difference("extra", "pip", "f", "", "6", "installed by unknown"),
    }
    assert installed_pip(prefix)["a"].location == "lib/python3.9/site-packages/a-1.dist-info"
    assert installed_pip(prefix, ["lib/python3.9/site-packages/a-1.dist-info/METADATA"]).keys() == {
        "c",
        "d",
        "f",
        "g",
        "h",
    }
    assert installed_pip(prefix, ["lib/python3.9/site-packages/c-3.dist-info"]).keys() == {"a", "d", "f", "g", "h"}


def test_windows_site_packages_and_symlinked_ones(tmp_path: Path) -> None:
    prefix = tmp_path / "env"
    windows = prefix / "Lib" / "site-packages" / "w-1.dist-info"
    windows.mkdir(parents=True)
    (windows / "METADATA").write_text("Name: w\nVersion: 1\n")
    (prefix / "lib").mkdir()
    (prefix / "lib" / "python3.9").mkdir()
    (prefix / "lib" / "python3.9" / "site-packages").symlink_to(prefix / "Lib" / "site-packages")
    assert list(installed_pip(prefix)) == ["w"]
    elsewhere = tmp_path / "elsewhere" / "x-1.dist-info"
    elsewhere.mkdir(parents=True)
    (elsewhere / "METADATA").write_text("Name: x\nVersion: 1\n")
    (prefix / "lib" / "python3.10").mkdir()
    (prefix / "lib" / "python3.10" / "site-packages").symlink_to(elsewhere.parent)
    assert list(installed_pip(prefix)) == ["w"]  # a symlinked site-packages is another environment's


@pytest.mark.parametrize(
    "content",
    ["not json", json.dumps([1]), json.dumps({"archive_info": "x"}), json.dumps({"archive_info": {"hash": "md5=ab"}}),
     json.dumps({"archive_info": {"hashes": {"sha256": 1}}}), json.dumps({"archive_info": {"hashes": "sha256=ab"}})],
)  # fmt: skip
def test_a_direct_url_without_a_sha256_records_none(tmp_path: Path, content: str) -> None:
    info = tmp_path / "lib" / "python3.9" / "site-packages" / "w-1.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Name: w\nVersion: 1\n")
    (info / "direct_url.json").write_text(content)
    assert installed_pip(tmp_path)["w"].sha256 is None


def test_an_unreadable_conda_meta_record(tmp_path: Path) -> None:
    (tmp_path / "conda-meta").mkdir()
    (tmp_path / "conda-meta" / "a-1-0.json").write_text("{")
    with pytest.raises(InstallError) as err:
        verify_environment(tmp_path, TargetLock("t", "linux-64", "", (), ()))
    assert str(err.value).startswith(f"{tmp_path / 'conda-meta' / 'a-1-0.json'}: unreadable conda-meta record (")
    assert str(err.value).endswith("); recreate the environment")


def test_report_summary_check_and_json(tmp_path: Path) -> None:
    diffs = (
        Difference("changed", "pip", "x", "1", "2", "version 1 -> 2"),
        Difference("extra", "conda", "y", "", "1 0"),
        Difference("missing", "conda", "z", "1 0", ""),
        Difference("missing", "pip", "w", "1", ""),
    )
    report = VerifyReport(tmp_path, "cpu", None, 3, 1, diffs)
    assert report.summary() == "2 missing, 1 extra, 1 changed"
    with pytest.raises(CheckFailed) as err:
        report.check()
    assert str(err.value) == (
        f"{tmp_path}: differs from target 'cpu': 2 missing, 1 extra, 1 changed; "
        f"recreate it with 'envtool create target 'cpu' -p {tmp_path} --force'"
    )
    with_path = VerifyReport(tmp_path, "cpu", tmp_path / "cpu.yml", 3, 1, diffs[:1])
    with pytest.raises(
        CheckFailed,
        match=f"differs from {tmp_path / 'cpu.yml'}: 1 changed; recreate it with 'envtool create {tmp_path / 'cpu.yml'} -p",
    ):
        with_path.check()
    assert with_path.as_json() == {
        "prefix": str(tmp_path), "target": "cpu", "lock": str(tmp_path / "cpu.yml"), "ok": False,
        "conda_checked": 3, "pip_checked": 1,
        "differences": [{"kind": "changed", "manager": "pip", "name": "x", "locked": "1", "installed": "2", "detail": "version 1 -> 2"}],
    }  # fmt: skip
    same = VerifyReport(tmp_path, "cpu", None, 3, 1, ())
    assert (same.ok, same.summary(), same.as_json()["lock"], same.as_json()["ok"]) == (True, "identical", None, True)
    same.check()


def test_the_lock_to_verify_against(made: tuple[World, Path], env: Path, tmp_path: Path) -> None:
    world, lock_file = made
    assert lock_for(env, lock_file, None, tmp_path) == (lock_file, read_lock(lock_file)[0])
    project = write_project(replace(world.lock, target="demo"), tmp_path / "project")
    by_target = lock_for(env, None, "demo", project)
    assert by_target[0] == project / "locks" / "demo.yml" and by_target[1].target == "demo"
    (env / "conda-meta" / "envtool").write_text(json.dumps({"lock": str(lock_file), "platform": world.lock.platform}))
    assert lock_for(env, None, None, tmp_path) == (lock_file, read_lock(lock_file)[0])
    (env / "conda-meta" / "envtool").unlink()
    with pytest.raises(ConfigError) as err:
        lock_for(env, None, None, tmp_path)
    assert str(err.value) == f"{env}: no lock given and the environment records none; pass --lock FILE or --target NAME"


def test_the_lock_is_chosen_by_the_platform_the_environment_records(
    made: tuple[World, Path], env: Path, tmp_path: Path
) -> None:
    from envtool.lockfiles.conda_lock import render_conda_lock

    lock = made[0].lock
    cpu = replace(lock, target="cpu")
    mac = replace(lock, target="mac", platform="osx-arm64" if lock.platform != "osx-arm64" else "linux-64")
    group = tmp_path / "tf-lock.yml"
    group.write_text(render_conda_lock(group, [cpu, mac], []))
    marker = env / "conda-meta" / "envtool"
    marker.write_text(json.dumps({"lock": str(group), "platform": mac.platform}))
    assert lock_for(env, None, None, tmp_path)[1].target == "mac"
    marker.write_text(json.dumps({"lock": str(group)}))
    assert lock_for(env, None, None, tmp_path)[1].target == "cpu"  # this machine's platform
    other = tmp_path / "other-lock.yml"
    other.write_text(render_conda_lock(other, [mac], []))
    with pytest.raises(InstallError) as err:
        lock_for(env, other, None, tmp_path)
    assert str(err.value).startswith(f"{other}: lock is for {mac.platform}, this machine is {lock.platform}; ")
