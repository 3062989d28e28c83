"""Facts about the host a benchmark ran on, recorded beside pytest-benchmark's results.

The suite records what TensorFlow sees (``extra_info``); these are what the
machine says of itself, read by ``envtool bench`` outside the environment:
CPU model and the flags TensorFlow's kernels care about, memory, the GPUs
``nvidia-smi`` lists, and the environment variables that change the numbers.
The parsers are pure functions of the files' text.

>>> cpu = parse_cpuinfo("model name\\t: AMD EPYC\\nflags\\t\\t: fpu avx2 avx512f avx512_bf16\\n")
>>> cpu.model, cpu.flags
('AMD EPYC', ('avx2', 'avx512f', 'avx512_bf16'))
"""

from __future__ import annotations

import os
import platform
import shutil
import socket
import subprocess
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

# The CPU flags that decide which kernels TensorFlow, oneDNN and the BLAS run.
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

# Environment variables that change what the benchmarks measure.
ENV_OF_INTEREST = (
    "TF_ENABLE_ONEDNN_OPTS",
    "TF_CPP_MIN_LOG_LEVEL",
    "CUDA_VISIBLE_DEVICES",
    "OMP_NUM_THREADS",
    "OPENBLAS_CORETYPE",
    "OPENBLAS_L2_SIZE",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
)


@dataclass(frozen=True)
class CpuInfo:
    """The CPU model and which of :data:`CPU_FLAGS_OF_INTEREST` it has."""

    model: str
    flags: tuple[str, ...]


@dataclass(frozen=True)
class GpuInfo:
    """One GPU as ``nvidia-smi`` lists it."""

    name: str
    driver: str
    memory_mib: int | None


@dataclass(frozen=True)
class HostFacts:
    """What the machine says of itself when a benchmark runs; stored under ``envtool.host``."""

    hostname: str
    system: str
    release: str
    machine: str
    cpu: CpuInfo
    cpus_usable: int
    memory_mib: int | None
    gpus: tuple[GpuInfo, ...]
    env: Mapping[str, str]
    load_average: float | None = None

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict of these facts.

        >>> facts = HostFacts("vm", "Linux", "6.1", "x86_64", CpuInfo("EPYC", ("avx2",)),
        ...     2, 24000, (), {})
        >>> facts.to_json()["cpu"]
        {'model': 'EPYC', 'flags': ['avx2']}
        """
        data = asdict(self)
        data["cpu"]["flags"] = list(self.cpu.flags)
        data["gpus"] = [asdict(gpu) for gpu in self.gpus]
        data["env"] = dict(self.env)
        return data


def parse_cpuinfo(text: str) -> CpuInfo:
    """The first CPU's model and flags of interest from ``/proc/cpuinfo``'s text.

    >>> parse_cpuinfo("")
    CpuInfo(model='', flags=())
    """
    from envtool.env.host import cpu_flags

    model = ""
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip() in ("model name", "Model"):
            model = value.strip()
            break
    flags = cpu_flags(text) or frozenset()
    return CpuInfo(model, tuple(flag for flag in CPU_FLAGS_OF_INTEREST if flag in flags))


def parse_meminfo(text: str) -> int | None:
    """Total memory in MiB from ``/proc/meminfo``'s text, ``None`` if it is not there.

    >>> parse_meminfo("MemTotal:       24576000 kB\\nMemFree: 1 kB\\n")
    24000
    """
    for line in text.splitlines():
        if line.startswith("MemTotal:"):
            parts = line.split()
            if len(parts) >= 2 and parts[1].isdigit():
                return int(parts[1]) // 1024
    return None


def parse_loadavg(text: str) -> float | None:
    """The 1-minute load average from ``/proc/loadavg``'s text: other work skews the timings.

    >>> parse_loadavg("2.20 1.28 0.62 1/72 12345\\n")
    2.2
    """
    try:
        return float(text.split(maxsplit=1)[0])
    except (IndexError, ValueError):
        return None


def parse_nvidia_smi(text: str) -> tuple[GpuInfo, ...]:
    """GPUs from ``nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader``.

    >>> parse_nvidia_smi("NVIDIA H100 80GB HBM3, 550.54.15, 81559 MiB\\n")
    (GpuInfo(name='NVIDIA H100 80GB HBM3', driver='550.54.15', memory_mib=81559),)
    """
    gpus = []
    for line in text.splitlines():
        parts = [part.strip() for part in line.split(",")]
        if len(parts) < 3 or not parts[0]:
            continue
        memory = parts[2].split()[0] if parts[2] else ""
        gpus.append(GpuInfo(parts[0], parts[1], int(memory) if memory.isdigit() else None))
    return tuple(gpus)


def _read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def _nvidia_smi() -> str:
    exe = shutil.which("nvidia-smi")
    if exe is None:
        return ""
    query = ["--query-gpu=name,driver_version,memory.total", "--format=csv,noheader"]
    try:
        done = subprocess.run([exe, *query], capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return done.stdout if done.returncode == 0 else ""


def collect_host_facts(env: Mapping[str, str] | None = None) -> HostFacts:
    """Read this host's facts (``/proc``, ``nvidia-smi`` where installed, the environment)."""
    env = os.environ if env is None else env
    uname = platform.uname()
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return HostFacts(
        hostname=socket.gethostname(),
        system=uname.system,
        release=uname.release,
        machine=uname.machine,
        cpu=parse_cpuinfo(_read("/proc/cpuinfo")) if uname.system == "Linux" else CpuInfo("", ()),
        cpus_usable=usable or 1,
        memory_mib=parse_meminfo(_read("/proc/meminfo")),
        gpus=parse_nvidia_smi(_nvidia_smi()),
        env={name: env[name] for name in ENV_OF_INTEREST if name in env},
        load_average=parse_loadavg(_read("/proc/loadavg")),
    )
