"""Samples for the benchmark tests: pytest-benchmark JSON as the TF suite writes it, host facts, a fake suite.

The fake suite is one real pytest-benchmark test that needs no TensorFlow, so
``envtool bench`` runs end to end with this test run's Python standing in for
an environment's.
"""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path
from typing import Any

from envtool.bench.host import CpuInfo, HostFacts, parse_nvidia_smi
from envtool.bench.report import ReportContext, tf_facts
from envtool.bench.suite import SuiteRun
from tests.bench.envs import lock, write_lock

ROOT = Path(__file__).resolve().parents[2]
SUITE = ROOT / "benchmarks" / "tf"


def entry(name: str, median: float, **extra: Any) -> dict[str, Any]:
    """A pytest-benchmark JSON entry as the TF suite writes it."""
    device = "gpu" if "[gpu" in name else "cpu"
    params: dict[str, Any] = {"device": device}
    if "-" in name:
        params["size"] = int(name.split("-", 1)[1].rstrip("]"))
    data = [median * factor for factor in (0.9, 0.95, 1.0, 1.05, 1.1)]
    stats = {"median": median, "mean": median * 1.05, "stddev": median / 10, "rounds": 5, "data": data}
    info = {
        "device": device,
        "ran_on": f"/job:localhost/replica:0/task:0/device:{device.upper()}:0",
    }
    return {"name": name, "params": params, "stats": stats, "extra_info": {**info, **extra}}


def synthetic() -> dict[str, Any]:
    """A CPU + GPU run: matmul with references, a fit without, and facts the suite records."""
    facts = {"tf_version": "2.9.3", "cuda_version": "11.2", "cudnn_version": "8", "python": "3.9"}
    gflops = {"throughput_unit": "GFLOP/s"}
    return {
        "machine_info": {"node": "gpu01"},
        "benchmarks": [
            entry("test_matmul[cpu-1024]", 0.005, **facts, **gflops, throughput=429.5,
                  reference="numpy.matmul", reference_throughput=350.0, ratio=1.227, paired_ratio=1.31,
                  paired_ratio_min=1.1, paired_ratio_max=1.4, paired_rounds=5),
            entry("test_matmul[gpu-1024]", 0.0001, **facts, **gflops, throughput=21474.8,
                  reference="fp32 peak", reference_throughput=67000.0, ratio=0.321,
                  gpu_name="NVIDIA H100 80GB HBM3"),
            entry("test_keras_fit[cpu]", 0.05, throughput=1280.0, throughput_unit="steps/s"),
        ],
    }  # fmt: skip


def host() -> HostFacts:
    return HostFacts(
        "gpu01", "Linux", "6.1", "x86_64", CpuInfo("AMD EPYC", ("avx2", "avx512f")), 2, 24576,
        parse_nvidia_smi("NVIDIA H100 80GB HBM3, 550.54.15, 81559 MiB"), {"OMP_NUM_THREADS": "2"},
    )  # fmt: skip


def context(run: SuiteRun, data: dict[str, Any]) -> ReportContext:
    return ReportContext(
        label="linux-gpu", command="envtool bench linux-gpu", when="2026-11-26T07:00:00+00:00",
        python="/p/.envtool/envs/linux-gpu/bin/python", suite="/p/benchmarks/tf", device="all",
        host=host(), run=run, tf=tf_facts(data), threshold=0.10,
    )  # fmt: skip


FAKE_CONFTEST = """
import pytest

def pytest_addoption(parser):
    parser.addoption("--tf-device", default="all", choices=("cpu", "gpu", "all"))

def pytest_generate_tests(metafunc):
    if "device" in metafunc.fixturenames:
        option = metafunc.config.getoption("tf_device")
        metafunc.parametrize("device", ["cpu", "gpu"] if option == "all" else [option])
"""

FAKE_TEST = """
import os
import pytest

def test_sum(benchmark, device):
    if device == "gpu":
        pytest.skip("no GPU: fake suite")
    benchmark.extra_info.update(device=device, ran_on="/device:CPU:0", throughput=1.5,
                                throughput_unit="sums/s", tf_version="fake")
    benchmark(sum, range(100))
    if os.environ.get("FAKE_FAIL"):
        raise AssertionError("asked for the GPU but the op ran on /device:CPU:0")
"""


def make_fake_suite(root: Path) -> Path:
    """The fake suite in ``root/suite``, with a pytest.ini that keeps its rounds short."""
    suite = root / "suite"
    suite.mkdir()
    (suite / "conftest.py").write_text(textwrap.dedent(FAKE_CONFTEST))
    (suite / "test_fake.py").write_text(textwrap.dedent(FAKE_TEST))
    (suite / "pytest.ini").write_text("[pytest]\naddopts = --benchmark-max-time=0.01 --benchmark-min-rounds=3\n")
    return suite


def bench_args(suite: Path, out: Path, *more: str) -> list[str]:
    """Run the fake suite with this test run's Python, which is no locked environment: drift allowed."""
    demo = write_lock(lock(), out.parent / "demo-lock.yml")
    return ["bench", "--python", sys.executable, "--lock", str(demo), "--allow-drift", "--suite", str(suite),
            "--output-dir", str(out), "--label", "fake", "-q", *more]  # fmt: skip
