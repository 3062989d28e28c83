"""scripts/gpu_probe.py: envtool's GPU detection and report, driven by an nvidia-smi stand-in here."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_probe(bin_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}
    return subprocess.run([sys.executable, str(ROOT / "scripts" / "gpu_probe.py")], capture_output=True, text=True,
                          env=env, timeout=120, check=False)  # fmt: skip


def test_gpu_probe_reports_what_nvidia_smi_lists(tmp_path: Path) -> None:
    smi = tmp_path / "nvidia-smi"
    smi.write_text("#!/bin/sh\necho 'NVIDIA H200, 570.86.15, 143771 MiB, 9.0'\n")
    smi.chmod(0o755)
    done = run_probe(tmp_path)
    assert done.returncode == 0, done.stderr
    assert "GpuInfo(name='NVIDIA H200', driver='570.86.15', memory_mib=143771)" in done.stdout
    assert "FP32 peak for 'NVIDIA H200': 67.0 TFLOP/s" in done.stdout
    assert "- GPU: NVIDIA H200 (TF sees NVIDIA H200)" in done.stdout
    assert "| matmul[4096] | gpu | 10.0 ms |" in done.stdout and "fp32 peak (67,000 GFLOP/s) | 0.21 |" in done.stdout


def test_gpu_probe_without_a_gpu_exits_1(tmp_path: Path) -> None:
    smi = tmp_path / "nvidia-smi"
    smi.write_text(
        "#!/bin/sh\necho 'NVIDIA-SMI has failed because it could not communicate with the driver' >&2\nexit 9\n"
    )
    smi.chmod(0o755)
    done = run_probe(tmp_path)
    assert done.returncode == 1 and "no GPU found by nvidia-smi" in done.stderr
