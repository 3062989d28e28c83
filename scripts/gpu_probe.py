"""Run envtool's GPU detection and report code against this machine's real NVIDIA driver.

Usage: python scripts/gpu_probe.py

Needs envtool (``pip install -e .``) and nothing else: no TensorFlow, no network. Prints
what ``envtool bench`` records about the host (``nvidia-smi``'s GPUs, driver, memory; CPU;
the environment variables that change the numbers), the FP32 peak the suite would compare
each GPU with, and the report's facts and a GPU result rendered as ``envtool bench`` renders
them (markdown table and plot panel), so a GPU machine shows whether detection and report
work there. Exits 1 when nvidia-smi lists no GPU.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

from envtool.bench.host import collect_host_facts, parse_nvidia_smi
from envtool.bench.plot import plot_panels
from envtool.bench.report import ReportContext, markdown_report
from envtool.bench.results import BenchResult
from envtool.bench.suite import SuiteRun

ROOT = Path(__file__).resolve().parent.parent


def suite_helpers() -> ModuleType:
    """The TF suite's pure helpers (``benchmarks/tf/tfbench.py``), which import no TensorFlow."""
    spec = importlib.util.spec_from_file_location("tfbench", ROOT / "benchmarks" / "tf" / "tfbench.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["tfbench"] = module
    spec.loader.exec_module(module)
    return module


def main() -> int:
    exe = shutil.which("nvidia-smi")
    print(f"nvidia-smi: {exe or 'not found'}")
    if exe:
        raw = subprocess.run(
            [exe, "--query-gpu=name,driver_version,memory.total,compute_cap", "--format=csv,noheader"],
            capture_output=True, text=True, timeout=30, check=False,
        )  # fmt: skip
        print(f"nvidia-smi --query-gpu (exit {raw.returncode}):\n{raw.stdout or raw.stderr}")
        print(f"parsed: {parse_nvidia_smi(raw.stdout)}")
    host = collect_host_facts()
    print("host facts (envtool.bench.host):")
    print(json.dumps(host.to_json(), indent=2))
    tfbench = suite_helpers()
    for gpu in host.gpus:
        peak = tfbench.peak_fp32_tflops(gpu.name)
        print(f"FP32 peak for {gpu.name!r}: {peak if peak is not None else 'not in KNOWN_FP32_PEAK_TFLOPS'} TFLOP/s")
    if not host.gpus:
        print("no GPU found by nvidia-smi", file=sys.stderr)
        return 1
    gpu = host.gpus[0]
    peak = tfbench.peak_fp32_tflops(gpu.name)
    # A made-up GPU result at half the peak, rendered with this host's real facts.
    seconds = 0.01
    gflops = tfbench.gflops(tfbench.matmul_flops(4096), seconds)
    result = BenchResult(
        "matmul[4096]", "gpu", "test_matmul[gpu-4096]", seconds, seconds, 0.0, 5, throughput=gflops,
        unit="GFLOP/s", reference="fp32 peak", reference_throughput=peak * 1000 if peak else None,
        ran_on="/job:localhost/replica:0/task:0/device:GPU:0", data=(seconds,) * 5,
    )  # fmt: skip
    ctx = ReportContext(
        label="gpu-probe", command="python scripts/gpu_probe.py", when="(probe)", python=sys.executable,
        suite="-", device="gpu", host=host, run=SuiteRun(("probe",), 0, {"passed": 1}),
        tf={"gpu_name": gpu.name}, threshold=0.10,
    )  # fmt: skip
    print("\nreport (envtool.bench.report, one made-up result, this host's facts):\n")
    print(markdown_report(ctx, [result], None))
    print(f"plot panel: {plot_panels([result], ('cpu', 'gpu'))[0]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
