"""``envtool doctor`` and the host check of ``envtool create``, with stand-in ``nvidia-smi`` and ``ldd`` on PATH."""

from __future__ import annotations

import ctypes
import json
from pathlib import Path

import pytest

from envtool.env.doctor import HostCheck, check_host, declared_needs
from envtool.env.host import probe_host
from envtool.lockfiles.read import read_lock
from tests.projects import envtool, fake_host_tools


@pytest.fixture
def project(locked_tf: Path) -> Path:
    return locked_tf


def _has_avx() -> bool:
    try:
        return " avx " in Path("/proc/cpuinfo").read_text().replace("\n", " ")
    except OSError:
        return False


def _libcuda_loads() -> bool:
    try:
        ctypes.CDLL("libcuda.so.1")
    except OSError:
        return False
    return True


def _checks(stdout: str) -> dict[str, dict[str, str]]:
    return {c["name"]: c for c in json.loads(stdout)["targets"][0]["checks"]}


@pytest.mark.skipif(not _has_avx(), reason="the all-good case needs a CPU with AVX")
def test_all_good(project: Path, tmp_path: Path) -> None:
    env = fake_host_tools(tmp_path / "bin", cuda="12.2", glibc="2.36")
    done = envtool("doctor", "gpu", "--json", cwd=project, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    checks = _checks(done.stdout)
    assert {n: c["status"] for n, c in checks.items()} == {
        "platform": "ok", "cuda": "ok", "glibc": "ok", "avx": "ok", "disk": "skip",
    }  # fmt: skip
    assert "NVIDIA driver (CUDA) 12.2 (from nvidia-smi)" in checks["cuda"]["detail"]
    assert "glibc 2.36 (from ldd --version)" in checks["glibc"]["detail"]


def test_driver_too_old(project: Path, tmp_path: Path) -> None:
    env = fake_host_tools(tmp_path / "bin", cuda="11.2", glibc="2.36")
    done = envtool("doctor", "gpu", cwd=project, env=env)
    assert done.returncode == 1, done.stdout + done.stderr
    line = next(line for line in done.stdout.splitlines() if "cuda" in line and "PROBLEM" in line)
    assert (
        "NVIDIA driver (CUDA) 11.2 (from nvidia-smi), but gpu is locked for __cuda=11.2.2; fix: install or update"
        in line
    )
    assert len([line for line in done.stdout.splitlines() if line.startswith("  ")]) == 5  # one line per check


def _in_process(project: Path, target: str, path: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, HostCheck]:
    """doctor's checks run here, with the stand-in tools first on PATH (the probes still run them as processes)."""
    monkeypatch.setenv("PATH", path)
    lock = read_lock(project / "locks" / f"{target}.yml")[0]
    checks = check_host(lock, probe_host("linux-64"), declared_needs(lock, project), project)
    return {c.name: c for c in checks}


def test_glibc_too_old(project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env = fake_host_tools(tmp_path / "bin", cuda="12.2", glibc="2.12")
    glibc = _in_process(project, "cpu", env["PATH"], monkeypatch)["glibc"]
    assert glibc.status == "problem"
    assert glibc.detail == "glibc 2.12 (from ldd --version), but cpu is locked for __glibc=2.17"


@pytest.mark.skipif(_libcuda_loads(), reason="this machine has an NVIDIA driver")
def test_no_gpu(project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env = fake_host_tools(tmp_path / "bin", cuda=None, glibc="2.36")
    cuda = _in_process(project, "gpu", env["PATH"], monkeypatch)["cuda"]
    assert cuda.status == "problem"
    assert cuda.detail == "no NVIDIA driver (CUDA) found on this machine; gpu is locked for __cuda=11.2.2"


def test_conda_override_is_honoured_as_conda_honours_it(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = fake_host_tools(tmp_path / "bin", cuda="11.2", glibc="2.36")
    monkeypatch.setenv("CONDA_OVERRIDE_CUDA", "11.2.2")
    cuda = _in_process(project, "gpu", env["PATH"], monkeypatch)["cuda"]
    assert (cuda.status, cuda.detail) == (
        "ok",
        "NVIDIA driver (CUDA) 11.2.2 (from CONDA_OVERRIDE_CUDA); the lock needs __cuda >=11.2.2",
    )
    monkeypatch.setenv("CONDA_OVERRIDE_CUDA", "")  # conda's way of saying "no driver"
    assert _in_process(project, "gpu", env["PATH"], monkeypatch)["cuda"].status == "problem"


def test_without_a_target_every_target_of_this_platform(project: Path, tmp_path: Path) -> None:
    env = fake_host_tools(tmp_path / "bin", cuda="12.2", glibc="2.36")
    done = envtool("doctor", "--json", cwd=project, env=env)
    assert [t["target"] for t in json.loads(done.stdout)["targets"]] == ["cpu", "gpu"]


def test_create_refuses_what_the_host_cannot_run(project: Path, tmp_path: Path) -> None:
    env = fake_host_tools(tmp_path / "bin", cuda="11.2", glibc="2.36")
    prefix = tmp_path / "env"
    refused = envtool("create", "gpu", "-p", str(prefix), cwd=project, env=env)
    assert refused.returncode == 2, refused.stderr
    assert "Traceback" not in refused.stderr
    assert "this machine cannot run the lock: NVIDIA driver (CUDA) 11.2" in refused.stderr
    assert "--skip-host-check" in refused.stderr
    assert not prefix.exists()
    forced = envtool("create", "gpu", "-p", str(prefix), "--skip-host-check", cwd=project, env=env)
    assert forced.returncode == 0, forced.stderr
    assert (prefix / "conda-meta").is_dir()


@pytest.mark.skipif(_libcuda_loads(), reason="this machine has an NVIDIA driver")
def test_a_failing_nvidia_smi_is_quoted(project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env = fake_host_tools(tmp_path / "bin", cuda=None, glibc="2.36")
    smi = tmp_path / "bin" / "nvidia-smi"
    smi.write_text(
        '#!/bin/sh\necho "NVIDIA-SMI has failed because it couldn\'t communicate with the NVIDIA driver."\nexit 9\n'
    )
    smi.chmod(0o755)
    cuda = _in_process(project, "gpu", env["PATH"], monkeypatch)["cuda"]
    assert cuda.detail.startswith(
        "no NVIDIA driver (CUDA) found on this machine (nvidia-smi: NVIDIA-SMI has failed because it couldn't"
    )
