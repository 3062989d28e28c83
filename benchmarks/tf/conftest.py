"""Fixtures of the TensorFlow benchmark suite: devices, facts and the ``bench`` helper.

The suite runs with the environment's own Python (``envtool bench`` calls
``PREFIX/bin/python -m pytest benchmarks/tf --tf-device ...``), never in the
project's test run. This file imports no TensorFlow at module level, so the
suite collects (and skips) where TensorFlow is missing.

Every test takes ``bench`` and thereby one ``device`` parameter (``cpu``,
``gpu``), chosen with ``--tf-device cpu|gpu|all`` and narrowed per test with
``@pytest.mark.devices("gpu")``. ``bench`` records in ``extra_info`` where the
work really ran, the TF, CUDA and cuDNN versions and the CPU's features, and
fails the test when an op fell back to another device.
"""

from __future__ import annotations

import contextlib
import os
import platform
from pathlib import Path
from typing import Any, Callable

import pytest

import tfbench

# Keep TensorFlow's C++ info lines (oneDNN notice, CPU feature guard) out of the
# output; the facts they tell are recorded in extra_info instead.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "1")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--tf-device",
        default="all",
        choices=("cpu", "gpu", "all"),
        help="which devices the workloads run on (default: all; GPU cases skip without a GPU)",
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "device" not in metafunc.fixturenames:
        return
    marker = metafunc.definition.get_closest_marker("devices")
    allowed = tuple(marker.args) if marker else tfbench.DEVICES
    option = metafunc.config.getoption("tf_device")
    chosen = [d for d in tfbench.selected_devices(option) if d in allowed]
    if chosen:
        metafunc.parametrize("device", chosen)
        return
    reason = f"runs on {'/'.join(allowed)} only and --tf-device {option} excludes it"
    metafunc.parametrize("device", [pytest.param(d, marks=pytest.mark.skip(reason)) for d in allowed])


@pytest.fixture(scope="session")
def tf() -> Any:
    return pytest.importorskip("tensorflow")


def _read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def _blas_facts() -> dict[str, Any]:
    """numpy's BLAS (library, version, kernels, threads) and OpenMP, as threadpoolctl finds them loaded."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return {"numpy_blas": None, "blas_unknown": "threadpoolctl is not installed in the environment"}
    return tfbench.blas_facts(threadpool_info())


@pytest.fixture(scope="session")
def tf_facts(tf: Any) -> dict[str, Any]:
    """What TensorFlow and the host report, once per session (before any op runs)."""
    gpus = tf.config.list_physical_devices("GPU")
    for gpu in gpus:
        # Share the GPU politely; raises RuntimeError once the GPU is initialised.
        with contextlib.suppress(RuntimeError):
            tf.config.experimental.set_memory_growth(gpu, True)
    details = [dict(tf.config.experimental.get_device_details(gpu)) for gpu in gpus]
    build = dict(tf.sysconfig.get_build_info())
    cpu = tfbench.cpu_features(_read("/proc/cpuinfo"))
    import numpy

    return {
        "gpus": [gpu.name for gpu in gpus],
        "gpu_details": details,
        "build_info": build,
        "cpu": cpu,
        "common": {
            "tf_version": tf.__version__,
            "tf_git_version": tf.version.GIT_VERSION,
            "is_cuda_build": bool(build.get("is_cuda_build", False)),
            "cuda_version": build.get("cuda_version"),
            "cudnn_version": build.get("cudnn_version"),
            "python": platform.python_version(),
            "numpy_version": numpy.__version__,
            "machine": platform.machine(),
            "cpu_model": cpu["model"] or platform.processor(),
            "cpu_flags": cpu["flags"],
            "cpu_count": os.cpu_count(),
            "cpus_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
            **_blas_facts(),
            "onednn": tfbench.onednn_state(os.environ, cpu["flags"]),
            "tf_enable_onednn_opts": os.environ.get("TF_ENABLE_ONEDNN_OPTS"),
            "openblas_coretype": os.environ.get("OPENBLAS_CORETYPE"),
            "intra_op_threads": tf.config.threading.get_intra_op_parallelism_threads(),
            "inter_op_threads": tf.config.threading.get_inter_op_parallelism_threads(),
        },
    }


class Bench:
    """The ``benchmark`` fixture plus the device under test and what every result records."""

    def __init__(self, benchmark: Any, device: str, tf: Any, facts: dict[str, Any]) -> None:
        self.benchmark = benchmark
        self.device = device
        self.tf_device = tfbench.tf_device_name(device)
        self.tf = tf
        self.facts = facts
        self.extra_info: dict[str, Any] = benchmark.extra_info
        self.extra_info.update(facts["common"])
        self.extra_info["device"] = device
        self.gpu_details: dict[str, Any] = {}
        if device == "gpu" and facts["gpu_details"]:
            self.gpu_details = facts["gpu_details"][0]
            self.extra_info["gpu_name"] = self.gpu_details.get("device_name")
            cc = self.gpu_details.get("compute_capability")
            self.extra_info["compute_capability"] = ".".join(map(str, cc)) if cc else None

    def __call__(self, fn: Callable[[], Any]) -> Any:
        """Benchmark ``fn`` with pytest-benchmark's calibration."""
        return self.benchmark(fn)

    def pedantic(self, fn: Callable[..., Any], **kwargs: Any) -> Any:
        """Benchmark ``fn`` with fixed rounds (``benchmark.pedantic``)."""
        return self.benchmark.pedantic(fn, **kwargs)

    def rounds(self, cpu: int, gpu: int) -> int:
        return cpu if self.device == "cpu" else gpu

    def to_device(self, value: Any) -> Any:
        """``value`` as a tensor in the memory of the device under test."""
        with self.tf.device(self.tf_device):
            return self.tf.identity(self.tf.convert_to_tensor(value))

    def block(self, tensor: Any) -> Any:
        """Wait until ``tensor`` is computed (GPU kernels run asynchronously)."""
        self.tf.reshape(tensor, [-1])[:1].numpy()
        return tensor

    def placed(self, *tensors: Any) -> None:
        """Record where ``tensors`` live; fail if any is not on the device under test."""
        devices = sorted({t.device for t in tensors})
        self.extra_info["ran_on"] = devices[0] if len(devices) == 1 else devices
        for actual in devices:
            tfbench.check_placement(self.device, actual)

    def median_s(self) -> float | None:
        """The median seconds of one call of the benchmarked function, once it has run."""
        stats = getattr(self.benchmark, "stats", None)
        inner = getattr(stats, "stats", None)
        return getattr(inner, "median", None)

    def throughput(self, key: str, value: float | None, unit: str) -> None:
        self.extra_info.update(tfbench.throughput_info(key, value, unit))

    def reference(
        self, name: str, value: float | None, mine: float | None, pairs: tuple[list[float], list[float]] | None = None
    ) -> None:
        """Record a reference throughput measured (or known) on this host and the ratio to it.

        ``ratio`` is always ``mine / value``, the quotient of the two numbers the
        report shows; ``pairs`` (times of the workload and of the reference, timed
        in turn) add the paired estimate, recorded apart as ``paired_ratio``.
        """
        self.extra_info["reference"] = name
        self.extra_info["reference_throughput"] = value
        self.extra_info["ratio"] = tfbench.ratio(mine, value)
        if pairs is not None:
            self.extra_info.update(tfbench.paired_summary(*pairs))

    def record(self, **info: Any) -> None:
        self.extra_info.update(info)


@pytest.fixture
def device_ready(device: str, tf_facts: dict[str, Any]) -> str:
    """``device``, once it is known to be there: GPU cases skip, with the reason, without a GPU."""
    if device == "gpu":
        reason = tfbench.gpu_skip_reason(tf_facts["gpus"], tf_facts["build_info"], os.environ)
        if reason is not None:
            pytest.skip(reason)
    return device


@pytest.fixture
def bench(device_ready: str, benchmark: Any, tf: Any, tf_facts: dict[str, Any]) -> Bench:
    # device_ready comes first: a skip after `benchmark` is set up makes pytest-benchmark warn.
    return Bench(benchmark, device_ready, tf, tf_facts)
