"""The TensorFlow benchmark suite's decisions, as pure functions that need no TensorFlow.

The suite (``benchmarks/tf/test_*.py``) runs inside the environment under test,
whose Python (3.9 or 3.10 for TF 2.9) has neither envtool nor, on a CPU host, a
GPU. Everything the suite decides — which devices run, why a GPU case skips,
whether an op really ran where it was asked to, which mixed-precision policy a
device supports, how far a throughput is from the device's peak — lives here so
that ``tests/test_bench.py`` checks it on any machine.

>>> print(placement_error("gpu", "/device:CPU:0"))
asked for the GPU but the op ran on /device:CPU:0 (fell back to the CPU)
>>> peak_fp32_tflops("NVIDIA A100-SXM4-80GB")
19.5
>>> gflops(matmul_flops(1024), 0.01)
214.75
"""

from __future__ import annotations

import re
import statistics
import time
from collections.abc import Mapping, Sequence
from typing import Any, Callable

DEVICES = ("cpu", "gpu")

# The FP32 (non-tensor-core) peak of known GPUs, in TFLOP/s, from the vendors' data
# sheets (boost clock). More specific names come first: the first substring that
# matches wins. Float32 matmuls on Ampere and newer may use TF32 tensor cores
# (TensorFlow's default), so a ratio above 1.0 there is possible and not an error.
KNOWN_FP32_PEAK_TFLOPS: tuple[tuple[str, float], ...] = (
    ("H200", 67.0),
    ("H100 PCIe", 51.2),
    ("H100 NVL", 60.0),
    ("H100", 67.0),
    ("GH200", 67.0),
    ("A100", 19.5),
    ("A10G", 31.2),
    ("A10", 31.2),
    ("A30", 10.3),
    ("A40", 37.4),
    ("L40S", 91.6),
    ("L40", 90.5),
    ("L4", 30.3),
    ("V100S", 16.4),
    ("V100-PCIE", 14.0),
    ("V100", 15.7),
    ("T4", 8.1),
    ("P100-PCIE", 9.3),
    ("P100", 10.6),
    ("RTX A6000", 38.7),
)

# CPU flags that matter to TensorFlow's and oneDNN's kernels. The same list as
# envtool.bench.host's: this suite runs in the TF environment, where envtool is not installed.
CPU_FLAGS_OF_INTEREST = (
    "sse4_2",
    "avx",
    "avx2",
    "fma",
    "avx512f",
    "avx512_vnni",
    "avx512_bf16",
    "amx_tile",
    "amx_bf16",
    "amx_int8",
)

# TF 2.9 turns oneDNN on by default on Linux x86 for CPUs with these features.
ONEDNN_DEFAULT_ON_FLAGS = ("avx512_vnni", "avx512_bf16", "amx_tile", "amx_bf16", "amx_int8")

# Tensor cores (fast float16) arrived with compute capability 7.0 (Volta).
MIN_MIXED_FLOAT16_CC = (7, 0)


class PlacementError(AssertionError):
    """An op ran on another device than the one the benchmark asked for."""


def selected_devices(option: str) -> tuple[str, ...]:
    """The devices a ``--tf-device`` value selects.

    >>> selected_devices("all")
    ('cpu', 'gpu')
    >>> selected_devices("gpu")
    ('gpu',)
    >>> selected_devices("tpu")
    Traceback (most recent call last):
    ...
    ValueError: --tf-device must be cpu, gpu or all, not 'tpu'
    """
    if option == "all":
        return DEVICES
    if option in DEVICES:
        return (option,)
    raise ValueError(f"--tf-device must be cpu, gpu or all, not {option!r}")


def tf_device_name(device: str) -> str:
    """The TensorFlow device string for a benchmark device.

    >>> tf_device_name("gpu")
    '/GPU:0'
    """
    return {"cpu": "/CPU:0", "gpu": "/GPU:0"}[device]


def device_kind(device_string: str) -> str | None:
    """``"cpu"`` or ``"gpu"`` for a TensorFlow device string, ``None`` if it names neither.

    >>> device_kind("/job:localhost/replica:0/task:0/device:GPU:0")
    'gpu'
    >>> device_kind("/CPU:0")
    'cpu'
    >>> device_kind("") is None
    True
    """
    match = re.search(r"(?:device:)?(CPU|GPU|XLA_CPU|XLA_GPU):\d+$", device_string, re.IGNORECASE)
    if match is None:
        return None
    return "gpu" if "GPU" in match.group(1).upper() else "cpu"


def placement_error(device: str, actual: str) -> str | None:
    """Why ``actual`` (a tensor's or variable's ``.device``) is not ``device``; ``None`` if it is.

    >>> placement_error("cpu", "/job:localhost/replica:0/task:0/device:CPU:0") is None
    True
    >>> placement_error("gpu", "")
    "asked for the GPU but the op's device is unknown ('')"
    """
    kind = device_kind(actual)
    if kind == device:
        return None
    if kind is None:
        return f"asked for the {device.upper()} but the op's device is unknown ({actual!r})"
    fell_back = " (fell back to the CPU)" if device == "gpu" else ""
    return f"asked for the {device.upper()} but the op ran on {actual}{fell_back}"


def check_placement(device: str, actual: str) -> str:
    """Return ``actual`` when it is on ``device``, else raise :class:`PlacementError`.

    >>> check_placement("gpu", "/device:CPU:0")
    Traceback (most recent call last):
    ...
    tfbench.PlacementError: asked for the GPU but the op ran on /device:CPU:0 (fell back to the CPU)
    """
    error = placement_error(device, actual)
    if error is not None:
        raise PlacementError(error)
    return actual


def gpu_skip_reason(gpu_names: Sequence[str], build_info: Mapping[str, Any], env: Mapping[str, str]) -> str | None:
    """Why the GPU cases cannot run here, or ``None`` when a GPU is visible to TensorFlow.

    ``build_info`` is ``tf.sysconfig.get_build_info()``; ``env`` is ``os.environ``.

    >>> gpu_skip_reason(["/physical_device:GPU:0"], {"is_cuda_build": True}, {}) is None
    True
    >>> print(gpu_skip_reason([], {"is_cuda_build": False}, {}))  # doctest: +NORMALIZE_WHITESPACE
    no GPU: this TensorFlow is a CPU-only build
    (tensorflow-cpu; get_build_info() has is_cuda_build=False)
    >>> print(gpu_skip_reason([], {"is_cuda_build": True}, {"CUDA_VISIBLE_DEVICES": "-1"}))
    no GPU: CUDA_VISIBLE_DEVICES='-1' hides every GPU from TensorFlow
    """
    if gpu_names:
        return None
    if not build_info.get("is_cuda_build", False):
        return "no GPU: this TensorFlow is a CPU-only build (tensorflow-cpu; get_build_info() has is_cuda_build=False)"
    visible = env.get("CUDA_VISIBLE_DEVICES")
    if visible is not None and visible.strip() in ("", "-1"):
        return f"no GPU: CUDA_VISIBLE_DEVICES={visible!r} hides every GPU from TensorFlow"
    cuda = build_info.get("cuda_version", "?")
    cudnn = build_info.get("cudnn_version", "?")
    return (
        f"no GPU visible to TensorFlow (built for CUDA {cuda}, cuDNN {cudnn}): check the "
        f"driver with nvidia-smi and that the CUDA {cuda} and cuDNN {cudnn} libraries are "
        "on the library path"
    )


def peak_fp32_tflops(device_name: str) -> float | None:
    """The FP32 peak of a GPU named ``device_name``, ``None`` if it is not in the table.

    >>> peak_fp32_tflops("NVIDIA H100 PCIe")
    51.2
    >>> peak_fp32_tflops("Tesla T4")
    8.1
    >>> peak_fp32_tflops("Quadro K600") is None
    True
    """
    for needle, peak in KNOWN_FP32_PEAK_TFLOPS:
        if needle.lower() in device_name.lower():
            return peak
    return None


def ratio(value: float | None, reference: float | None) -> float | None:
    """``value / reference`` rounded to 3 places, ``None`` when either is missing or zero.

    >>> ratio(50.0, 200.0)
    0.25
    >>> ratio(1.0, None) is None
    True
    """
    if not value or not reference:
        return None
    return round(value / reference, 3)


def matmul_flops(n: int) -> int:
    """Floating-point operations of an ``n x n`` by ``n x n`` matmul.

    >>> matmul_flops(2)
    16
    """
    return 2 * n**3


def conv2d_flops(input_shape: Sequence[int], filters: int, kernel: int) -> int:
    """Floating-point operations of a same-padded, stride-1 2-D convolution's forward pass.

    ``input_shape`` is NHWC: ``(batch, height, width, channels)``.

    >>> conv2d_flops((1, 4, 4, 2), filters=3, kernel=3)
    1728
    """
    batch, height, width, channels = input_shape
    return 2 * batch * height * width * channels * filters * kernel * kernel


def gflops(flops: float, seconds: float | None) -> float | None:
    """GFLOP/s of ``flops`` done in ``seconds``, rounded to 2 places.

    >>> gflops(2e9, 0.5)
    4.0
    >>> gflops(1.0, None) is None
    True
    """
    if not seconds:
        return None
    return round(flops / seconds / 1e9, 2)


def cpu_features(cpuinfo: str) -> dict[str, Any]:
    """The CPU model and the flags of interest from the text of ``/proc/cpuinfo``.

    >>> cpu_features("model name\\t: Xeon\\nflags\\t\\t: fpu avx avx2 avx512f avx512_bf16\\n")
    {'model': 'Xeon', 'flags': ['avx', 'avx2', 'avx512f', 'avx512_bf16']}
    """
    model = ""
    flags: list[str] = []
    for line in cpuinfo.splitlines():
        key, _, value = line.partition(":")
        key = key.strip()
        if key == "model name" and not model:
            model = value.strip()
        elif key in ("flags", "Features") and not flags:
            flags = value.split()
    return {"model": model, "flags": [f for f in CPU_FLAGS_OF_INTEREST if f in flags]}


def onednn_state(env: Mapping[str, str], cpu_flags: Sequence[str]) -> str:
    """Whether TF 2.9's oneDNN optimisations are on, and why.

    >>> onednn_state({"TF_ENABLE_ONEDNN_OPTS": "0"}, ["avx512_vnni"])
    'off (TF_ENABLE_ONEDNN_OPTS=0)'
    >>> onednn_state({}, ["avx2", "avx512_vnni"])
    'on (TF 2.9 default for a CPU with avx512_vnni)'
    >>> onednn_state({}, ["avx2"])
    'off (TF 2.9 default for a CPU without avx512_vnni/avx512_bf16/amx)'
    """
    setting = env.get("TF_ENABLE_ONEDNN_OPTS")
    if setting is not None and setting.strip():
        on = setting.strip().lower() in ("1", "true", "yes", "on")
        return f"{'on' if on else 'off'} (TF_ENABLE_ONEDNN_OPTS={setting.strip()})"
    present = [f for f in ONEDNN_DEFAULT_ON_FLAGS if f in cpu_flags]
    if present:
        return f"on (TF 2.9 default for a CPU with {'/'.join(present)})"
    return "off (TF 2.9 default for a CPU without avx512_vnni/avx512_bf16/amx)"


def mixed_precision_plan(
    device: str,
    compute_capability: tuple[int, int] | None,
    cpu_flags: Sequence[str],
) -> tuple[str | None, str]:
    """The Keras mixed-precision policy a device runs fast and why; ``(None, why)`` if none.

    >>> mixed_precision_plan("gpu", (8, 0), [])
    ('mixed_float16', 'compute capability 8.0 has float16 tensor cores')
    >>> mixed_precision_plan("gpu", (6, 1), [])
    (None, 'compute capability 6.1 < 7.0: no float16 tensor cores')
    >>> mixed_precision_plan("cpu", None, ["avx512_bf16"])
    ('mixed_bfloat16', 'the CPU has avx512_bf16')
    >>> mixed_precision_plan("cpu", None, ["avx2"])
    (None, 'the CPU has neither avx512_bf16 nor amx_bf16: bfloat16 would be emulated')
    """
    if device == "gpu":
        if compute_capability is None:
            return None, "the GPU's compute capability is unknown"
        cc = ".".join(str(part) for part in compute_capability)
        if tuple(compute_capability) >= MIN_MIXED_FLOAT16_CC:
            return "mixed_float16", f"compute capability {cc} has float16 tensor cores"
        return None, f"compute capability {cc} < 7.0: no float16 tensor cores"
    for flag in ("amx_bf16", "avx512_bf16"):
        if flag in cpu_flags:
            return "mixed_bfloat16", f"the CPU has {flag}"
    return None, "the CPU has neither avx512_bf16 nor amx_bf16: bfloat16 would be emulated"


def throughput_info(key: str, value: float | None, unit: str) -> dict[str, Any]:
    """The ``extra_info`` entries that carry a workload's headline throughput.

    ``envtool bench`` reads ``throughput`` and ``throughput_unit``; ``key`` keeps
    the workload's own name for it (``gflops``, ``steps_per_s``, ...).

    >>> throughput_info("gflops", 123.456, "GFLOP/s")
    {'gflops': 123.456, 'throughput': 123.456, 'throughput_unit': 'GFLOP/s'}
    """
    return {key: value, "throughput": value, "throughput_unit": unit}


def median_time(fn: Callable[[], Any], rounds: int = 3, warmup: int = 1) -> float:
    """Median wall seconds of ``fn`` over ``rounds`` calls after ``warmup`` calls.

    For references measured beside a benchmark (numpy's matmul), not for the
    benchmarks themselves, which pytest-benchmark times.

    >>> median_time(lambda: None, rounds=3) < 0.1
    True
    """
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def paired_times(
    fn_a: Callable[[], Any], fn_b: Callable[[], Any], rounds: int = 5, warmup: int = 1
) -> tuple[list[float], list[float]]:
    """Wall seconds of ``fn_a`` and ``fn_b`` called in turn, so both see the same machine load.

    On a shared machine the load can change between two separately timed
    loops; pairs keep a ratio honest where separate medians would not.

    >>> a, b = paired_times(lambda: None, lambda: None, rounds=4)
    >>> len(a), len(b)
    (4, 4)
    """
    for _ in range(warmup):
        fn_a()
        fn_b()
    times_a: list[float] = []
    times_b: list[float] = []
    for _ in range(rounds):
        for fn, times in ((fn_a, times_a), (fn_b, times_b)):
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
    return times_a, times_b


def paired_summary(times: Sequence[float], reference_times: Sequence[float]) -> dict[str, Any]:
    """The paired estimate as ``extra_info`` entries: median, range and number of pairs.

    Labelled "paired" wherever it is shown: it is not the quotient of the medians
    shown beside it, but the median of the per-pair quotients.

    >>> paired_summary([1.0, 2.0, 1.0], [2.0, 4.0, 3.0])
    {'paired_ratio': 2.0, 'paired_ratio_min': 2.0, 'paired_ratio_max': 3.0, 'paired_rounds': 3}
    >>> paired_summary([], [])
    {}
    """
    ratios = [ref / mine for mine, ref in zip(times, reference_times) if mine > 0]
    if not ratios:
        return {}
    return {
        "paired_ratio": round(statistics.median(ratios), 3),
        "paired_ratio_min": round(min(ratios), 3),
        "paired_ratio_max": round(max(ratios), 3),
        "paired_rounds": len(ratios),
    }


def blas_facts(infos: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """numpy's BLAS and the OpenMP runtimes from ``threadpoolctl.threadpool_info()``.

    >>> blas_facts([{"user_api": "blas", "internal_api": "openblas", "version": "0.3.21",
    ...     "num_threads": 2, "architecture": "Haswell", "filepath": "/v/numpy.libs/libopenblas.so"},
    ...     {"user_api": "openmp", "internal_api": "openmp", "version": None, "num_threads": 2,
    ...      "filepath": "/v/libgomp.so"}])  # doctest: +NORMALIZE_WHITESPACE
    {'numpy_blas': 'openblas 0.3.21', 'numpy_blas_core': 'Haswell', 'blas_threads': 2,
     'numpy_blas_file': '/v/numpy.libs/libopenblas.so', 'openmp': ['openmp (libgomp.so, 2 threads)']}
    """
    blases = [info for info in infos if info.get("user_api") == "blas"]
    blas = next((b for b in blases if "numpy" in str(b.get("filepath", ""))), blases[0] if blases else None)
    openmp = [
        f"{info.get('internal_api')} ({str(info.get('filepath', '')).rsplit('/', 1)[-1]}, "
        f"{info.get('num_threads')} threads)"
        for info in infos
        if info.get("user_api") == "openmp"
    ]
    if blas is None:
        return {"numpy_blas": None, "numpy_blas_core": None, "blas_threads": None, "openmp": openmp}
    return {
        "numpy_blas": f"{blas.get('internal_api')} {blas.get('version')}",
        "numpy_blas_core": blas.get("architecture"),
        "blas_threads": blas.get("num_threads"),
        "numpy_blas_file": blas.get("filepath"),
        "openmp": openmp,
    }
