"""The lock engine end to end: real solver, real channels built in the test, real CLI."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
import yaml

from envtool import atomic
from envtool.errors import SolveError
from envtool.inputs.mirrors import MirrorMap
from envtool.lockfiles.conda_lock import read_conda_lock
from envtool.lockfiles.read import read_lock
from envtool.locking.lock import LockRequest, check, lock
from tests.factories import DirectoryServer, channel_url, index_channel, make_conda_package
from tests.projects import PausedLock, envtool, lock_files, tf_channel, tf_project, write_project


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return tf_project(tmp_path, tf_channel(tmp_path))


def _pins(path: Path) -> dict[str, str]:
    data = yaml.safe_load(path.read_text())
    return {d.split("=")[0]: d for d in data["dependencies"] if isinstance(d, str)}


def test_cpu_and_gpu_variants_follow_virtual_packages(project: Path) -> None:
    result = lock(LockRequest(manifest=project))
    assert {lk.target for lk in result.solved} == {"cpu", "gpu"}
    locks = project.parent.parent / "locks"
    gpu, cpu = _pins(locks / "gpu.yml"), _pins(locks / "cpu.yml")
    assert gpu["tensorflow"] == "tensorflow=2.9.1=cuda112py39_1"
    assert gpu["cudatoolkit"] == "cudatoolkit=11.2.2=h0"
    assert cpu["tensorflow"] == "tensorflow=2.9.1=cpu_py39_0"
    assert not any("cud" in pin for pin in cpu.values())
    assert gpu["numpy"] == "numpy=1.23.5=py39_0"  # the spec's numpy<2 holds


def test_overlay_variables_and_name_reach_the_env_file(project: Path) -> None:
    lock(LockRequest(manifest=project))
    data = yaml.safe_load((project.parent.parent / "locks" / "gpu.yml").read_text())
    assert data["name"] == "tf"
    assert data["variables"] == {"TF_FORCE_GPU_ALLOW_GROWTH": "true"}
    assert data["channels"] == [channel_url(project.parent.parent / "channel")]


def test_explicit_file_is_in_dependency_order_with_md5(project: Path) -> None:
    lock(LockRequest(manifest=project))
    lines = (project.parent.parent / "locks" / "gpu-explicit.txt").read_text().splitlines()
    urls = [line for line in lines[lines.index("@EXPLICIT") + 1 :] if line and not line.startswith("#")]
    names = [u.rsplit("/", 1)[-1].rsplit("-", 2)[0] for u in urls]
    assert names.index("python") < names.index("numpy") < names.index("tensorflow")
    assert names.index("cudatoolkit") < names.index("cudnn")
    assert all("#" in u and len(u.split("#")[1]) == 32 for u in urls)


def test_no_cuda_target_cannot_get_cuda_build(tmp_path: Path) -> None:
    channel = tf_channel(tmp_path)
    manifest = write_project(
        tmp_path,
        {"cpu": {"platform": "linux-64", "specs": ["cpu.yml"]}},
        {"cpu.yml": {"channels": [channel_url(channel)], "dependencies": ["python=3.9", "tensorflow=*=cuda*"]}},
    )
    with pytest.raises(SolveError, match="__cuda"):
        lock(LockRequest(manifest=manifest))


def test_strict_channel_priority(tmp_path: Path) -> None:
    first = tf_channel(tmp_path)
    second = tmp_path / "second"
    make_conda_package(second, "numpy", "1.99.0", "py39_0", depends=["python >=3.9,<3.10"])
    index_channel(second)
    specs = {
        "s.yml": {"channels": [channel_url(first), channel_url(second)], "dependencies": ["python=3.9", "numpy<2"]}
    }
    strict = write_project(tmp_path / "strict", {"t": {"platform": "linux-64", "specs": ["s.yml"]}}, specs)
    loose = write_project(
        tmp_path / "loose",
        {"t": {"platform": "linux-64", "specs": ["s.yml"]}},
        specs,
        **{"channel-priority": "disabled"},
    )
    numpy = {
        name: next(p for p in lock(LockRequest(manifest=m)).solved[0].conda if p.name == "numpy")
        for name, m in (("strict", strict), ("loose", loose))
    }
    assert numpy["strict"].version == "1.23.5" and numpy["strict"].channel == channel_url(first)
    assert numpy["loose"].version == "1.99.0" and numpy["loose"].channel == channel_url(second)


def test_same_inputs_give_identical_bytes(project: Path) -> None:
    root = project.parent.parent
    lock(LockRequest(manifest=project))
    first = lock_files(root)
    lock(LockRequest(manifest=project, force=True))
    assert lock_files(root) == first
    assert set(first) == {"cpu.yml", "cpu-explicit.txt", "cpu-lock.yml", "gpu.yml", "gpu-explicit.txt", "gpu-lock.yml"}


def test_check_names_the_changed_input_and_lock_resolves_only_stale(project: Path) -> None:
    root = project.parent.parent
    lock(LockRequest(manifest=project))
    assert all(s.fresh for s in check(project))
    gpu = root / "environments" / "gpu.yml"
    gpu.write_text(gpu.read_text().replace("cudnn=8", "cudnn=8.4"))
    statuses = {s.target: s for s in check(project)}
    assert statuses["cpu"].fresh
    assert not statuses["gpu"].fresh
    assert "spec environments/gpu.yml" in statuses["gpu"].reasons[0]
    before = (root / "locks" / "cpu.yml").stat().st_mtime_ns
    result = lock(LockRequest(manifest=project))
    assert [lk.target for lk in result.solved] == ["gpu"] and result.fresh == ("cpu",)
    assert (root / "locks" / "cpu.yml").stat().st_mtime_ns == before
    assert all(s.fresh for s in check(project))


def test_comment_only_edit_keeps_locks_fresh(project: Path) -> None:
    lock(LockRequest(manifest=project))
    base = project.parent / "base.yml"
    base.write_text("# a comment\n" + base.read_text())
    assert all(s.fresh for s in check(project))


def test_group_file_holds_one_target_per_platform_and_keeps_unsolved_members(tmp_path: Path) -> None:
    channel = tf_channel(tmp_path)
    spec = {"channels": [channel_url(channel)], "dependencies": ["python=3.9", "numpy<2"]}
    manifest = write_project(
        tmp_path,
        {"a": {"platform": "linux-64", "specs": ["s.yml"], "lockfile": "grp"},
         "b": {"platform": "linux-aarch64", "specs": ["t.yml"], "lockfile": "grp"}},
        {"s.yml": spec, "t.yml": {"channels": [channel_url(channel)], "dependencies": []}},
    )  # fmt: skip
    lock(LockRequest(manifest=manifest))
    group = tmp_path / "locks" / "grp-lock.yml"
    before = {lk.target: lk for lk in read_conda_lock(group)}
    assert set(before) == {"a", "b"}
    (tmp_path / "environments" / "t.yml").write_text(
        yaml.safe_dump({"channels": [channel_url(channel)], "dependencies": ["cudatoolkit"]})
    )
    # linux-aarch64 has no packages in this channel: the solve fails and nothing changes.
    snapshot = lock_files(tmp_path)
    with pytest.raises(SolveError):
        lock(LockRequest(manifest=manifest, targets=("b",)))
    assert lock_files(tmp_path) == snapshot


def test_conda_lock_parser_reads_our_file_back_unchanged(project: Path) -> None:
    from conda_lock.lockfile import parse_conda_lock_file, write_conda_lock_file

    lock(LockRequest(manifest=project))
    path = project.parent.parent / "locks" / "gpu-lock.yml"
    parsed = parse_conda_lock_file(path)
    again = path.parent / "again-lock.yml"
    write_conda_lock_file(parsed, again, metadata_choices=None, include_help_text=False)
    body = "".join(line for line in path.read_text().splitlines(keepends=True) if not line.startswith("#"))
    assert again.read_text() == body
    assert {p.name for p in parsed.package} >= {"tensorflow", "cudatoolkit", "cudnn", "python"}
    ours = read_conda_lock(path)[0]
    theirs = [
        p for p in parse_conda_lock_file(path).package if p.manager == "conda"
    ]  # conda-lock's parser sorts topologically
    assert [(c.name, c.version, c.url, c.md5, c.sha256) for c in ours.conda] == [
        (p.name, p.version, p.url, p.hash.md5, p.hash.sha256) for p in theirs
    ]


def test_env_file_lines_parse_with_condas_matchspec(project: Path) -> None:
    from conda_lock._vendor.conda.models.match_spec import MatchSpec

    lock(LockRequest(manifest=project))
    data = yaml.safe_load((project.parent.parent / "locks" / "gpu.yml").read_text())
    for line in data["dependencies"]:
        spec = MatchSpec(line)
        name, version, build = line.split("=")
        assert (spec.name, str(spec.version), spec.get_exact_value("build")) == (name, version, build)


def test_read_lock_reads_all_three_formats_alike(project: Path) -> None:
    lock(LockRequest(manifest=project))
    locks = project.parent.parent / "locks"
    from_group = next(lk for lk in read_lock(locks / "gpu-lock.yml") if lk.target == "gpu")
    from_env = read_lock(locks / "gpu.yml")[0]
    from_explicit = read_lock(locks / "gpu-explicit.txt")[0]
    assert from_env == from_group
    assert {(p.name, p.version, p.build, p.url, p.md5) for p in from_explicit.conda} == {
        (p.name, p.version, p.build, p.url, p.md5) for p in from_group.conda
    }
    assert from_group.variables == {"TF_FORCE_GPU_ALLOW_GROWTH": "true"}


def test_mirror_is_used_and_locks_keep_canonical_urls(tmp_path: Path) -> None:
    served = tf_channel(tmp_path)
    canonical = "https://conda.anaconda.org/conda-forge"
    write_project(
        tmp_path,
        {"t": {"platform": "linux-64", "specs": ["s.yml"]}},
        {"s.yml": {"channels": ["conda-forge"], "dependencies": ["python=3.9", "numpy<2"]}},
    )
    with DirectoryServer(served) as server:
        result = envtool("lock", "--mirror", f"conda-forge={server.url}", cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert server.count("/linux-64/repodata.json") >= 1
    text = (tmp_path / "locks" / "t-explicit.txt").read_text()
    assert f"{canonical}/linux-64/numpy-1.23.5-py39_0" in text
    # channels as the spec spells them, so conda's own channel_alias/custom_channels apply; URLs canonical
    assert yaml.safe_load((tmp_path / "locks" / "t.yml").read_text())["channels"] == ["conda-forge"]
    group = yaml.safe_load((tmp_path / "locks" / "t-lock.yml").read_text())
    assert group["metadata"]["channels"] == [{"url": "conda-forge", "used_env_vars": []}]
    assert {p["url"].rsplit("/", 2)[0] for p in group["package"]} == {canonical}
    assert "127.0.0.1" not in "".join(lock_files(tmp_path)[n].decode() for n in lock_files(tmp_path))
    # a folder mirror works too, and gives the same bytes
    first = lock_files(tmp_path)
    again = envtool("lock", "--force", "--mirror", f"{canonical}={served}", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert lock_files(tmp_path) == first
    # and the mirror from the environment
    env_run = envtool("lock", "--force", cwd=tmp_path, env={"ENVTOOL_MIRRORS": f"conda-forge={served}"})
    assert env_run.returncode == 0 and lock_files(tmp_path) == first
    assert MirrorMap.parse([f"conda-forge={served}"], "x").to_mirror(canonical) == served.resolve().as_uri()


def test_failed_write_leaves_every_lock_as_it_was(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = project.parent.parent
    lock(LockRequest(manifest=project))
    before = lock_files(root)
    gpu = root / "environments" / "gpu.yml"
    gpu.write_text(gpu.read_text().replace("cudnn=8", "cudnn=8.4"))  # so every gpu file changes
    real = atomic._write_temp
    calls = []

    def interrupted(path: Path, text: str) -> Path:
        calls.append(path)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(path, text)

    monkeypatch.setattr(atomic, "_write_temp", interrupted)
    with pytest.raises(KeyboardInterrupt):
        lock(LockRequest(manifest=project, targets=("gpu",)))
    assert len(calls) == 3
    assert lock_files(root) == before
    assert not [p for p in (root / "locks").iterdir() if p.name.endswith(".tmp")]


def _edit_gpu(root: Path) -> None:
    gpu = root / "environments" / "gpu.yml"
    gpu.write_text(gpu.read_text().replace("cudnn=8", "cudnn=8.4"))  # so every gpu file changes


def test_interrupted_while_writing_leaves_every_lock_and_exits_130(project: Path) -> None:
    root = project.parent.parent
    lock(LockRequest(manifest=project))
    before = lock_files(root)
    _edit_gpu(root)
    with PausedLock(root, "write", "lock", "--target", "gpu") as paused:
        paused.wait()  # one new file written to its temporary, the next one half-way
        code, err = paused.interrupt(signal.SIGINT)
    assert code == 130, err
    assert err.strip().splitlines()[-1] == "interrupted" and "Traceback" not in err
    assert lock_files(root) == before  # and no temporary files


def test_interrupted_while_renaming_finishes_the_renames_then_exits_130(project: Path) -> None:
    root = project.parent.parent
    lock(LockRequest(manifest=project))
    _edit_gpu(root)
    with PausedLock(root, "rename", "lock", "--target", "gpu") as paused:
        paused.wait()  # one new file renamed into place, two to go
        code, err = paused.interrupt(signal.SIGINT)
    assert code == 130, err
    statuses = check(project)
    assert all(s.fresh for s in statuses), (statuses, err)  # all three new: never a mix of old and new
    assert not [name for name in lock_files(root) if name.endswith(".tmp")]


@pytest.mark.skipif(os.name != "posix", reason="signals")
def test_killed_while_writing_leaves_every_lock(project: Path) -> None:
    root = project.parent.parent
    lock(LockRequest(manifest=project))
    before = lock_files(root)
    _edit_gpu(root)
    with PausedLock(root, "write", "lock", "--target", "gpu") as paused:
        paused.wait()
        paused.proc.kill()
        paused.proc.wait(timeout=10)
    after = lock_files(root)
    assert {name: after[name] for name in after if not name.startswith(".")} == before
    # SIGKILL cannot be caught: only the hidden temporaries it cut short are left behind
    assert all(name.startswith(".gpu") and name.endswith(".tmp") for name in set(after) - set(before))


def test_check_names_inputs_a_target_no_longer_has(project: Path) -> None:
    lock(LockRequest(manifest=project))
    manifest = yaml.safe_load(project.read_text())
    manifest["targets"]["gpu"]["specs"] = ["base.yml"]  # gpu.yml removed from the target
    project.write_text(yaml.safe_dump(manifest, sort_keys=False))
    statuses = {s.target: s for s in check(project)}
    assert statuses["cpu"].fresh
    assert statuses["gpu"].reasons == (
        "target gpu, spec environments/gpu.yml changed since locks/gpu.yml was written",
        "target gpu, spec environments/gpu.yml changed since locks/gpu-explicit.txt was written",
        "target gpu, spec environments/gpu.yml changed since locks/gpu-lock.yml was written",
    )


def test_a_lock_envtool_did_not_write_is_stale_and_replaced(project: Path) -> None:
    root = project.parent.parent
    lock(LockRequest(manifest=project))
    written = (root / "locks" / "cpu.yml").read_bytes()
    # say, `conda env export > locks/cpu.yml`: no header, so nothing ties it to the inputs
    (root / "locks" / "cpu.yml").write_text("name: tf\nchannels: [conda-forge]\ndependencies:\n  - python=3.9\n")
    statuses = {s.target: s for s in check(project)}
    assert statuses["gpu"].fresh
    assert statuses["cpu"].reasons == ("locks/cpu.yml was not written by envtool (no envtool header)",)
    stale = envtool("check", cwd=root)
    assert stale.returncode == 1, stale.stderr
    assert "cpu: stale: locks/cpu.yml was not written by envtool (no envtool header)" in stale.stderr
    result = lock(LockRequest(manifest=project))
    assert [lk.target for lk in result.solved] == ["cpu"]
    assert (root / "locks" / "cpu.yml").read_bytes() == written
    assert all(s.fresh for s in check(project))
