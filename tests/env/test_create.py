"""``envtool create``: the library call and the real CLI process, good and bad input."""

from __future__ import annotations

import base64
import csv
import hashlib
import json
import shutil
import signal
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from envtool.env.create import CreateRequest, CreateResult, create_environment
from envtool.env.locate import host_platform
from envtool.errors import HashMismatchError, InstallError, LockFormatError
from envtool.model import CondaPackage
from tests.factories import DirectoryServer, make_conda_package, make_wheel
from tests.install_helpers import (
    CANONICAL,
    ENVTOOL,
    StallingServer,
    World,
    build_world,
    flip_byte,
    interrupt_when,
    leftovers,
    read_only_mount_prefix,
    run_envtool,
    snapshot,
    tiny_disk_prefix,
    write_explicit,
    write_project,
)


@pytest.fixture
def world(tmp_path: Path) -> World:
    return build_world(tmp_path / "world", variables={"ENVTOOL_DEMO": "on it's way"})


@pytest.fixture
def cold_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A package cache of this test's own, so a corrupt file is never hidden by a cached one."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("ENVTOOL_CACHE_DIR", str(cache))
    return cache


@pytest.fixture
def uv_online(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let uv reach the local HTTP server (conftest keeps uv offline by default)."""
    monkeypatch.delenv("UV_OFFLINE", raising=False)


def create(world: World, prefix: Path, **kwargs: Any) -> CreateResult:
    request = CreateRequest(lock=world.lock, prefix=prefix, mirrors=world.mirrors())
    return create_environment(replace(request, **kwargs))


def one_error_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert "Traceback" not in stderr
    assert lines and lines[-1].startswith("error: "), stderr
    assert sum(1 for line in lines if line.startswith("error")) == 1
    return lines[-1]


# --------------------------------------------------------------------------- what gets installed


def test_create_writes_the_final_prefix_everywhere(world: World, tmp_path: Path) -> None:
    prefix = tmp_path / "envs" / "demo"
    result = create(world, prefix)

    assert result.prefix == prefix
    assert (result.conda_packages, result.pip_packages) == (5, 1)
    # a text file holding the build prefix placeholder names the final prefix, not the staging one
    assert (prefix / "share/prefixed/where.txt").read_text() == f"prefix={prefix}\n"
    tool = subprocess.run([prefix / "bin/prefixed-tool"], capture_output=True, text=True, check=True)
    assert tool.stdout.strip() == str(prefix)
    # the noarch python entry point (rattler) and the wheel's console script (uv) run after the move
    hello = subprocess.run([prefix / "bin/hello"], capture_output=True, text=True, check=True)
    assert hello.stdout.split() == ["hello", str(prefix)]
    tiny = subprocess.run([prefix / "bin/tiny"], capture_output=True, text=True, check=True)
    assert tiny.stdout.split() == ["tiny", str(prefix)]
    assert (prefix / "bin/tiny").read_text().splitlines()[0] == f"#!{prefix}/bin/python"
    # nothing anywhere mentions the staging folder
    for path in prefix.rglob("*"):
        if path.is_file() and not path.is_symlink():
            assert b".envtool-new-" not in path.read_bytes(), path
    assert leftovers(prefix.parent) == []


def test_rewritten_scripts_keep_their_record_hashes(world: World, tmp_path: Path) -> None:
    prefix = tmp_path / "env"
    create(world, prefix)
    site = next(prefix.glob("lib/python*/site-packages"))
    rows = list(csv.reader((site / "tiny-1.0.dist-info/RECORD").read_text().splitlines()))
    script = next(r for r in rows if r[0].endswith("bin/tiny"))
    data = (site / script[0]).resolve().read_bytes()
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    assert script[1:] == [f"sha256={digest}", str(len(data))]


def test_conda_meta_records_canonical_urls_and_package_metadata(world: World, tmp_path: Path) -> None:
    prefix = tmp_path / "env"
    create(world, prefix)
    hello = json.loads((prefix / "conda-meta/hello-1.0-pyh0_0.json").read_text())
    assert hello["url"].startswith(CANONICAL + "/noarch/")
    assert hello["noarch"] == "python"
    assert "lib/python{}.{}/site-packages/hello/__init__.py".format(*sys.version_info[:2]) in hello["files"]
    needs = json.loads((prefix / "conda-meta/needs-glibc-0.1-0.json").read_text())
    assert "__glibc >=2.17" in needs["depends"]  # a virtual package dependency installs fine
    assert json.loads((prefix / "conda-meta/envtool").read_text())["target"] == "demo"
    # rattler writes records 0600; envtool gives them the umask's mode, as conda does
    mode = (prefix / "conda-meta/history").stat().st_mode & 0o666
    assert {p.stat().st_mode & 0o777 for p in (prefix / "conda-meta").glob("*.json")} == {mode}


@pytest.mark.skipif(not host_platform().startswith("linux"), reason="the CUDA library path is for linux only")
def test_a_cuda_lock_puts_the_environment_lib_on_the_library_path(world: World, tmp_path: Path) -> None:
    subdir = world.lock.platform
    toolkit = make_conda_package(
        world.channel, "cudatoolkit", "11.2.2", "h0_10", subdir=subdir, files={"lib/libcudart.so.11.0": "not really\n"}
    )
    digest = hashlib.md5(toolkit.read_bytes()).hexdigest()
    package = CondaPackage("cudatoolkit", "11.2.2", "h0_10", f"{CANONICAL}/{subdir}/{toolkit.name}", digest)
    cpu, gpu = tmp_path / "cpu", tmp_path / "gpu"
    create(world, cpu, lock=world.without_pip())
    create(world, gpu, lock=replace(world.without_pip(), conda=(*world.lock.conda, package)))

    assert not list(cpu.glob("etc/conda/*/envtool-cuda.sh"))
    on, off = gpu / "etc/conda/activate.d/envtool-cuda.sh", gpu / "etc/conda/deactivate.d/envtool-cuda.sh"
    script = (
        f'export CONDA_PREFIX="{gpu}"; . "{on}"; echo "$LD_LIBRARY_PATH"; . "{off}"; echo "${{LD_LIBRARY_PATH-unset}}"'
    )
    out = subprocess.run(["bash", "-c", script], capture_output=True, text=True, check=True, env={})
    assert out.stdout.splitlines() == [f"{gpu}/lib", "unset"]
    assert (gpu / "lib/libcudart.so.11.0").is_file()


@pytest.mark.parametrize("per_package", [True, False])
def test_progress_reports_every_phase(world: World, tmp_path: Path, per_package: bool) -> None:
    events: list[tuple[str, str]] = []

    class Recorder:
        def __init__(self) -> None:
            self.per_package = per_package

        def begin(self, phase: str, total: int) -> None:
            events.append(("begin", phase))

        def advance(self, phase: str, item: str) -> None:
            events.append(("advance", phase))

        def end(self, phase: str) -> None:
            events.append(("end", phase))

    create(world, tmp_path / "env", progress=Recorder())
    phases = [("conda", 0), ("pip", 1)] + ([("fetch", 5), ("link", 5)] if per_package else [])
    for phase, count in phases:
        assert events.count(("begin", phase)) == events.count(("end", phase)) == 1
        assert events.count(("advance", phase)) == count
    assert {p for _, p in events} == {p for p, _ in phases}


# --------------------------------------------------------------------------- replacing and refusing


def test_existing_environment_is_replaced_only_with_force(world: World, tmp_path: Path) -> None:
    prefix = tmp_path / "env"
    create(world, prefix)
    before = snapshot(prefix)
    with pytest.raises(InstallError, match="--force"):
        create(world, prefix)
    assert snapshot(prefix) == before

    result = create(world, prefix, lock=world.without_pip(), force=True)
    assert result.replaced
    assert not (prefix / "bin/tiny").exists()
    assert (prefix / "bin/hello").exists()
    assert leftovers(tmp_path) == []


def test_a_folder_that_is_not_an_environment_is_never_replaced(world: World, tmp_path: Path) -> None:
    prefix = tmp_path / "precious"
    prefix.mkdir()
    (prefix / "thesis.tex").write_text("years of work")
    with pytest.raises(InstallError, match="not an environment"):
        create(world, prefix, force=True)
    assert (prefix / "thesis.tex").read_text() == "years of work"


def test_an_empty_folder_is_filled(world: World, tmp_path: Path) -> None:
    prefix = tmp_path / "empty"
    prefix.mkdir()
    create(world, prefix, lock=world.without_pip())
    assert (prefix / "bin/hello").exists()


def test_a_lock_for_another_platform_is_refused(world: World, tmp_path: Path) -> None:
    other = "osx-arm64" if host_platform() != "osx-arm64" else "linux-64"
    with pytest.raises(InstallError, match=f"lock is for {other}, this machine is {host_platform()}"):
        create(world, tmp_path / "env", lock=replace(world.lock, platform=other))
    assert not (tmp_path / "env").exists()


def test_a_lock_without_hashes_is_refused(world: World, tmp_path: Path) -> None:
    naked = tuple(replace(p, md5="", sha256=None) for p in world.lock.conda)
    with pytest.raises(LockFormatError, match="no md5 or sha256"):
        create(world, tmp_path / "env", lock=replace(world.lock, conda=naked))
    assert list(tmp_path.iterdir()) == [tmp_path / "world"]


# --------------------------------------------------------------------------- corrupt or missing packages


@pytest.mark.usefixtures("cold_cache")
def test_flipped_byte_on_a_file_mirror_leaves_the_old_environment(world: World, tmp_path: Path) -> None:
    prefix = tmp_path / "env"
    create(world, prefix, lock=world.without_pip())
    shutil.rmtree(tmp_path / "cache")
    before = snapshot(prefix)
    flip_byte(world.files["prefixed"])
    with pytest.raises(HashMismatchError) as err:
        create(world, prefix, force=True)
    assert err.value.where.endswith("prefixed-2.0-h1_1.tar.bz2")
    assert err.value.where.startswith("file://")
    assert "the lock says" in err.value.what
    assert snapshot(prefix) == before
    assert leftovers(tmp_path) == []


@pytest.mark.usefixtures("cold_cache")
@pytest.mark.parametrize(
    ("damage", "error", "message"),
    [
        ("rebuilt", HashMismatchError, "the lock says"),  # a valid archive, but not the locked one
        ("truncate", InstallError, "unreadable package"),
        ("delete", InstallError, "not found (HTTP 404)"),
    ],
)
def test_damaged_packages_on_an_http_mirror(
    world: World, tmp_path: Path, damage: str, error: type[Exception], message: str
) -> None:
    archive = world.files["prefixed"]
    if damage == "rebuilt":
        make_conda_package(world.channel, "prefixed", "2.0", "h1_1", subdir=archive.parent.name, files={"x": "y"})
    elif damage == "truncate":  # rattler retries this like a dropped connection (a few seconds)
        archive.write_bytes(archive.read_bytes()[:200])
    else:
        archive.unlink()
    with DirectoryServer(world.channel) as server, pytest.raises(error) as err:
        create(world, tmp_path / "env", lock=world.without_pip(), mirrors=world.mirrors(conda=server.url))
    assert message in str(err.value)
    assert server.url in str(err.value)
    assert not (tmp_path / "env").exists()
    assert leftovers(tmp_path) == []


@pytest.mark.usefixtures("cold_cache")
def test_a_package_the_channel_does_not_have(world: World, tmp_path: Path) -> None:
    ghost = CondaPackage("ghost", "1.0", "0", f"{CANONICAL}/noarch/ghost-1.0-0.tar.bz2", "0" * 32)
    lock = replace(world.lock, conda=(*world.lock.conda, ghost), pip=())
    with pytest.raises(InstallError, match=r"package ghost-1\.0-0\.tar\.bz2 not found"):
        create(world, tmp_path / "env", lock=lock)
    assert not (tmp_path / "env").exists()


@pytest.mark.usefixtures("cold_cache")
def test_flipped_byte_in_a_wheel(world: World, tmp_path: Path) -> None:
    flip_byte(world.files["tiny"], offset=200)
    with pytest.raises(HashMismatchError, match="the lock says") as err:
        create(world, tmp_path / "env")
    assert err.value.where.endswith("tiny-1.0-py3-none-any.whl")
    assert not (tmp_path / "env").exists()
    assert leftovers(tmp_path) == []


@pytest.mark.usefixtures("cold_cache", "uv_online")
def test_changed_wheel_on_an_http_mirror(world: World, tmp_path: Path) -> None:
    make_wheel(world.wheels, "tiny", "1.0", files={"tiny/__init__.py": "changed = True\n"})
    with DirectoryServer(world.wheels) as server, pytest.raises(HashMismatchError) as err:
        create(world, tmp_path / "env", mirrors=world.mirrors(pypi=server.url))
    assert err.value.where == f"{server.url}/tiny-1.0-py3-none-any.whl"
    assert "the lock says" in err.value.what
    assert not (tmp_path / "env").exists()
    assert leftovers(tmp_path) == []


@pytest.mark.usefixtures("cold_cache", "uv_online")
def test_offline_works_from_a_warm_cache_only(world: World, tmp_path: Path) -> None:
    # StallingServer lets clients cache (the shared fixture server says no-store, which uv obeys)
    with StallingServer(world.root, stall="/never") as server:
        mirrors = world.mirrors(conda=f"{server.url}/channel", pypi=f"{server.url}/wheels")
        with pytest.raises(InstallError, match="not in the cache"):
            create(world, tmp_path / "cold", mirrors=mirrors, offline=True)
        first = create(world, tmp_path / "warm", mirrors=mirrors)
        assert first.downloaded == 5
    # the server is gone: only the caches can serve this
    result = create(world, tmp_path / "offline", mirrors=mirrors, offline=True)
    assert result.downloaded == 0
    assert subprocess.run([tmp_path / "offline/bin/tiny"], capture_output=True, check=False).returncode == 0


# --------------------------------------------------------------------------- the real CLI process


def test_cli_creates_from_an_explicit_lock_and_prints_json(world: World, tmp_path: Path) -> None:
    lock = write_explicit(world.lock, tmp_path / "demo-explicit.txt")
    prefix = tmp_path / "env"
    done = run_envtool(["create", str(lock), "-p", str(prefix), "--json", *world.mirror_args()])
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["prefix"] == str(prefix)
    assert (summary["conda_packages"], summary["pip_packages"]) == (5, 1)
    assert "installing 5 conda packages" in done.stderr  # plain progress: stderr is no terminal
    again = run_envtool(["create", str(lock), "-p", str(prefix), *world.mirror_args()])
    assert again.returncode == 2
    assert "--force" in one_error_line(again.stderr)


def test_cli_a_lock_without_envtools_header(world: World, tmp_path: Path) -> None:
    from envtool.env.verify import verify_environment
    from envtool.lockfiles.conda_lock import v1_document, yaml_text

    # a conda-lock file as conda-lock writes it (no envtool header or metadata) carries every hash: accepted
    document = v1_document([world.lock], [])
    document["metadata"]["custom_metadata"] = None
    lock = tmp_path / "conda-lock.yml"
    lock.write_text("# This lock file was generated by conda-lock.\n" + yaml_text(document))
    prefix = tmp_path / "env"
    done = run_envtool(["create", str(lock), "-p", str(prefix), *world.mirror_args()])
    assert done.returncode == 0, done.stderr
    assert verify_environment(prefix, world.lock).ok
    # an environment.yml pins nothing by hash: refused, and nothing is created
    spec = tmp_path / "environment.yml"
    spec.write_text("name: demo\nchannels: [conda-forge]\ndependencies:\n  - python=3.9\n")
    refused = run_envtool(["create", str(spec), "-p", str(tmp_path / "other"), *world.mirror_args()])
    assert refused.returncode == 2
    assert one_error_line(refused.stderr).startswith(f"error: {spec}: not a lock (no envtool header")
    assert not (tmp_path / "other").exists()


def test_cli_resolves_a_target_to_the_default_prefix(world: World, tmp_path: Path) -> None:
    project = write_project(world.lock, tmp_path / "project")
    (project / "sub").mkdir()
    done = run_envtool(["create", "demo", *world.mirror_args()], cwd=project / "sub")
    assert done.returncode == 0, done.stderr
    prefix = project / ".envtool/envs/demo"
    assert (prefix / "etc/conda/activate.d/envtool-vars.sh").is_file()
    named = run_envtool(["create", "demo", "-n", "other", *world.mirror_args()], cwd=project)
    assert named.returncode == 0, named.stderr
    assert (project / ".envtool/envs/other/bin/hello").exists()


def test_cli_unknown_target_and_usage_errors(world: World, tmp_path: Path) -> None:
    project = write_project(world.lock, tmp_path / "project")
    missing = run_envtool(["create", "nope"], cwd=project)
    assert missing.returncode == 2
    assert "locks/nope.yml" in one_error_line(missing.stderr)
    both = run_envtool(["create", "demo", "-p", "x", "-n", "y"], cwd=project)
    assert both.returncode == 2


def test_cli_refuses_another_platform(world: World, tmp_path: Path) -> None:
    other = "osx-arm64" if host_platform() != "osx-arm64" else "linux-64"
    lock = write_explicit(replace(world.lock, platform=other), tmp_path / "other-explicit.txt")
    done = run_envtool(["create", str(lock), "-p", str(tmp_path / "env"), *world.mirror_args()])
    assert done.returncode == 2
    line = one_error_line(done.stderr)
    assert str(lock) in line and other in line
    assert not (tmp_path / "env").exists()


@pytest.mark.usefixtures("cold_cache")
def test_cli_bad_packages_exit_2_with_one_line(world: World, tmp_path: Path) -> None:
    lock = write_explicit(world.lock, tmp_path / "demo-explicit.txt")
    flip_byte(world.files["needs-glibc"])
    flipped = run_envtool(["create", str(lock), "-p", str(tmp_path / "env"), *world.mirror_args()])
    assert flipped.returncode == 2
    line = one_error_line(flipped.stderr)
    assert "needs-glibc-0.1-0.tar.bz2" in line and "md5 is" in line and "re-lock" in line

    world.files["needs-glibc"].unlink()
    gone = run_envtool(["create", str(lock), "-p", str(tmp_path / "env"), *world.mirror_args()])
    assert gone.returncode == 2
    assert "needs-glibc-0.1-0.tar.bz2 not found" in one_error_line(gone.stderr)
    assert not (tmp_path / "env").exists()
    assert leftovers(tmp_path) == []


def test_cli_lock_without_hashes(world: World, tmp_path: Path) -> None:
    lock = write_explicit(world.lock, tmp_path / "demo-explicit.txt", hashes=False)
    done = run_envtool(["create", str(lock), "-p", str(tmp_path / "env"), *world.mirror_args()])
    assert done.returncode == 2
    assert "no hash" in one_error_line(done.stderr)
    verbose = subprocess.run(
        [*ENVTOOL, "-v", "create", str(lock), "-p", str(tmp_path / "env")], capture_output=True, text=True, check=False
    )
    assert verbose.returncode != 0 and "Traceback" in verbose.stderr


def test_cli_read_only_destination(world: World, tmp_path: Path) -> None:
    parent = tmp_path / "readonly"
    parent.mkdir()
    wrapper = read_only_mount_prefix(parent)
    if wrapper is None:
        pytest.skip("cannot make a read-only folder here (root without mount namespaces)")
    if not wrapper:
        parent.chmod(0o555)
    lock = write_explicit(world.lock, tmp_path / "demo-explicit.txt")
    done = subprocess.run(
        [*wrapper, *ENVTOOL, "create", str(lock), "-p", str(parent / "env"), *world.mirror_args()],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    parent.chmod(0o755)
    assert done.returncode == 2, done.stderr
    line = one_error_line(done.stderr)
    assert str(parent) in line and "writable" in line
    assert list(parent.iterdir()) == []


@pytest.mark.usefixtures("cold_cache")
def test_cli_full_destination(world: World, tmp_path: Path) -> None:
    parent = tmp_path / "tiny-disk"
    parent.mkdir()
    wrapper = tiny_disk_prefix(parent, size_kb=64)
    if wrapper is None:
        pytest.skip("cannot mount a small tmpfs here")
    big = make_conda_package(world.channel, "big", "1.0", "0", files={"share/big.bin": bytes(range(256)) * 2048})
    digest = hashlib.md5(big.read_bytes()).hexdigest()
    package = CondaPackage("big", "1.0", "0", f"{CANONICAL}/{big.parent.name}/{big.name}", digest)
    lock = write_explicit(replace(world.lock, conda=(*world.lock.conda, package)), tmp_path / "big-explicit.txt")
    script = f'{" ".join(ENVTOOL)} create {lock} -p {parent}/env {" ".join(world.mirror_args())}; echo "exit=$?"; ls -A {parent}'
    done = subprocess.run([*wrapper, "sh", "-c", script], capture_output=True, text=True, check=False)
    assert "exit=2" in done.stdout, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "exit=2"  # nothing left on the tiny disk
    assert "no space left on device" in one_error_line(done.stderr)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP], ids=["SIGINT", "SIGTERM", "SIGHUP"])
@pytest.mark.usefixtures("cold_cache")
def test_cli_interrupted_mid_download_changes_nothing(
    world: World, tmp_path: Path, sig: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setenv("TMPDIR", str(temp))
    prefix = tmp_path / "envs" / "env"
    create(world, prefix, lock=world.without_pip())
    shutil.rmtree(tmp_path / "cache")
    before = snapshot(prefix)
    lock = write_explicit(world.lock, tmp_path / "demo-explicit.txt")
    with StallingServer(world.channel, "needs-glibc-0.1-0.tar.bz2") as server:
        args = ["create", str(lock), "-p", str(prefix), "--force", *world.mirror_args(conda=server.url)]
        code, stderr = interrupt_when(args, server.stalled, sig)
    assert code == 128 + sig, stderr
    assert stderr.strip().splitlines()[-1] == "interrupted"
    assert "Traceback" not in stderr
    assert snapshot(prefix) == before
    assert leftovers(prefix.parent) == []
    pkgs = tmp_path / "cache" / "pkgs"
    assert sorted(p.name for p in pkgs.iterdir() if p.name.startswith(".") and p.is_dir()) == []  # half-fetched
    assert list(temp.iterdir()) == []


@pytest.mark.usefixtures("cold_cache", "uv_online")
def test_cli_sigterm_while_uv_installs_changes_nothing(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setenv("TMPDIR", str(temp))
    prefix = tmp_path / "envs" / "env"
    lock = write_explicit(world.lock, tmp_path / "demo-explicit.txt")
    with StallingServer(world.wheels, ".whl") as server:
        args = ["create", str(lock), "-p", str(prefix), *world.mirror_args(pypi=server.url)]
        code, stderr = interrupt_when(args, server.stalled, signal.SIGTERM)
    assert code == 143, stderr
    assert not prefix.exists()
    assert leftovers(prefix.parent) == []
    assert list(temp.iterdir()) == []  # uv's requirements file went with its folder


# --------------------------------------------------------------------------- signals held during the swap


@pytest.mark.usefixtures("cold_cache", "uv_online")
def test_wheels_come_through_a_pypi_index_mirror(world: World, tmp_path: Path) -> None:
    from envtool.inputs.mirrors import MirrorMap

    # The lock names PyPI's files; a PyPI mirror serves them at the same paths beside its /simple.
    path = "packages/0a/1b/2c3d/tiny-1.0-py3-none-any.whl"
    served = tmp_path / "pypi-mirror"
    (served / path).parent.mkdir(parents=True)
    shutil.copy(world.files["tiny"], served / path)
    (tiny,) = world.lock.pip
    lock = replace(world.lock, pip=(replace(tiny, url=f"https://files.pythonhosted.org/{path}"),))
    with DirectoryServer(served) as server:
        mirrors = MirrorMap({**world.mirrors().mirrors, "https://pypi.org/simple": f"{server.url}/simple"})
        result = create(world, tmp_path / "env", lock=lock, mirrors=mirrors)
        assert server.count(f"/{path}") >= 1
    assert result.pip_packages == 1
