"""What this machine offers, as conda's virtual packages name it: the probes behind ``envtool doctor``.

:func:`probe_host` reads the NVIDIA driver's CUDA version (``nvidia-smi``,
else the driver library's ``cuDriverGetVersion`` through ctypes), glibc
(``ldd --version``, else the C library itself), macOS, AVX, the platform.
conda's ``CONDA_OVERRIDE_CUDA``/``_GLIBC``/``_OSX`` override a probe, as they
do for conda itself. Only the standard library is used, so the probes run on a
machine with nothing but a Python (``scripts/doctor_probe.py``).

>>> cuda_version_from_smi("| NVIDIA-SMI 535.104.05   Driver Version: 535.104.05   CUDA Version: 12.2     |")
'12.2'
>>> glibc_from_ldd("ldd (Debian GLIBC 2.36-9+deb12u4) 2.36")
'2.36'
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import platform as pyplatform
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

X86_64 = ("linux-64", "osx-64", "win-64")
_CUDA_LIBRARIES = {"linux": ("libcuda.so.1", "libcuda.so"), "win32": ("nvcuda.dll",), "darwin": ()}


@dataclass(frozen=True)
class HostFacts:
    """What this machine offers; ``None`` where it has no such thing (or it could not be read)."""

    platform: str
    cuda: str | None = None
    glibc: str | None = None
    osx: str | None = None
    avx: bool | None = None
    sources: dict[str, str] = field(default_factory=dict)  # fact -> where it was read


# ------------------------------------------------------------------ probing the host


def probe_host(host_platform: str) -> HostFacts:
    """What this machine offers, read now (each probe a few milliseconds)."""
    sources: dict[str, str] = {}
    cuda = _override("CUDA", sources, "cuda")
    if cuda is None and "CONDA_OVERRIDE_CUDA" not in os.environ:
        cuda = _cuda_from_smi(sources) or _cuda_from_library(sources)
    glibc = osx = None
    if host_platform.startswith("linux"):
        glibc = _override("GLIBC", sources, "glibc") or _glibc(sources)
    if host_platform.startswith("osx"):
        osx = _override("OSX", sources, "osx") or (pyplatform.mac_ver()[0] or None)
    return HostFacts(host_platform, cuda, glibc, osx, _avx(host_platform), sources)


def _override(name: str, sources: dict[str, str], fact: str) -> str | None:
    value = os.environ.get(f"CONDA_OVERRIDE_{name}")
    if value is None:
        return None
    sources[fact] = f"CONDA_OVERRIDE_{name}"
    return value.strip() or None


def cuda_version_from_smi(text: str) -> str | None:
    """The ``CUDA Version: X.Y`` that ``nvidia-smi`` prints in its banner."""
    match = re.search(r"CUDA Version\s*:\s*(\d+\.\d+)", text)
    return match.group(1) if match else None


def _cuda_from_smi(sources: dict[str, str]) -> str | None:
    smi = shutil.which("nvidia-smi")
    if smi is None:
        return None
    try:
        proc = subprocess.run([smi], capture_output=True, text=True, timeout=20, check=False)
    except (OSError, subprocess.SubprocessError) as exc:
        sources["cuda-failure"] = f"nvidia-smi did not run ({exc})"
        return None
    version = cuda_version_from_smi(proc.stdout) if proc.returncode == 0 else None
    if version:
        sources["cuda"] = "nvidia-smi"
    else:  # e.g. "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver"
        said = (proc.stdout.strip() or proc.stderr.strip() or f"exit {proc.returncode}").splitlines()[0]
        sources["cuda-failure"] = f"nvidia-smi: {said[:160]}"
    return version


def _cuda_from_library(sources: dict[str, str]) -> str | None:
    """``cuDriverGetVersion`` from the driver library, as conda and rattler read it."""
    for name in _CUDA_LIBRARIES.get(sys.platform if sys.platform in ("win32", "darwin") else "linux", ()):
        try:
            library = ctypes.CDLL(name)
        except OSError:
            continue
        version = ctypes.c_int(0)
        with contextlib.suppress(AttributeError):
            if library.cuDriverGetVersion(ctypes.byref(version)) == 0 and version.value > 0:
                sources["cuda"] = f"{name} (cuDriverGetVersion)"
                return f"{version.value // 1000}.{version.value % 1000 // 10}"
    return None


def glibc_from_ldd(text: str) -> str | None:
    """The glibc version in the first line of ``ldd --version`` (``None`` for musl and others)."""
    first = text.strip().splitlines()[0] if text.strip() else ""
    match = re.search(r"(?:GNU libc|GLIBC)[^\n]*?(\d+\.\d+)\s*$", first, re.I)
    return match.group(1) if match else None


def _glibc(sources: dict[str, str]) -> str | None:
    ldd = shutil.which("ldd")
    if ldd is not None:
        try:
            proc = subprocess.run([ldd, "--version"], capture_output=True, text=True, timeout=10, check=False)
            version = glibc_from_ldd(proc.stdout or proc.stderr)
        except (OSError, subprocess.SubprocessError):
            version = None
        if version:
            sources["glibc"] = "ldd --version"
            return version
    with contextlib.suppress(ValueError, OSError, AttributeError):
        text = os.confstr("CS_GNU_LIBC_VERSION") or ""  # "glibc 2.36"
        if text.startswith("glibc "):
            sources["glibc"] = "confstr(CS_GNU_LIBC_VERSION)"
            return text.split()[1]
    return None


def _avx(host_platform: str) -> bool | None:
    """Whether the CPU has AVX (``None``: not an x86-64 platform, or cannot tell)."""
    if host_platform not in X86_64:
        return None
    if sys.platform.startswith("linux"):
        return _avx_linux()
    if sys.platform == "darwin":
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            out = subprocess.run(
                ["sysctl", "-n", "machdep.cpu.features"], capture_output=True, text=True, timeout=10, check=False
            )
            return "AVX1.0" in out.stdout.split()
        return None
    return _avx_windows()


def cpu_flags(cpuinfo: str) -> frozenset[str] | None:
    """The first CPU's flags in ``/proc/cpuinfo``'s text (``flags``, or ``Features`` on Arm); ``None`` if absent.

    >>> sorted(cpu_flags("model name\\t: X\\nflags\\t\\t: fpu avx\\n")), cpu_flags("")
    (['avx', 'fpu'], None)
    """
    for line in cpuinfo.splitlines():
        key, _, value = line.partition(":")
        if key.strip() in ("flags", "Features"):
            return frozenset(value.split())
    return None


def _avx_linux() -> bool | None:
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    flags = cpu_flags(text)
    return None if flags is None else "avx" in flags


def _avx_windows() -> bool | None:
    if sys.platform == "win32":
        kernel32 = getattr(ctypes, "windll", None)
        return (
            bool(kernel32.kernel32.IsProcessorFeaturePresent(39)) if kernel32 else None
        )  # PF_AVX_INSTRUCTIONS_AVAILABLE
    return None
