"""scripts/doctor_probe.py: doctor's probes on a machine with only the repository and a Python, and the full doctor."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.projects import fake_host_tools

ROOT = Path(__file__).resolve().parents[2]


def test_with_only_the_standard_library_it_prints_the_probes(tmp_path: Path) -> None:
    env = fake_host_tools(tmp_path / "bin", cuda="12.2", glibc="2.31")
    done = subprocess.run(
        [sys.executable, "-S", str(ROOT / "scripts" / "doctor_probe.py")],  # -S: no site-packages, no dependencies
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    host = json.loads(done.stdout)["host"]
    assert (host["nvidia_smi"], host["glibc"], host["probe"]["cuda"]) == ("12.2", "2.31", "12.2")
    assert "CONDA_OVERRIDE_CUDA=12.2 CONDA_OVERRIDE_GLIBC=2.31 envtool doctor linux-gpu" in done.stderr


def test_with_envtool_installed_it_runs_doctor_on_the_projects_gpu_lock(tmp_path: Path) -> None:
    env = fake_host_tools(tmp_path / "bin", cuda="11.2", glibc="2.31")
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "doctor_probe.py")], capture_output=True, text=True, env=env,
        timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)["targets"][0]
    cuda = next(c for c in report["checks"] if c["name"] == "cuda")
    assert report["target"] == "linux-gpu"
    assert cuda["detail"] == "NVIDIA driver (CUDA) 11.2 (from nvidia-smi), but linux-gpu is locked for __cuda=11.2.2"
