"""The committed TF 2.9 locks: checked against the conda-forge snapshot they were solved from.

These read ``../shared/conda-forge-tf29`` (or ``$ENVTOOL_SNAPSHOT``) and skip when it is absent.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest

from envtool.inputs.mirrors import MirrorMap
from envtool.lockfiles.read import read_lock
from envtool.locking.lock import LockRequest, check, lock
from tests.projects import envtool

ROOT = Path(__file__).resolve().parent.parent
SNAPSHOT = Path(os.environ.get("ENVTOOL_SNAPSHOT") or ROOT.parent / "shared" / "conda-forge-tf29")
CANONICAL = "https://conda.anaconda.org/conda-forge"
pytestmark = [
    pytest.mark.snapshot,
    pytest.mark.skipif(
        not (SNAPSHOT / "noarch" / "repodata.json").is_file(),
        reason=f"conda-forge snapshot not found at {SNAPSHOT} (set ENVTOOL_SNAPSHOT)",
    ),
]
COMMITTED = ["linux-cpu", "linux-gpu", "osx-cpu", "osx-arm64-cpu", "win-cpu"]


def _snapshot_records() -> dict[str, dict[str, dict[str, str]]]:
    out: dict[str, dict[str, dict[str, str]]] = {}
    for subdir in ("linux-64", "noarch", "osx-64", "osx-arm64", "win-64"):
        data = json.loads((SNAPSHOT / subdir / "repodata.json").read_text())
        out[subdir] = {**data.get("packages", {}), **data.get("packages.conda", {})}
    return out


@pytest.fixture(scope="module")
def locks() -> dict[str, object]:
    return {target: read_lock(ROOT / "locks" / f"{target}.yml")[0] for target in COMMITTED}


def test_every_conda_record_is_in_the_snapshot_with_its_hashes(locks: dict[str, object]) -> None:
    records = _snapshot_records()
    checked = 0
    for lk in locks.values():
        for pkg in lk.conda:  # type: ignore[attr-defined]
            assert pkg.url.startswith(CANONICAL + "/"), pkg.url
            record = records[pkg.subdir].get(pkg.filename)
            assert record is not None, f"{pkg.filename} not in the snapshot"
            assert record["md5"] == pkg.md5
            assert record.get("sha256") == pkg.sha256
            checked += 1
    assert checked > 900


def test_gpu_lock_holds_cuda_112_and_cudnn_8(locks: dict[str, object]) -> None:
    pins = {p.name: p for p in locks["linux-gpu"].conda}  # type: ignore[attr-defined]
    assert pins["cudatoolkit"].version.startswith("11.2.")
    assert pins["cudnn"].version.startswith("8.")
    assert pins["tensorflow"].version.startswith("2.9.") and pins["tensorflow"].build.startswith("cuda112")


@pytest.mark.parametrize("target", [t for t in COMMITTED if t != "linux-gpu"])
def test_cpu_locks_hold_nothing_cuda(locks: dict[str, object], target: str) -> None:
    lk = locks[target]
    names = [f"{p.name} {p.build}" for p in lk.conda] + [p.name for p in lk.pip]  # type: ignore[attr-defined]
    assert not [n for n in names if re.search(r"cuda|cudnn|nccl", n, re.I)]


@pytest.mark.parametrize("target", COMMITTED)
def test_tensorflow_29_numpy_1_and_old_protobuf(locks: dict[str, object], target: str) -> None:
    lk = locks[target]
    versions = {p.name: p.version for p in (*lk.conda, *lk.pip)}  # type: ignore[attr-defined]
    tf = next(v for n, v in versions.items() if n in ("tensorflow", "tensorflow-cpu", "tensorflow-macos"))
    assert tf.startswith("2.9.")
    assert tuple(int(x) for x in versions["numpy"].split(".")[:2]) < (1, 24)
    assert "jupyterlab" in versions
    if any(p.name.startswith("tensorflow") for p in lk.pip):  # type: ignore[attr-defined]
        assert tuple(int(x) for x in versions["protobuf"].split(".")[:2]) < (3, 20)


def test_check_passes_on_the_committed_tree() -> None:
    result = envtool("check", cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert all(s.fresh for s in check(ROOT / "environments" / "targets.yml"))


def test_conda_targets_relock_byte_for_byte(tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(ROOT / "environments", project / "environments")
    shutil.copytree(ROOT / "locks", project / "locks")
    mirrors = MirrorMap.parse([f"conda-forge={SNAPSHOT}"], origin="test")
    result = lock(
        LockRequest(
            manifest=project / "environments" / "targets.yml", targets=("linux-gpu",), force=True, mirrors=mirrors
        )
    )
    assert {lk.target for lk in result.solved} == {"linux-gpu"}
    for name in ("linux-gpu.yml", "linux-gpu-explicit.txt", "tf29-gpu-lock.yml"):
        assert (project / "locks" / name).read_bytes() == (ROOT / "locks" / name).read_bytes(), name


@pytest.mark.network
def test_every_target_relocks_byte_for_byte_with_pypi(tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(ROOT / "environments", project / "environments")
    shutil.copytree(ROOT / "locks", project / "locks")
    result = envtool("lock", "--force", "--mirror", f"conda-forge={SNAPSHOT}", cwd=project, timeout=600)
    assert result.returncode == 0, result.stderr
    for path in sorted((ROOT / "locks").iterdir()):
        assert (project / "locks" / path.name).read_bytes() == path.read_bytes(), path.name
