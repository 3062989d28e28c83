"""The TF suite's decisions (``benchmarks/tf/tfbench.py``), loaded from their file: no TensorFlow, no GPU."""

from __future__ import annotations

import doctest
import importlib.util
import re
import subprocess
import sys
from types import ModuleType
from typing import Any

import pytest

from tests.bench.samples import SUITE

CUDA_BUILD = {"is_cuda_build": True, "cuda_version": "11.2", "cudnn_version": "8"}


@pytest.fixture(scope="module")
def tfbench() -> ModuleType:
    """The suite's pure helper module, loaded from its file (it is not a package)."""
    spec = importlib.util.spec_from_file_location("tfbench", SUITE / "tfbench.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["tfbench"] = module
    spec.loader.exec_module(module)
    return module


def test_tfbench_doctests_pass(tfbench: ModuleType) -> None:
    failed, attempted = doctest.testmod(tfbench, optionflags=doctest.ELLIPSIS)
    assert attempted > 20 and failed == 0


def test_gpu_variant_fails_when_an_op_fell_back_to_the_cpu(tfbench: ModuleType) -> None:
    cpu = "/job:localhost/replica:0/task:0/device:CPU:0"
    gpu = "/job:localhost/replica:0/task:0/device:GPU:0"
    assert tfbench.check_placement("gpu", gpu) == gpu
    assert tfbench.check_placement("cpu", cpu) == cpu
    with pytest.raises(tfbench.PlacementError, match="fell back to the CPU"):
        tfbench.check_placement("gpu", cpu)
    with pytest.raises(tfbench.PlacementError, match=r"ran on .*GPU:0"):
        tfbench.check_placement("cpu", gpu)
    with pytest.raises(AssertionError, match="unknown"):  # PlacementError fails a pytest test
        tfbench.check_placement("gpu", "")


@pytest.mark.parametrize(
    ("gpus", "build", "env", "expected"),
    [
        (["/physical_device:GPU:0"], CUDA_BUILD, {}, None),
        ([], {"is_cuda_build": False}, {}, "CPU-only build"),
        ([], CUDA_BUILD, {"CUDA_VISIBLE_DEVICES": ""}, "CUDA_VISIBLE_DEVICES='' hides every GPU"),
        ([], CUDA_BUILD, {}, "built for CUDA 11.2, cuDNN 8): check the driver with nvidia-smi"),
    ],
)
def test_gpu_skip_reasons(
    tfbench: ModuleType, gpus: list[str], build: dict[str, Any], env: dict[str, str], expected: str
) -> None:
    reason = tfbench.gpu_skip_reason(gpus, build, env)
    if expected is None:
        assert reason is None
    else:
        assert reason is not None and expected in reason and reason.startswith("no GPU")


def test_device_selection_and_names(tfbench: ModuleType) -> None:
    assert tfbench.selected_devices("all") == ("cpu", "gpu")
    assert tfbench.selected_devices("cpu") == ("cpu",)
    with pytest.raises(ValueError, match="--tf-device"):
        tfbench.selected_devices("both")
    assert tfbench.device_kind("/job:localhost/replica:0/task:0/device:XLA_GPU:0") == "gpu"


@pytest.mark.parametrize(
    ("name", "peak"),
    [
        ("NVIDIA H100 80GB HBM3", 67.0),
        ("NVIDIA H100 PCIe", 51.2),
        ("NVIDIA A100-SXM4-40GB", 19.5),
        ("Tesla V100-SXM2-16GB", 15.7),
        ("Tesla T4", 8.1),
        ("NVIDIA L4", 30.3),
        ("NVIDIA L40S", 91.6),
        ("NVIDIA GeForce GT 710", None),
    ],
)
def test_known_gpu_peaks(tfbench: ModuleType, name: str, peak: float | None) -> None:
    assert tfbench.peak_fp32_tflops(name) == peak


def test_ratio_to_peak_and_reference(tfbench: ModuleType) -> None:
    mine = tfbench.gflops(tfbench.matmul_flops(4096), 0.004)
    assert mine == pytest.approx(34359.74, rel=1e-4)
    assert tfbench.ratio(mine, tfbench.peak_fp32_tflops("A100") * 1000) == pytest.approx(1.762)
    assert tfbench.ratio(mine, None) is None


def test_mixed_precision_plan(tfbench: ModuleType) -> None:
    assert tfbench.mixed_precision_plan("gpu", (7, 0), [])[0] == "mixed_float16"
    assert tfbench.mixed_precision_plan("gpu", (6, 0), [])[0] is None
    assert tfbench.mixed_precision_plan("gpu", None, ["avx512_bf16"])[0] is None
    assert tfbench.mixed_precision_plan("cpu", None, ["amx_bf16"])[0] == "mixed_bfloat16"
    policy, why = tfbench.mixed_precision_plan("cpu", None, ["avx2"])
    assert policy is None and "emulated" in why


def test_cpu_features_and_onednn(tfbench: ModuleType) -> None:
    info = tfbench.cpu_features(
        "processor\t: 0\nmodel name\t: Xeon\nflags\t\t: sse4_2 avx avx2 fma avx512f amx_tile\n"
        "processor\t: 1\nmodel name\t: other\nflags\t\t: sse\n"
    )
    assert info == {
        "model": "Xeon",
        "flags": ["sse4_2", "avx", "avx2", "fma", "avx512f", "amx_tile"],
    }
    assert tfbench.onednn_state({"TF_ENABLE_ONEDNN_OPTS": "1"}, []) == "on (TF_ENABLE_ONEDNN_OPTS=1)"
    assert tfbench.onednn_state({}, info["flags"]).startswith("on (TF 2.9 default")


def test_suite_collects_and_skips_without_tensorflow() -> None:
    if importlib.util.find_spec("tensorflow") is not None:
        pytest.skip("TensorFlow is installed here; the suite would run instead of skipping")
    done = subprocess.run(
        [sys.executable, "-m", "pytest", str(SUITE), "-c", str(SUITE / "pytest.ini"),
         "--rootdir", str(SUITE), "-rs", "-q"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 5, done.stdout + done.stderr  # ran nothing: all modules skipped
    assert "could not import 'tensorflow'" in done.stdout
    assert re.search(r"^\d+ skipped in ", done.stdout, re.MULTILINE), done.stdout
